"""Turn a raw profile into checked answers: field parsing, facts from the credit code, cross-field checks."""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from checker.engine.conditions import holds
from checker.problems import Problem
from checker.rules.profile import FieldProblem, ProfileError, parse_profile
from checker.rules import credit_code
from checker.rules.pack import Check, RulePack


def cross_check(pack: RulePack, values: dict[str, Any], as_of: dt.date) -> list[FieldProblem]:
    """Problems from the declared consistency checks that the answers surely break."""
    return [FieldProblem(c.spec.fields[0], check_problem(c))
            for c in pack.checks if holds(pack, c.test, values, as_of) is False]


def check_problem(check: Check) -> Problem:
    """A broken consistency check as a Problem: its id, and its own texts from the rule pack."""
    return Problem("problem.check", {"check": check.spec.id, "zh": check.spec.message.zh, "en": check.spec.message.en})


NOT_YET_REGISTERED = "company_not_yet_registered"


def derive_from_credit_code(pack: RulePack, values: dict[str, Any]) -> list[FieldProblem]:
    """Fill legal_form (and province/district when unanswered) from a valid credit code, in place; a code or a
    registration date also says the company is registered already (not a company still being set up)."""
    code = str(values.get("credit_code") or "")
    valid = bool(code) and credit_code.valid(code)
    if NOT_YET_REGISTERED in pack.fields and values.get(NOT_YET_REGISTERED) is None and (
            valid or values.get("registered_on") is not None):
        values[NOT_YET_REGISTERED] = False
    if not valid:
        return []
    facts = credit_code.parse(code)
    problems = []
    if "legal_form" in pack.fields:
        answered = values.get("legal_form")
        if answered is not None and answered != facts.legal_form:
            problems.append(FieldProblem("legal_form", Problem("problem.legal_form", {
                "answered": answered, "code": code, "derived": facts.legal_form})))
        values["legal_form"] = answered or facts.legal_form
    if "province" in pack.fields and values.get("province") is None:
        values["province"] = facts.province
    if ("district" in pack.fields and values.get("district") is None and facts.district
            and values.get("province") == facts.province == "beijing"):
        values["district"] = facts.district
    return problems


def read_profile(pack: RulePack, raw: Mapping[str, Any], as_of: dt.date) -> dict[str, Any]:
    """Typed, consistent answers of a raw profile; raise ProfileError naming every bad field."""
    values, problems = parse_profile(raw, pack.fields)
    problems += derive_from_credit_code(pack, values)
    problems += cross_check(pack, values, as_of)
    if problems:
        raise ProfileError(problems)
    return values
