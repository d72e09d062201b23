"""Security headers on every response; no-store on every private page, JSON answer and download."""

from __future__ import annotations

from flask import Flask, Response, request

PRIVATE_BLUEPRINTS = frozenset({"agency", "agency_api"})  # the agency area (clients, tokens) and the token API
# Staff pages hold no secrets of their own and are often left by Back after a refused POST, which no-store turns
# into a "resubmit the form?" error: kept from shared caches and revalidated instead.
REVALIDATE_BLUEPRINTS = frozenset({"staff"})
SECRET_ARGS = frozenset({"token"})  # a saved assessment's link (/a/<token>, its JSON, its edit page)

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def add_headers(response: Response) -> Response:
    """Content-Security-Policy without inline script, and friends."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if private(response):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    elif request.blueprint in REVALIDATE_BLUEPRINTS and not (request.endpoint or "").endswith("static"):
        response.headers["Cache-Control"] = "private, no-cache"
    return response


def private(response: Response) -> bool:
    """Whether no browser or proxy may keep a copy: signed-in areas, secret links, and every download."""
    endpoint = request.endpoint or ""
    if "attachment" in response.headers.get("Content-Disposition", ""):
        return True
    if endpoint.endswith(".static") or endpoint == "static":
        return False
    return request.blueprint in PRIVATE_BLUEPRINTS or bool(SECRET_ARGS & set(request.view_args or ()))


def init_security(app: Flask) -> None:
    """Register the header hook."""
    app.after_request(add_headers)
