"""Rate limits (Flask-Limiter): API calls per token; company forms and alert subscriptions per address.

Failed sign-ins have their own throttle (checker/agency/throttle.py).

Storage is in memory per app unless RATELIMIT_STORAGE_URI (config or environment) names a shared one,
e.g. redis://127.0.0.1:6379 when several server processes must share counters.
"""

from __future__ import annotations

import hashlib
import os

from flask import Blueprint, Flask, Response, jsonify, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import TooManyRequests

ASSESS_ENDPOINTS = frozenset({"assess.create", "assess.update", "assess.recheck", "assess.interview_answer"})
API_BLUEPRINT = "agency_api"
ALERT_ENDPOINTS = frozenset({"alerts.subscribe"})
DEFAULTS = {"API_RATE_LIMIT": "600 per minute", "ASSESS_RATE_LIMIT": "60 per minute;600 per day",
            "ALERT_RATE_LIMIT": "5 per hour;20 per day"}


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


def init_app(app: Flask) -> Limiter:
    """A Limiter for this app with the API limit; works whether or not the agency blueprints are wired yet."""
    if "checker_limiter" in app.extensions:
        return app.extensions["checker_limiter"]
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, os.environ.get(name, value))
    app.config.setdefault("RATELIMIT_STORAGE_URI", os.environ.get("RATELIMIT_STORAGE_URI", "memory://"))
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
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
