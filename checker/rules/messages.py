"""Lint messages a policy officer understands: 'did you mean' and YAML traps in words, as catalogue codes ("lint.*").

Each lint error carries a Problem; its English text is what `checker rules lint` prints, staff pages show its Chinese.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

from checker.i18n import N_
from checker.problems import Problem

# Codes built at run time by unknown(): each has a "_close" twin that adds "did you mean".
UNKNOWN_CODES = (N_("lint.unknown_field"), N_("lint.unknown_field_close"), N_("lint.unknown_key"),
                 N_("lint.unknown_key_close"), N_("lint.unknown_measure"), N_("lint.unknown_measure_close"),
                 N_("lint.unknown_criterion"), N_("lint.unknown_criterion_close"),
                 N_("lint.version_unknown_key"), N_("lint.version_unknown_key_close"))
_CLOSE = dict(zip(UNKNOWN_CODES[::2], UNKNOWN_CODES[1::2]))


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name closest to a misspelt one, if any is close."""
    close = difflib.get_close_matches(name, sorted(set(known)), n=1, cutoff=0.6)
    return close[0] if close else None


def unknown(code: str, name: str, known: Iterable[str], **params: Any) -> Problem:
    """An unknown name: `code`, or `code`_close naming the closest known name ("did you mean")."""
    close = closest(name, known)
    if close is None:
        return Problem(code, {"name": name, **params})
    return Problem(_CLOSE[code], {"name": name, "close": close, **params})


def schema_keys(*models: type[BaseModel]) -> set[str]:
    """Every key (alias first) of the given models and the models nested in them."""
    keys: set[str] = set()
    todo, seen = list(models), set()
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            keys.add(info.alias or name)
            todo.extend(_nested(info.annotation))
    return keys


def _nested(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _nested(arg)]


TAB = Problem("lint.yaml_tab")
FULL_WIDTH_COLON = Problem("lint.yaml_full_width_colon")
FLOW_COMMA = Problem("lint.yaml_flow_comma")
THOUSANDS = Problem("lint.yaml_thousands")
GENERIC = Problem("lint.yaml_structure")


_TRAPS: list[tuple[Callable[[str], bool], Problem]] = [
    (lambda row: row.startswith("\t") or "\t" in row[: len(row) - len(row.lstrip())], TAB),
    (lambda row: bool(re.match(r"^\s*(- )?[\w\-]+\s*：", row) or re.search(r"[{,]\s*[\w\-]+：", row)), FULL_WIDTH_COLON),
    (lambda row: bool(re.search(r"\d,\d{3}", row)), THOUSANDS),
    (lambda row: "{" in row, FLOW_COMMA),
]


def yaml_trap(text: str, line: int) -> tuple[int, Problem]:
    """Explain a YAML error reported at this line (1-based) in words, looking at it and the line above;
    the line the trap is on."""
    lines = text.splitlines()
    rows = [(at, lines[at - 1]) for at in (line, line - 1) if 0 < at <= len(lines)]
    for test, problem in _TRAPS:
        for at, row in rows:
            if test(row):
                return at, problem
    return line, GENERIC
