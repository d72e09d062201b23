"""Strict reading of the API's arguments, exactly as the OpenAPI document describes them (a bad one is a 400)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
DATE_PATTERN = r"^20[0-9]{2}-[0-9]{2}-[0-9]{2}$"
LANGS = ("zh", "en")
MAX_OFFSET = 2**31 - 1
MAX_LIMIT = 5000
DIGITS = re.compile(r"^[0-9]{1,10}$")


class BadArgument(ValueError):
    """One argument is not what the document allows; names it."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


ABSENT: Any = object()


def as_of(value: Any = ABSENT, name: str = "as_of") -> dt.date:
    """An ISO date from 2000-01-01 to 2099-12-31; today when absent (an empty or null value is not absent)."""
    if value is ABSENT:
        return dt.date.today()
    try:
        day = dt.date.fromisoformat(value) if isinstance(value, str) and re.match(DATE_PATTERN, value) else None
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise BadArgument(name, f"must be a date YYYY-MM-DD from {FIRST_DAY} to {LAST_DAY}")
    return day


def lang(value: Any = ABSENT, name: str = "lang") -> str:
    """zh or en; zh when absent."""
    if value is ABSENT:
        return "zh"
    if value not in LANGS:
        raise BadArgument(name, "must be zh or en")
    return value


def count(value: Any, name: str, default: int, maximum: int) -> int:
    """A non-negative integer query argument up to maximum."""
    if value is ABSENT:
        return default
    if not DIGITS.match(value) or int(value) > maximum:
        raise BadArgument(name, f"must be an integer from 0 to {maximum}")
    return int(value)


def get(source: Any, name: str) -> Any:
    """source[name], or ABSENT when the key is not there (a query, a form or a JSON object)."""
    return source.get(name, ABSENT)
