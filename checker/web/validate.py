"""The company form's check date (the answers themselves go through checker.company.answers)."""

from __future__ import annotations

import datetime as dt


def parse_as_of(raw: str | None) -> dt.date | None:
    """The check date of the form, or None when it is not a date."""
    try:
        return dt.date.fromisoformat((raw or "").strip()) if (raw or "").strip() else dt.date.today()
    except ValueError:
        return None
