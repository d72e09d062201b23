"""Application windows (申报时间): rules/windows.yaml lists each measure's annual call windows with the notice's link.

Staff keep this file apart from the measure files, so a new year's call is one short entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypedDict

from pydantic import Field, model_validator

from checker.problems import ProblemError
from checker.rules.schema import Strict, Text


class WindowStatus(TypedDict):
    """Where a measure's application windows stand on a date."""

    status: str  # open | upcoming | closed | none
    opens: str | None
    closes: str | None
    url: str | None


NO_WINDOW: WindowStatus = {"status": "none", "opens": None, "closes": None, "url": None}


class WindowDecl(Strict):
    """One call for applications: the measure, when it opens and closes, the implementing notice."""

    measure: str
    opens: dt.date
    closes: dt.date
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    note: Text | None = None

    @model_validator(mode="after")
    def _ordered(self) -> WindowDecl:
        if self.closes < self.opens:
            raise ProblemError("lint.rule.closes_before_opens")
        return self


class WindowsFile(Strict):
    windows: list[WindowDecl]


@dataclass(frozen=True)
class Window:
    """A loaded window and the line it is declared at."""

    decl: WindowDecl
    line: int


def window_status(windows: list[Window] | tuple[Window, ...], as_of: dt.date) -> WindowStatus:
    """open (a window holds as_of), upcoming (the next one), closed (the latest past one) or none."""
    if not windows:
        return NO_WINDOW.copy()
    decls = sorted((w.decl for w in windows), key=lambda d: d.opens)
    current = [d for d in decls if d.opens <= as_of <= d.closes]
    future = [d for d in decls if d.opens > as_of]
    status, found = ("open", current[-1]) if current else ("upcoming", future[0]) if future else ("closed", decls[-1])
    return {"status": status, "opens": found.opens.isoformat(), "closes": found.closes.isoformat(), "url": found.url}
