"""The app's shared objects: the rule pack, one Checker, and database sessions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from checker.db import make_engine, make_sessions, upgrade
from checker.engine import Checker
from checker.rules.loader import load_pack
from checker.rules.pack import RulePack


class Services:
    """What every request shares; once a LivePack is attached, the pack and checker come from it."""

    def __init__(self, pack: RulePack, checker: Checker, engine: Engine, sessions: sessionmaker[Session]) -> None:
        self._pack = pack
        self._checker = checker
        self.engine = engine
        self.sessions = sessions
        self.live: Any = None  # a checker.staff.live.LivePack, attached by the staff features

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
    """Load the pack (or take a preloaded CHECKER_PACK), build the checker, open the database (migrating SQLite)."""
    pack = app.config.get("CHECKER_PACK") or load_pack(Path(app.config["CHECKER_RULES"]))
    engine = make_engine(app.config["DATABASE_URL"])
    if app.config["AUTO_MIGRATE"]:
        upgrade(engine)
    services = Services(pack, Checker(pack, app.config["CHECKER_ENGINE"]), engine, make_sessions(engine))
    app.extensions["checker"] = services
    app.teardown_appcontext(_close_session)
    return services


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
