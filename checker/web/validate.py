"""Server-side checks of submitted answers, reusing the checker's own parsing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from checker.engine.conditions import holds
from checker.intake import cross_check, derive_from_credit_code
from checker.problems import Problem, problem_of
from checker.rules.profile import FieldProblem, implausible, parse_value
from checker.rules import credit_code
from checker.rules.pack import RulePack
from checker.rules.schema import FieldDecl


def parse_as_of(raw: str | None) -> dt.date | None:
    """The check date of the form, or None when it is not a date."""
    try:
        return dt.date.fromisoformat((raw or "").strip()) if (raw or "").strip() else dt.date.today()
    except ValueError:
        return None


def applies(decl: FieldDecl, kinds: frozenset[str] | None) -> bool:
    """Whether a question concerns an applicant of these kinds (credit_code.applicant_kinds; unknown: every one does)."""
    return decl.entities is None or kinds is None or bool(kinds & set(decl.entities))


def asked(pack: RulePack, decl: FieldDecl, values: dict[str, Any], as_of: dt.date) -> bool:
    """Whether a question's asked_when condition is not known to be false."""
    if not decl.asked_when:
        return True
    return holds(pack, decl.asked_when, values, as_of) is not False  # linted when the pack loads


Parsed = tuple[dict[str, Any], dict[str, list[Problem]]]  # typed values and problems by field


@dataclass
class Checked:
    """Answers checked in one pass: the relevant raw answers, their typed values, and every problem by field."""

    raw: dict[str, str]
    values: dict[str, Any]
    errors: dict[str, list[Problem]] = field(default_factory=dict)
    warnings: dict[str, list[Problem]] = field(default_factory=dict)  # kept answers worth a second look

    @property
    def ok(self) -> bool:
        """Whether no answer has a problem."""
        return not self.errors


def parse_answers(pack: RulePack, raw: dict[str, str]) -> Parsed:
    """Each declared answer parsed exactly once: the typed values and the per-field problems."""
    values: dict[str, Any] = {}
    errors: dict[str, list[Problem]] = {}
    for fid, answer in raw.items():
        if fid not in pack.fields:
            continue
        try:
            values[fid] = parse_value(pack.fields[fid], answer)
        except ValueError as exc:
            errors[fid] = [problem_of(exc)]
    return values, errors


def relevant(pack: RulePack, raw: dict[str, str], as_of: dt.date, values: dict[str, Any]) -> dict[str, str]:
    """Only the answers to questions that concern this entity and apply given the (already parsed) other answers."""
    kinds = credit_code.applicant_kinds(raw)
    kept = {k: v for k, v in raw.items() if k in pack.fields and applies(pack.fields[k], kinds)}
    return {k: v for k, v in kept.items() if asked(pack, pack.fields[k], values, as_of)}


def check_all(pack: RulePack, raw: dict[str, str], as_of: dt.date, parsed: Parsed | None = None) -> Checked:
    """Field, plausibility and cross-field checks together, each answer parsed once (or given already parsed)."""
    values, errors = parsed if parsed is not None else parse_answers(pack, raw)
    kept = relevant(pack, raw, as_of, values)
    values = {k: v for k, v in values.items() if k in kept}
    errors = {k: v for k, v in errors.items() if k in kept}
    problems = derive_from_credit_code(pack, values) + cross_check(pack, values, as_of) + plausible(values, as_of)
    for problem in problems:
        errors.setdefault(problem.field, []).append(problem.problem)
    if "legal_form" not in kept and values.get("legal_form"):
        kept["legal_form"] = str(values["legal_form"])  # read from the credit code: saved like an answer
    return Checked(kept, values if not errors else {}, errors, warnings(pack, values))


def warnings(pack: RulePack, values: dict[str, Any]) -> dict[str, list[Problem]]:
    """Answers kept but past their field's plausibility bound (1e12 万元 of revenue), by field."""
    found = {fid: implausible(pack.fields[fid], value) for fid, value in values.items() if fid in pack.fields}
    return {fid: [problem] for fid, problem in found.items() if problem is not None}


def plausible(values: dict[str, Any], as_of: dt.date) -> list[FieldProblem]:
    """Dates a company cannot have on a form: a 高企 certificate after the check date or older than the company.

    Only the web form applies these (rule examples test certificates dated after as_of on purpose).
    """
    problems = []
    cert, registered = values.get("hte_certified_on"), values.get("registered_on")
    if isinstance(cert, dt.date) and cert > as_of:
        problems.append(FieldProblem("hte_certified_on", Problem("problem.cert_after_check_date")))
    if isinstance(cert, dt.date) and isinstance(registered, dt.date) and cert < registered:
        problems.append(FieldProblem("hte_certified_on", Problem("problem.cert_before_registration")))
    return problems


def check_answers(pack: RulePack, raw: dict[str, str], as_of: dt.date) -> tuple[dict[str, Any], dict[str, list[Problem]]]:
    """Typed values and every problem by field, found in one pass (see check_all)."""
    checked = check_all(pack, raw, as_of)
    return checked.values, checked.errors

