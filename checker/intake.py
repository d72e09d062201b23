"""Turn a raw profile into checked answers: field parsing, facts from the credit code, cross-field checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Mapping

from checker.engine.conditions import holds
from checker.problems import Problem
from checker.rules import credit_code
from checker.rules.pack import Check, RulePack
from checker.rules.profile import FieldProblem, ProfileError, implausible, parse_profile
from checker.rules.schema import FieldDecl

Parsed = tuple[dict[str, Any], dict[str, list[Problem]]]  # typed values and problems by field
Extra = Callable[[dict[str, Any], dt.date], list[FieldProblem]]  # more checks of the typed values (the company form's)


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


@dataclass
class Checked:
    """Answers checked in one pass: the raw answers kept, their typed values (none while any answer has a problem),
    every problem by field, and warnings by field (answers kept but worth a second look)."""

    raw: dict[str, Any]
    values: dict[str, Any]
    errors: dict[str, list[Problem]] = field(default_factory=dict)
    warnings: dict[str, list[Problem]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether no answer has a problem."""
        return not self.errors

    def problems(self) -> list[FieldProblem]:
        """Every problem, field by field."""
        return [FieldProblem(fid, problem) for fid, found in self.errors.items() for problem in found]


def parse_answers(pack: RulePack, raw: Mapping[str, Any]) -> Parsed:
    """Each answer parsed exactly once (unknown fields and bad answers are problems; "don't know" is no answer)."""
    values, problems = parse_profile(raw, pack.fields)
    errors: dict[str, list[Problem]] = {}
    for problem in problems:
        errors.setdefault(problem.field, []).append(problem.problem)
    return values, errors


def applies(decl: FieldDecl, kinds: frozenset[str] | None) -> bool:
    """Whether a question concerns an applicant of these kinds (credit_code.applicant_kinds; unknown: every one does)."""
    return decl.entities is None or kinds is None or bool(kinds & set(decl.entities))


def asked(pack: RulePack, decl: FieldDecl, values: dict[str, Any], as_of: dt.date) -> bool:
    """Whether a question's asked_when condition is not known to be false."""
    if not decl.asked_when:
        return True
    return holds(pack, decl.asked_when, values, as_of) is not False  # linted when the pack loads


def relevant(pack: RulePack, raw: Mapping[str, Any], as_of: dt.date, values: dict[str, Any]) -> dict[str, Any]:
    """Only the answers to questions that concern this entity and apply given the (already parsed) other answers."""
    kinds = credit_code.applicant_kinds(raw)
    kept = {k: v for k, v in raw.items() if k in pack.fields and applies(pack.fields[k], kinds)}
    return {k: v for k, v in kept.items() if asked(pack, pack.fields[k], values, as_of)}


def warnings(pack: RulePack, values: dict[str, Any]) -> dict[str, list[Problem]]:
    """Answers kept but past their field's plausibility bound (1e12 万元 of revenue), by field."""
    found = {fid: implausible(pack.fields[fid], value) for fid, value in values.items() if fid in pack.fields}
    return {fid: [problem] for fid, problem in found.items() if problem is not None}


def check_answers(pack: RulePack, raw: Mapping[str, Any], as_of: dt.date, *, drop_hidden: bool = False,
                  extra: Extra | None = None, parsed: Parsed | None = None) -> Checked:
    """The one intake path: parse (or take parsed), drop answers to questions that do not apply when asked to (the
    company form hides them), fill facts from the credit code, run the cross-field and any `extra` checks."""
    values, errors = parsed if parsed is not None else parse_answers(pack, raw)
    if not isinstance(raw, Mapping):
        return Checked({}, {}, dict(errors))
    kept = relevant(pack, raw, as_of, values) if drop_hidden else dict(raw)
    values = {k: v for k, v in values.items() if k in kept or not drop_hidden}
    errors = {k: list(v) for k, v in errors.items() if k in kept or not drop_hidden}
    found = derive_from_credit_code(pack, values) + cross_check(pack, values, as_of)
    for problem in found + (extra(values, as_of) if extra is not None else []):
        errors.setdefault(problem.field, []).append(problem.problem)
    if "legal_form" not in kept and values.get("legal_form"):
        kept["legal_form"] = str(values["legal_form"])  # read from the credit code: saved like an answer
    return Checked(kept, values if not errors else {}, errors, warnings(pack, values))


def read_profile(pack: RulePack, raw: Mapping[str, Any], as_of: dt.date) -> dict[str, Any]:
    """Typed, consistent answers of a raw profile (check_answers, every answer kept); raise ProfileError naming every
    bad field."""
    checked = check_answers(pack, raw, as_of)
    if not checked.ok:
        raise ProfileError(checked.problems())
    return checked.values
