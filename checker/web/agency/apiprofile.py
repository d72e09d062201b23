"""What a profile answer sent to the JSON API may be, as an OpenAPI schema and as the check the API makes.

One description serves both, so the document says exactly what the code accepts: every answer is its JSON type
(integer, number, boolean, an option code, an ISO date, a text) within the field's bounds, or null for unknown.
The lenient spellings a spreadsheet holds ("1,200", "是", "2021/11/7") are read from uploaded files, not here.
What a schema cannot say (a credit code's check digit, the declared consistency checks) is a 422.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from checker.problems import Problem
from checker.rules.pack import RulePack
from checker.rules.profile import MAX_MAGNITUDE
from checker.rules.schema import FieldDecl

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
CREDIT_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
MAX_TEXT = 200
META = "id"


def _bounds(decl: FieldDecl) -> dict[str, float]:
    """A number field's minimum and maximum (the declared ones, else the magnitude every number must keep)."""
    low = decl.min if decl.min is not None else -MAX_MAGNITUDE
    high = decl.max if decl.max is not None else MAX_MAGNITUDE
    return {"minimum": max(low, -MAX_MAGNITUDE), "maximum": min(high, MAX_MAGNITUDE)}


def _text_pattern(decl: FieldDecl) -> str | None:
    """The whole-text pattern of a text field, if it has one."""
    if decl.id == "credit_code":
        return CREDIT_PATTERN
    return f"^(?:{decl.pattern})$" if decl.pattern else None


def answer_schema(decl: FieldDecl) -> dict[str, Any]:
    """The OpenAPI schema of one field's answer (null: unknown)."""
    about = {"description": f"{decl.label.zh} / {decl.label.en}", "nullable": True}
    if decl.type == "int":
        return {**about, "type": "integer", **_bounds(decl)}
    if decl.type == "decimal":
        return {**about, "type": "number", **_bounds(decl)}
    if decl.type == "bool":
        return {**about, "type": "boolean"}
    if decl.type == "date":
        return {**about, "type": "string", "format": "date", "pattern": DATE_PATTERN}
    if decl.type == "enum":
        # OpenAPI 3.0: an enum lists null itself for nullable to let null through
        return {**about, "type": "string", "enum": [*(option.value for option in decl.values or []), None]}
    pattern = _text_pattern(decl)
    return {**about, "type": "string", "maxLength": MAX_TEXT, **({"pattern": pattern} if pattern else {})}


def _number_problem(decl: FieldDecl, value: Any) -> str | None:
    """Why a number answer is refused, or None."""
    wanted = int if decl.type == "int" else (int, float)
    if isinstance(value, bool) or not isinstance(value, wanted):
        return "must be a whole number" if decl.type == "int" else "must be a number"
    bounds = _bounds(decl)
    if not bounds["minimum"] <= value <= bounds["maximum"]:
        return f"must be from {bounds['minimum']:g} to {bounds['maximum']:g}"
    return None


def _iso_date(value: str) -> bool:
    """Whether the text is a real calendar date written YYYY-MM-DD."""
    try:
        return bool(re.match(DATE_PATTERN, value)) and dt.date.fromisoformat(value[:10]) is not None
    except ValueError:
        return False


def _string_problem(decl: FieldDecl, value: Any) -> str | None:
    """Why a date, option or text answer is refused, or None."""
    if not isinstance(value, str):
        return "must be a text"
    if decl.type == "date":
        return None if _iso_date(value) else "must be a date YYYY-MM-DD"
    if decl.type == "enum":
        codes = [option.value for option in decl.values or []]
        return None if value in codes else f"must be one of {', '.join(codes)}"
    pattern = _text_pattern(decl)
    if len(value) > MAX_TEXT or (pattern and not re.search(pattern, value)):
        return f"must be a text of at most {MAX_TEXT} characters" + (f" matching {pattern}" if pattern else "")
    return None


def answer_problem(decl: FieldDecl, value: Any) -> str | None:
    """Why the API refuses this answer to the field, or None when the document allows it."""
    if value is None:
        return None
    if decl.type in ("int", "decimal"):
        return _number_problem(decl, value)
    if decl.type == "bool":
        return None if isinstance(value, bool) else "must be true, false or null"
    return _string_problem(decl, value)


def profile_problems(pack: RulePack, profile: dict[str, Any]) -> list[dict[str, Any]]:
    """Every answer of the profile the document does not allow, each naming its field (with a catalogue code)."""
    problems: list[dict[str, Any]] = []
    for key, value in profile.items():
        decl = pack.fields.get(key)
        if key == META:
            continue
        if decl is None:
            problems.append({"field": str(key), **Problem("problem.unknown_field").to_json()})
        elif why := answer_problem(decl, value):
            problems.append({"field": str(key), **Problem("problem.api_answer", {"detail": why}).to_json()})
    return problems


def profile_schema(pack: RulePack | None) -> dict[str, Any]:
    """A profile: answers keyed by the pack's field ids (and the client's id); no other keys."""
    if pack is None:
        return {"type": "object", "additionalProperties": True}
    properties: dict[str, Any] = {META: {"description": "the client's own reference, any value"}}
    properties.update({fid: answer_schema(decl) for fid, decl in pack.fields.items()})
    return {"type": "object", "properties": properties, "additionalProperties": False}
