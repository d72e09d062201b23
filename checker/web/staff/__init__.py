"""Policy-staff rules area (/staff/): the pack, drafts, impact previews, publishing, history and the audit log.

Wire into the app with `init_app(app)` after `create_app`; calling it twice does nothing more.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, g, render_template
from sqlalchemy.exc import SQLAlchemyError

from checker.staff.gitrepo import GitError, RulesRepo
from checker.staff.live import LivePack
from checker.web.services import rules_git

log = logging.getLogger(__name__)


def init_app(app: Flask) -> LivePack:
    """Register the staff pages (and the shared sign-in) and make the pack come from the database's newest version."""
    if "staff" in app.extensions:
        return app.extensions["staff"]
    from checker.web.accounts import init_app as init_accounts
    from checker.web.staff.strings import (
        action_name,
        audit_comment,
        form_error,
        form_label,
        lint_message,
        measure_title,
        status_word,
    )
    from checker.web.staff.sync import broken_paths
    from checker.web.staff.views import bp

    init_accounts(app)  # staff sign in on the same page as agency users
    services = app.extensions["checker"]
    rules = Path(app.config["CHECKER_RULES"])
    seeds = services.seeds
    live = LivePack(services.sessions, seeds, app.config["CHECKER_ENGINE"], app.config.get("STAFF_POLL_SECONDS", 1.0),
                    _rules_repo(app, rules), app.config.get("STAFF_GIT_POLL_SECONDS", 2.0))
    app.extensions["staff"] = live
    live.refused = services.chosen.refused
    try:
        live.start(rules, services.started_pack, services.started_checker, bool(app.config.get("STAFF_IMPORT_NEW_RULES", True)))
        services.live = live
    except SQLAlchemyError as exc:  # e.g. AUTO_MIGRATE off and migration 0003 not applied yet
        log.error("staff tables missing (run the migrations); the pack stays the one on disk: %s", exc)
    from checker.web.staff.impacts import init_impacts

    init_impacts(app, services, seeds)
    from checker.web.staff.samples import init_samples

    init_samples(app, services, seeds)
    app.before_request(_pin_snapshot)
    app.teardown_request(_unpin_snapshot)
    app.register_blueprint(bp)
    app.register_error_handler(403, lambda e: (render_template("errors/403.html"), 403))
    app.jinja_env.globals.setdefault("lint_message", lint_message)
    app.jinja_env.globals.setdefault("form_label", form_label)
    app.jinja_env.globals.setdefault("form_error", form_error)
    app.jinja_env.globals.setdefault("audit_comment", audit_comment)
    app.jinja_env.globals.setdefault("action_name", action_name)
    app.jinja_env.globals.setdefault("measure_title", measure_title)
    app.jinja_env.globals.setdefault("status_word", status_word)
    app.jinja_env.globals.setdefault("rules_refused", lambda: live.refused)
    app.jinja_env.globals.setdefault("broken_paths", broken_paths)
    return live


def _rules_repo(app: Flask, rules: Path) -> RulesRepo | None:
    """The git repository of the rules folder (initialised when it is in none), unless STAFF_RULES_GIT is off."""
    if not rules_git(app):
        return None
    try:
        repo = RulesRepo.open(rules)
    except (GitError, OSError) as exc:
        log.error("the rules folder %s cannot be used as a git repository, publishing stays in the database: %s",
                  rules, exc)
        return None
    if repo is None:
        log.warning("git is not installed: browser publishes are kept in the database only, not in %s", rules)
    return repo


def _pin_snapshot() -> None:
    """Give the request one live pack and checker throughout (held open until it ends), refreshed at most once a second."""
    from checker.web.services import services

    live = services().live
    if live is not None:
        g.live_snapshot = live.hold()


def _unpin_snapshot(_exc: BaseException | None) -> None:
    """Release the request's snapshot: a replaced checker closes once no request or job holds it."""
    from checker.web.services import services

    snap = g.pop("live_snapshot", None)
    if snap is not None:
        services().live.release(snap)
