"""An estimate of an IP-pledge interest subsidy before any interest is paid: loan × rate, through the measure's own formula."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from checker.engine import conditions
from checker.engine.values import Num
from checker.rules.expr import names
from checker.rules.pack import RulePack

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
        if isinstance(amount, Num) and amount.lo == amount.hi and not amount.undef:
            found[measure.id] = Estimate(float(loan), float(rate), interest, round(amount.lo, 4))
    return found
