"""Server-side checks of submitted answers, reusing the checker's own parsing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from checker.engine.reference import Scope, evaluate
from checker.intake import read_profile
from checker.profile import ProfileError, parse_value
from checker.rules.expr import parse
from checker.rules.pack import RulePack
from checker.rules.schema import FieldDecl


def parse_as_of(raw: str | None) -> dt.date | None:
    """The check date of the form, or None when it is not a date."""
    try:
        return dt.date.fromisoformat((raw or "").strip()) if (raw or "").strip() else dt.date.today()
    except ValueError:
        return None


def applies(decl: FieldDecl, entity_type: str | None) -> bool:
    """Whether a question concerns this entity type (unknown type: every question does)."""
    return decl.entities is None or entity_type is None or entity_type in decl.entities


def asked(pack: RulePack, decl: FieldDecl, values: dict[str, Any], as_of: dt.date) -> bool:
    """Whether a question's asked_when condition is not known to be false."""
    if not decl.asked_when:
        return True
    return evaluate(parse(decl.asked_when), Scope(pack, values, as_of)) is not False  # linted when the pack loads


def relevant(pack: RulePack, raw: dict[str, str], as_of: dt.date) -> dict[str, str]:
    """Only the answers to questions that concern this entity and apply given the other answers."""
    entity = raw.get("entity_type")
    kept = {k: v for k, v in raw.items() if k in pack.fields and applies(pack.fields[k], entity)}
    values = _parsed(pack, kept)
    return {k: v for k, v in kept.items() if asked(pack, pack.fields[k], values, as_of)}


def _parsed(pack: RulePack, raw: dict[str, str]) -> dict[str, Any]:
    """The answers that parse, ignoring the others."""
    values = {}
    for fid, answer in raw.items():
        try:
            values[fid] = parse_value(pack.fields[fid], answer)
        except ValueError:
            continue
    return values


def field_errors(pack: RulePack, raw: dict[str, str]) -> dict[str, str]:
    """Per-field problems from parse_value, by field id."""
    errors = {}
    for fid, answer in raw.items():
        try:
            parse_value(pack.fields[fid], answer)
        except ValueError as exc:
            errors[fid] = str(exc)
    return errors


def check_answers(pack: RulePack, raw: dict[str, str], as_of: dt.date) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Typed values and problems by field: field parsing first, then read_profile's cross-field checks."""
    errors = {k: [v] for k, v in field_errors(pack, raw).items()}
    if errors:
        return {}, errors
    try:
        return read_profile(pack, raw, as_of), {}
    except ProfileError as exc:
        for problem in exc.problems:
            errors.setdefault(problem.field, []).append(_check_message(pack, problem.message))
        return {}, errors


def _check_message(pack: RulePack, message: str) -> str:
    """Tag a cross-check message so the view can show it in one language."""
    for check in pack.checks:
        if message == check.spec.message.en + f" ({check.spec.message.zh})":
            return f"check:{check.spec.id}"
    return message
