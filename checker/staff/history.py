"""History that cannot be rewritten silently: a dated value whose period has begun changes only as a correction.

Compares the committed (or live) rule files with the new ones. A parameter value whose `from` date is on or before
today was in force: changing its number, moving its date or removing it is refused unless the new text records a
correction on that value (`corrections: [{on, reason, previous}]`, `previous` the number it replaces). Each kind of
dated rule file has one checker in CHECKS (path, old text, new text, today) -> errors, so dated measure versions can
add theirs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from checker.problems import Problem
from checker.rules.parameters import number_text
from checker.rules.yamlsrc import Document, RuleError, load_text

Files = dict[str, str]
Checker = Callable[[str, str, str, dt.date], list[RuleError]]


def _date(value: Any) -> dt.date | None:
    """A YAML date (or ISO text) as a date, None if it is not one."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _number(value: Any) -> float | None:
    """A YAML number as a float, None if it is not one."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _values(doc: Document) -> dict[str, dict[dt.date, tuple[int, dict[str, Any]]]]:
    """Parameter id -> from date -> (index, the value's mapping) of a parameters file."""
    out: dict[str, dict[dt.date, tuple[int, dict[str, Any]]]] = {}
    items = doc.data.get("parameters") if isinstance(doc.data, dict) else None
    for decl in items if isinstance(items, list) else []:
        if not isinstance(decl, dict) or not isinstance(decl.get("values"), list):
            continue
        dated = out.setdefault(str(decl.get("id")), {})
        for index, entry in enumerate(decl["values"]):
            start = _date(entry.get("from")) if isinstance(entry, dict) else None
            if start is not None:
                dated[start] = (index, entry)
    return out


def _corrected(entry: dict[str, Any], previous: float) -> bool:
    """Whether a value records a correction of this previous number, with a reason."""
    found = entry.get("corrections")
    return isinstance(found, list) and any(
        isinstance(c, dict) and _number(c.get("previous")) == previous and str(c.get("reason") or "").strip()
        and _date(c.get("on")) is not None for c in found)


def _decl_index(doc: Document, name: str) -> int:
    """The position of a parameter in its file (0 when not found)."""
    items = doc.data.get("parameters", []) if isinstance(doc.data, dict) else []
    return next((i for i, d in enumerate(items) if isinstance(d, dict) and str(d.get("id")) == name), 0)


def parameter_history(path: str, old_text: str, new_text: str, today: dt.date) -> list[RuleError]:
    """Started values of a parameters file changed, moved or removed without a correction."""
    file = f"rules/{path}"
    old, new = load_text(old_text, file), load_text(new_text, file)
    if not isinstance(old, Document) or not isinstance(new, Document):
        return []  # the loader reports unreadable files
    errors = []
    before, after = _values(old), _values(new)
    for name, dated in sorted(before.items()):
        now = after.get(name)
        if now is None:
            continue  # a removed parameter fails where measures read it
        decl = _decl_index(new, name)
        for start, (_, entry) in sorted(dated.items()):
            was = _number(entry.get("value"))
            if start > today or was is None:
                continue
            if start not in now:
                where = new.line(("parameters", decl, "values"))
                errors.append(RuleError(file, where, f"{name}.values", Problem(
                    "lint.history_removed", {"name": name, "date": start.isoformat(), "value": number_text(was)})))
                continue
            index, current = now[start]
            value = _number(current.get("value"))
            if value is not None and value != was and not _corrected(current, was):
                errors.append(RuleError(file, new.line(("parameters", decl, "values", index, "value")),
                                        f"{name}.values[{index}].value", Problem("lint.history_rewritten", {
                                            "name": name, "date": start.isoformat(), "old": number_text(was),
                                            "new": number_text(value), "today": today.isoformat()})))
    return errors


def new_corrections(old: Files, new: Mapping[str, str | None]) -> list[tuple[str, dt.date]]:
    """(parameter, from date) of each value the new files record a correction of that the old ones did not."""
    found = []
    for path in sorted(p for p in new if p.startswith("parameters/") and old.get(p) != new[p]):
        before, after = load_text(old.get(path, ""), path), load_text(new[path] or "", path)
        was = _values(before) if isinstance(before, Document) and before.data else {}
        if not isinstance(after, Document):
            continue
        for name, dated in sorted(_values(after).items()):
            for start, (_, entry) in sorted(dated.items()):
                then = was.get(name, {}).get(start, (0, {}))[1]
                if len(entry.get("corrections") or []) > len(then.get("corrections") or []):
                    found.append((name, start))
    return found


CHECKS: list[tuple[str, Checker]] = [("parameters/", parameter_history)]  # path prefix -> checker


def rewrites(old: Files, new: Files, today: dt.date) -> list[RuleError]:
    """Every started period the new files change without a recorded correction."""
    errors: list[RuleError] = []
    for path in sorted(old.keys() & new.keys()):
        if old[path] == new[path]:
            continue
        for prefix, check in CHECKS:
            if path.startswith(prefix):
                errors += check(path, old[path], new[path], today)
    return errors
