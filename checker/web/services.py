"""The app's shared objects: the rule pack, one Checker, and database sessions."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from checker import config
from checker.db import make_engine, make_sessions, upgrade
from checker.engine import Checker
from checker.jobs.runners import runners
from checker.rules.pack import RulePack
from checker.staff.lastgood import Chosen, Refusal, choose


class Services:
    """What every request shares; once a LivePack is attached, the pack and checker come from it."""

    def __init__(self, chosen: Chosen, checker: Checker, engine: Engine, sessions: sessionmaker[Session],
                 seeds: Path) -> None:
        self._pack = chosen.pack
        self.chosen = chosen
        self._checker = checker
        self.engine = engine
        self.sessions = sessions
        self.seeds = seeds
        self.live: Any = None  # a checker.staff.live.LivePack, attached by the staff features

    @property
    def refused(self) -> Refusal | None:
        """The newest rules, when they do not load and an older version is served instead."""
        return self.live.refused if self.live is not None else self.chosen.refused

    def snapshot(self) -> Any:
        """The live snapshot this request pinned (or the newest one), None without a LivePack."""
        if self.live is None:
            return None
        if has_app_context() and "live_snapshot" in g:
            return g.live_snapshot
        return self.live.current()

    @property
    def started_pack(self) -> RulePack:
        """The pack the app was started with (the rules folder's, or the CHECKER_PACK it was handed)."""
        return self._pack

    @property
    def started_checker(self) -> Checker:
        """The checker of the pack the app was started with."""
        return self._checker

    @property
    def pack(self) -> RulePack:
        """The rule pack checks use now."""
        snap = self.snapshot()
        return snap.pack if snap is not None else self._pack

    @property
    def checker(self) -> Checker:
        """The checker of the live pack."""
        snap = self.snapshot()
        return snap.checker if snap is not None else self._checker

    @contextmanager
    def lease(self, fresh: bool = False) -> Iterator[Checker]:
        """The live checker (asked of the database now when fresh), kept open until the block ends (a job, a recheck)."""
        if self.live is None:
            yield self._checker
            return
        with self.live.lease(fresh) as snap:
            yield snap.checker

    def close(self) -> None:
        """Release the engine's rulesets and the database pool."""
        if self.live is not None:
            self.live.close()
        self._checker.close()
        self.engine.dispose()


def init_services(app: Flask) -> Services:
    """Open the database (migrating SQLite), load the pack (the last good one when the newest does not load, or a
    preloaded CHECKER_PACK) and build its checker."""
    engine = make_engine(app.config["DATABASE_URL"])
    if app.config["AUTO_MIGRATE"]:
        upgrade(engine)
    sessions, rules = make_sessions(engine), Path(app.config["CHECKER_RULES"])
    seeds = Path(app.config.get("STAFF_SEEDS") or config.seeds_dir(rules))
    given = app.config.get("CHECKER_PACK")
    chosen = Chosen(given, "") if given is not None else choose(rules, seeds, sessions, rules_git(app))
    services = Services(chosen, Checker(chosen.pack, app.config["CHECKER_ENGINE"]), engine, sessions, seeds)
    app.extensions["checker"] = services
    app.teardown_appcontext(_close_session)
    return services


def rules_git(app: Flask) -> bool:
    """Whether the rules folder is used as a git repository (STAFF_RULES_GIT, default on)."""
    return bool(app.config.get("STAFF_RULES_GIT", os.environ.get("STAFF_RULES_GIT", "1") != "0"))


def services() -> Services:
    """The current app's services."""
    return current_app.extensions["checker"]


def pack() -> RulePack:
    """The current app's rule pack."""
    return services().pack


def db() -> Session:
    """The request's database session, opened on first use."""
    if "db" not in g:
        g.db = services().sessions()
    return g.db


def _close_session(_exc: BaseException | None) -> None:
    """Close the request's session, if any."""
    session = g.pop("db", None)
    if session is not None:
        session.close()


def may_start_threads(app: Flask, runner: object) -> bool:
    """Whether building the app may start background threads for this runner (agency jobs, rechecks, impact previews):
    only when AGENCY_BACKGROUND asks (`checker serve` does); the inline and Celery runners start none. A request that
    queues a job still starts one."""
    return runners(app).may_start_threads(runner)  # type: ignore[arg-type]


def resume_jobs(app: Flask, services: Services, runner: Any, pending: Callable[[Session], list[int]]) -> None:
    """Hand the runner the jobs a stopped server left unfinished (AGENCY_RESUME, and only where threads may start);
    none while the database is not migrated yet."""
    if not config.setting("AGENCY_RESUME", app.config) or not may_start_threads(app, runner):
        return
    try:
        with services.sessions() as session:
            found = pending(session)
    except DBAPIError:
        logging.getLogger(__name__).warning("a job table is missing; run the migrations", exc_info=True)
        return
    for job_id in found:
        runner.submit(job_id)


def uploads_folder(app: Flask) -> Path:
    """Where received files wait for the runner (AGENCY_UPLOADS, else instance/uploads): agency uploads and staff
    sample files. Files are named by job kind and id, so two databases must never share this folder."""
    return Path(config.setting("AGENCY_UPLOADS", app.config) or Path(app.instance_path) / "uploads")
