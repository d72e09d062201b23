"""Deployment hardening: strict cookie flags; behind TLS secure cookies, proxy headers and HSTS; rollback of failed requests."""

from __future__ import annotations

import logging
import os

from flask import Flask, Response, g
from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger(__name__)
HSTS = "max-age=31536000; includeSubDomains"


def behind_tls(app: Flask) -> bool:
    """Whether a TLS-terminating proxy is in front: config BEHIND_TLS, else env CHECKER_BEHIND_TLS=1."""
    if "BEHIND_TLS" in app.config:
        return bool(app.config["BEHIND_TLS"])
    return os.environ.get("CHECKER_BEHIND_TLS", "") == "1"


def _hsts(response: Response) -> Response:
    """Tell browsers to keep to HTTPS (only sent when served behind TLS)."""
    response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def rollback_on_error(exc: BaseException | None) -> None:
    """After a failed request, roll its database session back (see below)."""
    # Closing a session whose COMMIT failed returns the connection to the pool with the half-written
    # transaction still open (SQLAlchemy 2.1 + pysqlite); the next request to commit on it would save it.
    session = g.get("db")
    if exc is None or session is None:
        return
    try:
        session.rollback()
    except Exception:  # the connection may be gone; dropping it is the safe outcome
        log.exception("rollback after a failed request failed; invalidating the connection")
        session.invalidate()


def init_app(app: Flask) -> None:
    """HttpOnly + SameSite=Lax session cookies; behind TLS also Secure cookies, ProxyFix and HSTS. Idempotent."""
    if app.extensions.get("hardening"):
        return
    app.extensions["hardening"] = True
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    if behind_tls(app):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)  # type: ignore[method-assign]  # Flask's documented wrapping
        app.after_request(_hsts)
    app.teardown_request(rollback_on_error)
