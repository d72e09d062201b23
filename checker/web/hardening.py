"""Deployment hardening: secure cookies and proxy headers behind TLS, strict cookie flags, HSTS."""

from __future__ import annotations

import os

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

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
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)  # type: ignore[method-assign]
        app.after_request(_hsts)
