"""Turn a raw profile into checked answers: field parsing plus cross-field checks."""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from checker.engine.reference import Scope, evaluate
from checker.profile import FieldProblem, ProfileError, parse_profile
from checker.rules.pack import RulePack


def cross_check(pack: RulePack, values: dict[str, Any], as_of: dt.date) -> list[FieldProblem]:
    """Problems from the declared consistency checks that the answers surely break."""
    scope = Scope(pack, values, as_of)
    return [FieldProblem(c.spec.fields[0], c.spec.message.en + f" ({c.spec.message.zh})")
            for c in pack.checks if evaluate(c.test, scope) is False]


def read_profile(pack: RulePack, raw: Mapping[str, Any], as_of: dt.date) -> dict[str, Any]:
    """Typed, consistent answers of a raw profile; raise ProfileError naming every bad field."""
    values, problems = parse_profile(raw, pack.fields)
    problems += cross_check(pack, values, as_of)
    if problems:
        raise ProfileError(problems)
    return values
