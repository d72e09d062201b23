"""Agency features of the web app: accounts, uploads, batch jobs, portfolios and the JSON API.

Wire into the app with `init_app(app)` after `create_app`; calling it twice does nothing more.
"""

from __future__ import annotations

import logging
import os

from flask import Flask
from flask_login import LoginManager
from sqlalchemy.exc import DBAPIError

from checker.agency.accounts import seed_admin
from checker.agency.jobs import resumable
from checker.agency.models import User
from checker.web.agency.common import AgencyState, make_runner
from checker.web.agency.strings import tr

log = logging.getLogger(__name__)


def _login_manager(app: Flask) -> LoginManager:
    """The app's login manager, created if the app has none, loading our User."""
    manager = getattr(app, "login_manager", None)
    if manager is None:
        manager = LoginManager()
        manager.init_app(app)
        manager.login_view = "agency.login"
        manager.login_message = None
    if manager._user_callback is None:  # keep a loader another part of the app installed
        manager.user_loader(_load_user)
    return manager


def _load_user(user_id: str) -> User | None:
    """The signed-in user of the session."""
    from checker.web.services import db

    return db().get(User, int(user_id)) if user_id.isdigit() else None


def init_app(app: Flask) -> AgencyState:
    """Register the agency blueprints, sign-in and the job runner; resume unfinished jobs."""
    if "agency" in app.extensions:
        return app.extensions["agency"]
    from checker.web.agency import api, rechecks, reports, views  # noqa: F401 - reports adds routes

    _login_manager(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(api.bp)
    services = app.extensions["checker"]
    state = AgencyState(make_runner(app, services))
    app.extensions["agency"] = state
    rechecks.init_rechecks(app, services)
    app.jinja_env.globals.setdefault("tr", tr)
    try:
        with services.sessions() as session:
            seed_admin(session, dict(os.environ))
            pending = resumable(session)
    except DBAPIError:  # the database is not migrated yet: nothing to seed or resume
        log.warning("agency tables missing; run the migrations", exc_info=True)
        pending = []
    if app.config.get("AGENCY_RESUME", True):
        for job_id in pending:
            state.runner.submit(job_id)
    return state


def close_app(app: Flask) -> None:
    """Stop the job runner (tests, shutdown)."""
    state = app.extensions.get("agency")
    if state is not None:
        state.runner.stop()
        from checker.web.agency.rechecks import stop_rechecks

        stop_rechecks(app)
