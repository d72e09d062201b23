"""Database engine, sessions and migrations for the web app."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from checker.config import resource_dir

MIGRATIONS = resource_dir("migrations")


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite may be used from waitress's worker threads."""
    args = {"check_same_thread": False} if url.startswith("sqlite") else {}
    return create_engine(url, connect_args=args)


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to the engine."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    """Alembic configuration pointing at migrations/ and the given database."""
    cfg = Config(str(MIGRATIONS / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logging"] = False
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the database schema to the newest migration."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def sqlite_url(folder: Path) -> str:
    """The default embedded database in the instance folder."""
    return f"sqlite:///{folder / 'checker.sqlite'}"
