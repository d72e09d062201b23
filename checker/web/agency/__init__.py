"""Agency features of the web app: uploads, batch jobs, portfolios and the JSON API.

Wire into the app with `init_app(app)` after `create_app`; calling it twice does nothing more.
"""

from __future__ import annotations

import logging
import os

from flask import Flask
from sqlalchemy.exc import DBAPIError

from checker.agency.accounts import seed_admin
from checker.agency.jobs import resumable
from checker.agency.report_zips import ZipBuilder
from checker.jobs.runners import runners
from checker.web.accounts import init_app as init_accounts
from checker.web.agency.common import AgencyState, make_runner
from checker.web.services import may_start_threads

log = logging.getLogger(__name__)


def init_app(app: Flask) -> AgencyState:
    """Register the agency blueprints, the shared sign-in and the job runner (unfinished jobs resume with `resume_jobs`)."""
    if "agency" in app.extensions:
        return app.extensions["agency"]
    from checker.web.agency import api, rechecks, reports, views  # noqa: F401 - reports adds routes

    init_accounts(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    api.json_errors(app)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(api.bp)
    services = app.extensions["checker"]
    inline = runners(app).inline  # tests: zips of reports built during the request too
    state = AgencyState(make_runner(app, services), ZipBuilder(inline=inline))
    app.extensions["agency"] = state
    rechecks.init_rechecks(app, services)
    try:
        with services.sessions() as session:
            seed_admin(session, dict(os.environ))
    except DBAPIError:  # the database is not migrated yet: nothing to seed
        log.warning("agency tables missing; run the migrations", exc_info=True)
    return state


def resume_jobs(app: Flask) -> list[int]:
    """Hand unfinished jobs to the runner (a thread runner only when AGENCY_BACKGROUND asks); call once the live rule
    pack is known (after the staff features start)."""
    state = app.extensions.get("agency")
    if state is None or not app.config.get("AGENCY_RESUME", True) or app.extensions.get("agency_resumed"):
        return []
    if not may_start_threads(app, state.runner):
        log.info("unfinished jobs wait: AGENCY_BACKGROUND is off, so building the app starts no worker thread")
        return []
    app.extensions["agency_resumed"] = True
    if app.config.get("AGENCY_BACKGROUND") and hasattr(state.runner, "sweep"):
        state.runner.sweep()  # Celery: expired chunk leases are re-queued by the server as well as by every worker
    try:
        with app.extensions["checker"].sessions() as session:
            pending = resumable(session)
    except DBAPIError:  # the database is not migrated yet: nothing to resume
        log.warning("agency tables missing; run the migrations", exc_info=True)
        return []
    for job_id in pending:
        state.runner.submit(job_id)
    return pending


def close_app(app: Flask) -> None:
    """Stop the job runners and the alert sweeper (tests, shutdown)."""
    from checker.web.alerts import stop as stop_alerts

    stop_alerts(app)
    impacts = app.extensions.get("staff_impact")  # the staff impact previews share the runner classes
    if impacts is not None:
        impacts.stop()
    state = app.extensions.get("agency")
    if state is not None:
        state.runner.stop()
        from checker.web.agency.rechecks import stop_rechecks

        stop_rechecks(app)
