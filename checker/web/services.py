"""The app's shared objects: the rule pack, one Checker, and database sessions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from checker.db import make_engine, make_sessions, upgrade
from checker.engine import Checker
from checker.rules.loader import load_pack
from checker.rules.pack import RulePack


@dataclass
class Services:
    """What every request shares."""

    pack: RulePack
    checker: Checker
    engine: Engine
    sessions: sessionmaker[Session]

    def close(self) -> None:
        """Release the engine's rulesets and the database pool."""
        self.checker.close()
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
