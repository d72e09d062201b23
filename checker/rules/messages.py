"""Lint messages a policy officer understands: 'did you mean' and YAML traps in words, as catalogue codes ("lint.*").

Each lint error carries a Problem; its English text is what `checker rules lint` prints, staff pages show its Chinese.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
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


def key_parents(*models: type[BaseModel]) -> dict[str, set[str]]:
    """Every key of the given models (alias first) and the keys it is written under ("" at the top of a file)."""
    parents: dict[str, set[str]] = {}
    todo: list[tuple[type[BaseModel], str]] = [(model, "") for model in models]
    seen: set[tuple[type[BaseModel], str]] = set()
    while todo:
        model, parent = todo.pop()
        if (model, parent) in seen:
            continue
        seen.add((model, parent))
        for name, info in model.model_fields.items():
            key = info.alias or name
            parents.setdefault(key, set()).add(parent)
            todo.extend((nested, key) for nested in _nested(info.annotation))
    return parents


def misplaced(name: str, parents: dict[str, set[str]]) -> Problem | None:
    """A known key written where it does not belong (`amount:` outside `benefit:`): where it goes instead."""
    under = sorted(parents.get(name, set()) - {""})
    if not under:
        return None
    return Problem("lint.key_misplaced", {"name": name, "under": ", ".join(f"{p}:" for p in under)})


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


def _indent(row: str) -> int:
    """How many spaces a line starts with."""
    return len(row) - len(row.lstrip(" "))


def _levels(above: list[str]) -> tuple[list[tuple[int, str]], str]:
    """The indentations (with their keys) open after these lines, and the last line that holds data."""
    levels: list[tuple[int, str]] = [(0, "")]
    last = ""
    for row in above:
        body = row.strip()
        if not body or body.startswith("#") or body in ("---", "..."):
            continue
        while levels and levels[-1][0] >= _indent(row):
            levels.pop()
        levels.append((_indent(row), body.split(":")[0]))
        if body.startswith("- "):  # an item's keys line up after the dash
            item = body[2:]
            levels.append((_indent(row) + 2 + _indent(item), item.split(":")[0]))
        last = row
    return levels, last


def misindented(text: str, line: int) -> Problem | None:
    """A line (1-based) whose indentation lines up with no key above it: the indentation trap, naming the key it
    should line up with."""
    lines = text.splitlines()
    if not 0 < line <= len(lines) or not lines[line - 1].strip() or "\t" in lines[line - 1]:
        return None
    row = lines[line - 1]
    levels, last = _levels(lines[: line - 1])
    opens = last.split("#")[0].rstrip().endswith((":", "- ", "|", ">")) or last.strip() == "-"
    if _indent(row) in {at for at, _ in levels} or (opens and _indent(row) > _indent(last)):
        return None
    at, key = min(reversed(levels), key=lambda level: abs(level[0] - _indent(row)))
    return Problem("lint.yaml_indent", {"spaces": _indent(row), "expected": at, "key": key.removeprefix("- ") or "—"})


def number_fix(raw: object) -> Problem | None:
    """A number written with thousands separators (5,000) or full-width digits (１５０): the number to write instead."""
    if not isinstance(raw, str):
        return None
    half = unicodedata.normalize("NFKC", raw).strip()
    plain = re.sub(r"(?<=\d)[,，](?=\d{3}(?!\d))", "", half)
    if not re.fullmatch(r"-?\d+(\.\d+)?", plain) or plain == raw.strip():
        return None
    code = N_("lint.expr.thousands") if plain != half else N_("lint.full_width_number")
    return Problem(code, {"written": raw.strip(), "fix": plain})


def unclosed_flow(text: str, context: str | None, line: int) -> tuple[int, Problem] | None:
    """An opened [ or { that its line never closes (the parser names the line after it); the line it opens on."""
    if not context or "flow" not in context:
        return None
    opener, closer = ("[", "]") if "sequence" in context else ("{", "}")
    lines = text.splitlines()
    row = lines[line - 1] if 0 < line <= len(lines) else ""
    if row.count(opener) <= row.count(closer):
        return None
    return line, Problem("lint.yaml_unclosed", {"open": opener, "close": closer})


def yaml_trap(text: str, line: int) -> tuple[int, Problem]:
    """Explain a YAML error reported at this line (1-based) in words, looking at it and the line above;
    the line the trap is on."""
    lines = text.splitlines()
    rows = [(at, lines[at - 1]) for at in (line, line - 1) if 0 < at <= len(lines)]
    indent = misindented(text, line)
    if indent is not None and not any(test(row) for at, row in rows[:1] for test, _ in _TRAPS[:2]):
        return line, indent
    for test, problem in _TRAPS:
        for at, row in rows:
            if test(row):
                return at, problem
    return line, GENERIC
