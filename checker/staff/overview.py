"""What staff see of a pack: each measure's state, period of force, examples and fields; the fields catalogue."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

from checker.rules.pack import Measure, RulePack
from checker.ruletest import ExampleOutcome, measure_id_of, run_pack

_CACHE: dict[str, tuple[list[ExampleOutcome], list[tuple[str, str, str]]]] = {}
_LOCK = threading.Lock()


@dataclass
class MeasureRow:
    """One line of the pack page."""

    measure: Measure
    folder: str
    start: dt.date | None
    end: dt.date | None
    state: str  # in_force | expired | not_yet
    passed: int
    failed: list[ExampleOutcome]
    reads: list[str]
    gaps: list[tuple[str, str]] = field(default_factory=list)


def period_state(measure: Measure, today: dt.date) -> str:
    """in_force, expired (ended before today) or not_yet (starts after today)."""
    period = measure.spec.period
    if period is not None and period.end and today > period.end:
        return "expired"
    if period is not None and period.start and today < period.start:
        return "not_yet"
    return "in_force"


def examples_and_gaps(pack: RulePack) -> tuple[list[ExampleOutcome], list[tuple[str, str, str]]]:
    """Every example's outcome (checked by durable-rules) and the criterion sides none reaches (cached per pack version)."""
    with _LOCK:
        if pack.version not in _CACHE:
            _CACHE[pack.version] = run_pack(pack)
        return _CACHE[pack.version]


def folder_of(measure: Measure) -> str:
    """The measures/ sub-folder of a measure's file."""
    parts = measure.file.split("/")
    return parts[-2] if len(parts) >= 2 else ""


def measure_rows(pack: RulePack, today: dt.date) -> list[MeasureRow]:
    """One row per measure, in pack order."""
    outcomes, gaps = examples_and_gaps(pack)
    rows = []
    for m in pack.measures:
        mine = [o for o in outcomes if o.measure_id == m.id]  # every dated version's examples
        period = m.spec.period
        rows.append(MeasureRow(m, folder_of(m), period.start if period else None, period.end if period else None,
                               period_state(m, today), sum(o.passed for o in mine), [o for o in mine if not o.passed],
                               sorted({f for c in m.criteria for f in c.fields}),
                               [(cid, side) for mid, cid, side in gaps if measure_id_of(mid) == m.id]))
    return rows


def field_uses(pack: RulePack) -> dict[str, list[tuple[str, str]]]:
    """For each profile field, the (measure, criterion) pairs that read it; '' criterion for the amount only."""
    uses: dict[str, list[tuple[str, str]]] = {name: [] for name in pack.fields}
    for m in pack.measures:
        for c in m.criteria:
            for name in c.fields:
                uses.setdefault(name, []).append((m.id, c.id))
        for name in m.reads:
            if name in pack.fields and not any(u[0] == m.id for u in uses[name]):
                uses[name].append((m.id, ""))
    return uses


def filter_rows(rows: list[MeasureRow], query: str, folder: str, state: str, problems: bool) -> list[MeasureRow]:
    """The rows matching a search (id, title, issuer or field read) and the folder, state and problem filters."""
    words = query.strip().lower().split()

    def matches(row: MeasureRow) -> bool:
        spec = row.measure.spec
        hay = " ".join([row.measure.id, spec.title.zh, spec.title.en, spec.issuer.zh, spec.issuer.en, *row.reads]).lower()
        return (all(w in hay for w in words) and (not folder or row.folder == folder) and (not state or row.state == state)
                and (not problems or bool(row.failed or row.gaps)))

    return [r for r in rows if matches(r)]
