"""Application windows (申报时间) of the measures an agency's client may apply for, as a line of text."""

from __future__ import annotations

import datetime as dt
from typing import Any

from checker.rules.pack import RulePack
from checker.rules.windows import window_status

WORDS = {"label": ("申报时间", "Application window"), "to": ("至", "to"),
         "open": ("正在申报", "open now"), "upcoming": ("即将开始", "opens soon"),
         "closed": ("本轮已截止", "closed for this round")}


def _word(key: str, lang: str) -> str:
    zh, en = WORDS[key]
    return en if lang == "en" else zh


def window_of(pack: RulePack, measure: str, as_of: str | dt.date | None) -> dict[str, Any] | None:
    """The measure's window as of the check date (open, upcoming or closed), or None when the rules declare none."""
    windows = pack.windows.get(measure, ()) if pack.windows else ()
    if not windows:
        return None
    day = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of or dt.date.today()
    return window_status(windows, day)


def window_text(pack: RulePack, measure: str, as_of: str | dt.date | None, lang: str = "zh") -> str:
    """"申报时间 2026-03-01 至 2026-04-30（正在申报）" for the measure, or "" when it declares no window."""
    found = window_of(pack, measure, as_of)
    if found is None:
        return ""
    state = _word(found["status"], lang)
    state = f"（{state}）" if lang != "en" else f" ({state})"
    return f"{_word('label', lang)} {found['opens']} {_word('to', lang)} {found['closes']}{state}"
