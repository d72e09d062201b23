"""The signed "known device" cookie: set at a successful sign-in, it lets that browser's sign-ins to the account past
the account backoff that anyone can trigger by guessing (they keep a backoff of their own and the per-address limit).

The cookie holds a random device id and short hashes of the accounts signed in from it, signed with the app's
SECRET_KEY (itsdangerous); it is HttpOnly, SameSite=Lax, Secure when the session cookie is, and lasts DAYS days.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

COOKIE = "checker_device"
DAYS = 90
MAX_ACCOUNTS = 5


def _serializer() -> URLSafeTimedSerializer:
    """The signer of the cookie, keyed by the app's secret."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def _account(account: str) -> str:
    """A short hash of the account name (the cookie never shows the e-mail address)."""
    return hashlib.sha256(account.encode("utf-8")).hexdigest()[:16]


def _read() -> dict[str, Any]:
    """The cookie's content if it is ours and fresh, else empty."""
    raw = request.cookies.get(COOKIE, "")
    if not raw:
        return {}
    try:
        data = _serializer().loads(raw, max_age=DAYS * 86400)
    except BadSignature:
        return {}
    return data if isinstance(data, dict) and isinstance(data.get("d"), str) and isinstance(data.get("a"), list) else {}


def known_device(account: str) -> str | None:
    """This browser's device id if it signed in to the account before, else None."""
    data = _read()
    return data["d"] if _account(account) in data.get("a", []) else None


def remember(response: Response, account: str) -> Response:
    """Mark this browser as a known device of the account (after a successful sign-in)."""
    data = _read() or {"d": secrets.token_hex(8), "a": []}
    accounts = [a for a in data["a"] if a != _account(account)] + [_account(account)]
    value = _serializer().dumps({"d": data["d"], "a": accounts[-MAX_ACCOUNTS:]})
    response.set_cookie(COOKIE, value, max_age=DAYS * 86400, httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), path="/")
    return response
