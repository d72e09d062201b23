"""Dated versions of a measure: a file's `versions:` blocks expanded into one document per version.

A version holds `from` and `to` (both inclusive, like a measure's `period`) and any of VERSION_KEYS; a key it
does not hold is inherited from the top level. Versions are oldest first and must tile time: each `from` is the
day after the previous `to` (no gap, no overlap); only the first may omit `from`, only the last `to`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from checker.problems import Problem
from checker.rules.messages import unknown
from checker.rules.yamlsrc import Document, Loc, RuleError

VERSION_KEYS = ("from", "to", "summary", "source", "criteria", "logic", "benefit", "manual_checks", "assumptions",
                "example_as_of", "example_base", "examples")
DateRange = tuple[dt.date | None, dt.date | None]


@dataclass(frozen=True)
class VersionDoc:
    """One version of a measure file: its merged document and its dates (from, to inclusive)."""

    doc: Document
    dates: DateRange


def has_versions(doc: Document) -> bool:
    """Whether a measure file declares dated versions."""
    return isinstance(doc.data, dict) and "versions" in doc.data


def expand(doc: Document) -> tuple[list[VersionDoc], list[RuleError]]:
    """Each version of a measure file as its own document, and the errors in the `versions` list itself."""
    blocks = doc.data.get("versions")
    if not isinstance(blocks, list) or not blocks or not all(isinstance(b, dict) for b in blocks):
        return [], [doc.error(("versions",), Problem("lint.versions_list"))]
    errors = [doc.error(("versions", i, key), unknown("lint.version_unknown_key", str(key), VERSION_KEYS))
              for i, block in enumerate(blocks) for key in block if key not in VERSION_KEYS]
    dates = [_dates(doc, i, block, errors) for i, block in enumerate(blocks)]
    errors += _tiling(doc, dates)
    return [VersionDoc(_merged(doc, i, block), dates[i]) for i, block in enumerate(blocks)], errors


def _dates(doc: Document, i: int, block: dict[str, Any], errors: list[RuleError]) -> DateRange:
    """A version's (from, to); a value that is not a date is reported and read as absent."""
    found: list[dt.date | None] = []
    for key in ("from", "to"):
        value = block.get(key)
        if value is not None and not isinstance(value, dt.date):
            errors.append(doc.error(("versions", i, key), Problem("lint.version_date", {"key": key})))
            value = None
        found.append(value)
    return found[0], found[1]


def _tiling(doc: Document, dates: list[DateRange]) -> list[RuleError]:
    """Versions oldest first with no gap and no overlap: each `from` the day after the previous `to`."""
    errors = []
    last = len(dates) - 1
    for i, (start, end) in enumerate(dates):
        if start is None and i > 0:
            errors.append(doc.error(("versions", i), Problem("lint.version_no_from")))
        if end is None and i < last:
            errors.append(doc.error(("versions", i), Problem("lint.version_no_to")))
        if start and end and end < start:
            errors.append(doc.error(("versions", i, "to"), Problem("lint.version_backwards")))
        following = dates[i + 1][0] if i < last else None
        if end is None or following is None:
            continue
        at, span = ("versions", i + 1, "from"), {"start": following.isoformat(), "end": end.isoformat()}
        if following <= end:
            errors.append(doc.error(at, Problem("lint.version_overlap", span)))
        elif following > end + dt.timedelta(days=1):
            errors.append(doc.error(at, Problem("lint.version_gap", span)))
    return errors


def _merged(doc: Document, i: int, block: dict[str, Any]) -> Document:
    """The top level with the version's keys in place of its own; lines and key paths point into the block."""
    own = {k: v for k, v in block.items() if k in VERSION_KEYS and k not in ("from", "to")}
    data = {k: v for k, v in doc.data.items() if k != "versions" and k not in own} | own
    lines: dict[Loc, int] = {}
    for loc, line in doc.lines.items():
        if loc and loc[0] == "versions":
            if loc[1:2] == (i,) and len(loc) > 2 and loc[2] in own:
                lines[loc[2:]] = line
        elif not loc or loc[0] not in own:
            lines[loc] = line
    return Document(doc.file, data, lines, doc.text, {k: ("versions", i) for k in own})
