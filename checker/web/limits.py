"""Rate limits (Flask-Limiter): API calls per token, alert subscriptions per address, and failed API token
authentications per client address (a caller trying random bearer tokens is answered 429 with Retry-After once
API_AUTH_FAIL_LIMIT is reached, before its token is even looked up). Failed sign-ins have their own throttle
(checker/accounts/throttle.py).

Storage is in memory per app unless RATELIMIT_STORAGE_URI (config or environment) names a shared one,
e.g. redis://127.0.0.1:6379 when several server processes must share counters. RATELIMIT_ENABLED=false (config or
environment) turns these limits off (not the sign-in throttle).
"""

from __future__ import annotations

import hashlib
import math
import os
import time

from flask import Blueprint, Flask, Response, jsonify, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

ASSESS_ENDPOINTS = frozenset({"assess.create", "assess.update", "assess.recheck", "assess.interview_answer"})
API_BLUEPRINT = "agency_api"
ALERT_ENDPOINTS = frozenset({"alerts.subscribe"})
OFF = frozenset({"0", "false", "no", "off"})
DEFAULTS = {"API_RATE_LIMIT": "600 per minute", "ASSESS_RATE_LIMIT": "60 per minute;600 per day",
            "API_AUTH_FAIL_LIMIT": "20 per minute;200 per hour", "ALERT_RATE_LIMIT": "5 per hour;20 per day"}
AUTH_FAIL = "api-auth-fail"


def api_key() -> str:
    """Whom an API call counts against: its bearer token (hashed), else its address."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer ") and header[7:].strip():
        return "token:" + hashlib.sha256(header[7:].strip().encode("utf-8")).hexdigest()[:32]
    return "addr:" + get_remote_address()


def _too_many(exc: TooManyRequests) -> tuple[Response | str, int, dict[str, str]]:
    """A JSON 429 for the API, a short text page elsewhere."""
    retry = {"Retry-After": "60"}
    if request.blueprint == API_BLUEPRINT:
        response = jsonify({"error": "rate_limited", "message": f"too many requests: {exc.description}"})
        return response, 429, retry
    return f"Too many requests ({exc.description}); please wait a minute.", 429, retry


def enabled(value: object) -> bool:
    """RATELIMIT_ENABLED as a switch: false, off, no and 0 (any case) turn every limit off; a bool is itself."""
    return value.strip().lower() not in OFF if isinstance(value, str) else bool(value)


def auth_failure_wait(app: Flask) -> int:
    """Seconds before this client address may try an API token again (0: it may now)."""
    limiter: Limiter | None = app.extensions.get("checker_limiter")
    if limiter is None or not limiter.enabled:
        return 0
    address = get_remote_address()
    waits = [math.ceil(limiter.limiter.get_window_stats(item, AUTH_FAIL, address).reset_time - time.time())
             for item in parse_many(app.config["API_AUTH_FAIL_LIMIT"])
             if not limiter.limiter.test(item, AUTH_FAIL, address)]
    return max([max(1, wait) for wait in waits], default=0)


def auth_failed(app: Flask) -> None:
    """Count one failed API token authentication against the client address."""
    limiter: Limiter | None = app.extensions.get("checker_limiter")
    if limiter is None or not limiter.enabled:
        return
    for item in parse_many(app.config["API_AUTH_FAIL_LIMIT"]):
        limiter.limiter.hit(item, AUTH_FAIL, get_remote_address())


def init_app(app: Flask) -> Limiter:
    """A Limiter for this app with the API limit; works whether or not the agency blueprints are wired yet."""
    if "checker_limiter" in app.extensions:
        return app.extensions["checker_limiter"]
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, os.environ.get(name, value))
    app.config.setdefault("RATELIMIT_STORAGE_URI", os.environ.get("RATELIMIT_STORAGE_URI", "memory://"))
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config["RATELIMIT_ENABLED"] = enabled(app.config.get("RATELIMIT_ENABLED", os.environ.get("RATELIMIT_ENABLED", "1")))
    limiter = Limiter(get_remote_address, app=app)
    # The limit is attached by blueprint name, so it applies even when the API blueprint is registered after
    # this call (checker.web.agency.init_app).
    limiter.limit(lambda: app.config["API_RATE_LIMIT"], key_func=api_key,
                  exempt_when=lambda: request.endpoint == "agency_api.openapi")(Blueprint(API_BLUEPRINT, __name__))
    limiter.limit(lambda: app.config["ASSESS_RATE_LIMIT"], methods=["POST"],
                  exempt_when=lambda: request.endpoint not in ASSESS_ENDPOINTS)(Blueprint("assess", __name__))
    limiter.limit(lambda: app.config["ALERT_RATE_LIMIT"], methods=["POST"],  # each one sends a mail to a stranger
                  exempt_when=lambda: request.endpoint not in ALERT_ENDPOINTS)(Blueprint("alerts", __name__))
    app.register_error_handler(429, _too_many)
    app.extensions["checker_limiter"] = limiter
    return limiter
