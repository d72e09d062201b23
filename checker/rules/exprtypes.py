"""The four types of the expression language and the words messages name them by."""

from __future__ import annotations

from checker.i18n import N_
from checker.problems import Problem

NUMBER, BOOL, TEXT, DATE = "number", "bool", "text", "date"

# The words of the four types, as messages name them.
TYPE_WORDS = {BOOL: N_("lint.type.bool"), NUMBER: N_("lint.type.number"), TEXT: N_("lint.type.text"), DATE: N_("lint.type.date")}


def kind(name: str) -> Problem:
    """A type's word ("number" / "数值") for a message."""
    return Problem(TYPE_WORDS[name])
