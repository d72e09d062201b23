"""Where a sign-in may send the browser next: only a path on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_NEXT = 2000


def safe_next(target: str | None, fallback: str) -> str:
    """The target when it is a plain local path, else the fallback.

    Browsers drop tabs and newlines inside URLs and read a backslash as a slash, so `/\\t/evil.test`
    would become `//evil.test`; any whitespace, control character or backslash is refused outright.
    """
    if not target or len(target) > MAX_NEXT or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target
