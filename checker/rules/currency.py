"""Currency of the rule pack: when each measure was last reviewed, how old and whether superseded its source is,
and which programmes publish no application window. `checker rules currency` and the staff page show it;
`checker rules lint` requires `reviewed_on` (and, with --strict-currency, a review within the last year)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from checker.problems import Problem
from checker.rules.pack import Measure, RulePack
from checker.rules.schema import Text
from checker.rules.yamlsrc import RuleError

STALE_DAYS = 365  # --strict-currency: a measure not reviewed for a year fails lint
OLD_SOURCE_YEARS = 5  # a source issued more than five years before the check year is listed as old


@dataclass(frozen=True)
class Reviewed:
    """One measure's currency: last review, its finding, source year, successor, period and window."""

    measure: str
    title: Text
    file: str
    reviewed_on: dt.date | None
    review: Text | None
    source_year: int | None
    superseded_by: dict[str, Any] | None
    period_confirmed: bool
    has_window: bool
    intention: bool

    def as_json(self) -> dict[str, Any]:
        """The JSON form (dates as ISO text)."""
        return {"measure": self.measure, "title": self.title.model_dump(), "file": self.file,
                "reviewed_on": self.reviewed_on.isoformat() if self.reviewed_on else None,
                "review": self.review.model_dump() if self.review else None,
                "source_year": self.source_year, "superseded_by": self.superseded_by,
                "period_confirmed": self.period_confirmed, "has_window": self.has_window, "intention": self.intention}


@dataclass(frozen=True)
class CurrencyReport:
    """The pack's currency as of a date, in the four lists staff read."""

    today: dt.date
    by_review: list[Reviewed]  # every measure, never reviewed first, then oldest review first
    old_sources: list[Reviewed]  # source issued more than OLD_SOURCE_YEARS years before today's year
    superseded: list[Reviewed]  # a later document replaced the source
    no_window: list[Reviewed]  # programmes with no application window in windows.yaml

    def stale(self) -> list[Reviewed]:
        """Measures never reviewed or not reviewed within STALE_DAYS."""
        return [r for r in self.by_review if not_current(r.reviewed_on, self.today)]

    def as_json(self) -> dict[str, Any]:
        """The whole report as JSON: the four lists by measure."""
        return {"today": self.today.isoformat(), "stale_days": STALE_DAYS, "old_source_years": OLD_SOURCE_YEARS,
                "by_review": [r.as_json() for r in self.by_review],
                "stale": [r.measure for r in self.stale()],
                "old_sources": [r.measure for r in self.old_sources],
                "superseded": [{"measure": r.measure, **(r.superseded_by or {})} for r in self.superseded],
                "no_window": [r.measure for r in self.no_window]}


def not_current(reviewed_on: dt.date | None, today: dt.date) -> bool:
    """Whether a review date is missing or more than STALE_DAYS before today."""
    return reviewed_on is None or (today - reviewed_on).days > STALE_DAYS


def reviewed(pack: RulePack, measure: Measure) -> Reviewed:
    """One measure's currency facts."""
    spec = measure.spec
    successor = spec.superseded_by.model_dump(mode="json", by_alias=True, exclude_none=True) if spec.superseded_by else None
    return Reviewed(measure.id, spec.title, measure.file, spec.reviewed_on, spec.review, spec.source_year, successor,
                    measure.period_confirmed, bool(pack.windows.get(measure.id)), measure.intention)


def currency_report(pack: RulePack, today: dt.date) -> CurrencyReport:
    """The pack's currency as of today."""
    rows = [reviewed(pack, m) for m in pack.measures]
    by_review = sorted(rows, key=lambda r: (r.reviewed_on is not None, r.reviewed_on or dt.date.min, r.measure))
    old = [r for r in rows if r.source_year is not None and r.source_year < today.year - OLD_SOURCE_YEARS]
    return CurrencyReport(today, by_review, sorted(old, key=lambda r: (r.source_year or 0, r.measure)),
                          [r for r in rows if r.superseded_by], [r for r in rows if not r.intention and not r.has_window])


def currency_errors(pack: RulePack, today: dt.date, strict: bool = False) -> list[RuleError]:
    """Lint: every measure needs `reviewed_on`; strict, a review within STALE_DAYS of today."""
    errors = []
    for measure in pack.measures:
        when = measure.spec.reviewed_on
        if when is None:
            errors.append(RuleError(measure.file, measure.line("id"), "reviewed_on", Problem("lint.currency.not_reviewed")))
        elif strict and not_current(when, today):
            problem = Problem("lint.currency.stale", {"date": when.isoformat(), "days": (today - when).days})
            errors.append(RuleError(measure.file, measure.line("reviewed_on"), "reviewed_on", problem))
    return errors
