"""Application windows (申报时间) of the measures an agency's client may apply for, as a line of text."""

from __future__ import annotations

import datetime as dt

from checker.i18n import N_, translate
from checker.rules.pack import RulePack
from checker.rules.windows import WindowStatus, window_status

# The window's state, in the message catalogue as "agency.window_state_<status>".
STATES = (N_("agency.window_state_open"), N_("agency.window_state_upcoming"), N_("agency.window_state_closed"))


def window_of(pack: RulePack, measure: str, as_of: str | dt.date | None) -> WindowStatus | None:
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
    state = translate(f"agency.window_state_{found['status']}", lang)
    return translate("agency.window_line", lang, opens=found["opens"], closes=found["closes"], state=state)
