"""Searching and filtering the measures of a rule pack."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from checker.rules.pack import Measure, RulePack


@dataclass
class Filters:
    """What the catalogue is narrowed by; empty means no filter."""

    q: str = ""
    kind: str = ""
    issuer: str = ""
    entity: str = ""
    on: dt.date | None = None


def _texts(measure: Measure) -> str:
    """Every searchable text of a measure, lower-cased."""
    spec = measure.spec
    parts = [spec.id, spec.title.zh, spec.title.en, spec.summary.zh, spec.summary.en, spec.issuer.zh, spec.issuer.en,
             spec.benefit.text.zh, spec.benefit.text.en, *spec.tags]
    parts += [c.text.zh for c in spec.criteria] + [c.text.en for c in spec.criteria]
    return " ".join(parts).lower()


def matches(measure: Measure, f: Filters) -> bool:
    """Whether a measure passes every filter."""
    spec = measure.spec
    if f.q and not all(word in _texts(measure) for word in f.q.lower().split()):
        return False
    if f.kind and spec.kind != f.kind:
        return False
    if f.issuer and f.issuer not in (spec.issuer.zh, spec.issuer.en):
        return False
    if f.entity and f.entity not in spec.entities:
        return False
    return not (f.on and not measure.in_force(f.on))


def search(pack: RulePack, f: Filters) -> list[Measure]:
    """The measures passing the filters, in pack order."""
    return [m for m in pack.measures if matches(m, f)]


def issuers(pack: RulePack) -> list[tuple[str, str]]:
    """Distinct issuers as (zh, en) pairs, sorted by the Chinese name."""
    return sorted({(m.spec.issuer.zh, m.spec.issuer.en) for m in pack.measures})
