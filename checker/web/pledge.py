"""An estimate of an IP-pledge interest subsidy before any interest is paid: loan × rate, through the measure's own formula.

A planned loan makes the measure a "when you borrow" item: its status as if a year's interest were paid (so it is
not 不符合 for want of interest), never counted in 可申报 totals; only interest actually paid makes it 可申报 now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from checker.engine import conditions
from checker.engine.values import Num
from checker.engine.verdict import combine
from checker.rules.expr import names
from checker.rules.pack import Measure, RulePack

PAID = "ip_pledge_interest_paid_wan"
LOAN = "ip_pledge_loan_wan"
RATE = "ip_pledge_loan_rate_pct"


@dataclass(frozen=True)
class Estimate:
    """A year's interest on the loan and the subsidy the measure's formula gives for it (an estimate)."""

    loan_wan: float
    rate_pct: float
    interest_wan: float
    subsidy_wan: float
    status: str = "eligible"  # the measure's status once the interest is paid (the other answers as given)


def estimates(pack: RulePack, values: dict[str, Any], as_of: dt.date) -> dict[str, Estimate]:
    """Per measure whose amount is computed from interest paid: the estimate from the loan and rate answered."""
    loan, rate = values.get(LOAN), values.get(RATE)
    if loan is None or rate is None:
        return {}
    interest = round(float(loan) * float(rate) / 100, 4)
    measures = [m for m in pack.measures if m.amount is not None and PAID in names(m.amount)]
    amounts = conditions.values(pack, [m.amount for m in measures if m.amount is not None], {**values, PAID: interest}, as_of)
    found = {}
    for measure, amount in zip(measures, amounts):
        status = when_paid(pack, measure, {**values, PAID: interest}, as_of)
        if isinstance(amount, Num) and amount.lo == amount.hi and not amount.undef and status != "ineligible":
            found[measure.id] = Estimate(float(loan), float(rate), interest, round(amount.lo, 4), status)
    return found


def when_paid(pack: RulePack, measure: Measure, values: dict[str, Any], as_of: dt.date) -> str:
    """The measure's status on these answers (the planned interest counted as paid): its criteria and logic."""
    decided = dict(zip((c.id for c in measure.criteria),
                       conditions.values(pack, [c.test for c in measure.criteria], values, as_of)))
    verdict = combine(measure.logic, {k: v if isinstance(v, bool) else None for k, v in decided.items()})
    in_force = measure.spec.period is None or measure.in_force(as_of)
    return {True: "eligible", False: "ineligible", None: "undetermined"}[verdict] if in_force else "ineligible"


def planned(item: dict[str, Any], estimate: Estimate | None) -> bool:
    """Whether a result is a "when you borrow" item: an estimate that is not refused, and no interest paid yet
    that makes it 可申报 now."""
    return estimate is not None and item.get("status") != "eligible"
