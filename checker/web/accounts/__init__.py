"""Sign-in for the agency and the staff areas: the login manager, server-side sessions, the failed sign-in throttle
and the /login, /logout pages. Both areas call `init_app(app)`; calling it twice does nothing more."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Flask, current_app, request, session
from flask_login import LoginManager, current_user

from checker import config
from checker.accounts.models import User
from checker.accounts.sessions import Limits, resume
from checker.accounts.throttle import Policy, Throttle


@dataclass
class AccountsState:
    """What the sign-in pages share: the failed sign-in throttle (one for every server process, in the database)."""

    throttle: Throttle


def _login_manager(app: Flask) -> LoginManager:
    """The app's login manager, created if the app has none, loading our User."""
    manager = getattr(app, "login_manager", None)
    if manager is None:
        manager = LoginManager()
        manager.init_app(app)
        manager.login_view = "accounts.login"
        manager.login_message = None
    if manager._user_callback is None:  # keep a loader another part of the app installed
        manager.user_loader(_load_user)
    return manager


def session_limits() -> Limits:
    """The idle and absolute session limits of the current app."""
    return Limits(idle=dt.timedelta(minutes=config.setting("SESSION_IDLE_MINUTES", current_app.config)),
                  absolute=dt.timedelta(hours=config.setting("SESSION_MAX_HOURS", current_app.config)))


def _load_user(user_id: str) -> User | None:
    """The signed-in user, only while the server-side session of the cookie is live and the user active."""
    from checker.web.services import db

    if not user_id.isdigit():
        return None
    return resume(db(), int(user_id), str(session.get("sid", "")), session_limits())


def _load_early() -> None:
    """Resolve the signed-in user before the view runs, so touching the session never interleaves with its writes."""
    if "_user_id" in session and not (request.endpoint or "").endswith("static"):
        current_user._get_current_object()


def init_app(app: Flask) -> AccountsState:
    """Register the sign-in pages, the user loader and the throttle (LOGIN_* settings, read by checker.config)."""
    if "accounts" in app.extensions:
        return app.extensions["accounts"]
    from checker.web.accounts.views import bp

    _login_manager(app)
    app.before_request(_load_early)
    app.register_blueprint(bp)
    state = AccountsState(Throttle(app.extensions["checker"].sessions, Policy.from_config(app.config)))
    app.extensions["accounts"] = state
    return state
