"""Dates a company cannot have on its own form (the rule examples test such dates on purpose, so only the form checks)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from checker.problems import Problem
from checker.rules.profile import FieldProblem


def plausible(values: dict[str, Any], as_of: dt.date) -> list[FieldProblem]:
    """A 高企 certificate dated after the check date, or before the company was registered."""
    problems = []
    cert, registered = values.get("hte_certified_on"), values.get("registered_on")
    if isinstance(cert, dt.date) and cert > as_of:
        problems.append(FieldProblem("hte_certified_on", Problem("problem.cert_after_check_date")))
    if isinstance(cert, dt.date) and isinstance(registered, dt.date) and cert < registered:
        problems.append(FieldProblem("hte_certified_on", Problem("problem.cert_before_registration")))
    return problems
