"""Database engine, sessions and migrations for the web app."""

from __future__ import annotations

import base64
import json
import os
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import JSON, CursorResult, Engine, Result, create_engine, event, make_url
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Insert, Update
from sqlalchemy.types import TypeDecorator

from checker.config import resource_dir

MIGRATIONS = resource_dir("migrations")
SQLITE_BUSY_MS = 15_000  # how long a SQLite write waits for another writer's (short) transaction before giving up


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched (Session.execute gives those a CursorResult; its type says Result)."""
    return cast(CursorResult[Any], result).rowcount


class JsonText(str):
    """A JSON column's value already serialised by json_text (before a write transaction): stored as it is."""


def json_text(value: Any) -> str:
    """A JSON column's stored text: no spaces, Chinese as UTF-8 (json.dumps' default escapes each character in 6 bytes
    and puts a space after every separator); a text with a lone surrogate (a JSON upload's "\\ud800"), which UTF-8
    cannot hold, is escaped as before. A JsonText is that text already."""
    if isinstance(value, JsonText):
        return value
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":"))
    return text


class DeflatedJSON(TypeDecorator[Any]):
    """A JSON column holding a large value deflated ({"deflated": 1, "z": base64}: the portfolio summary keeps a row per
    client, ~5x smaller so), read back as the value; a value stored plain before reads as it was."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Deflate on write."""
        if value is None:
            return None
        packed = zlib.compress(json_text(value).encode("utf-8"), 6)
        return {"deflated": 1, "z": base64.b64encode(packed).decode("ascii")}

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        """Inflate on read."""
        if isinstance(value, dict) and len(value) == 2 and value.get("deflated") == 1 and isinstance(value.get("z"), str):
            return json.loads(zlib.decompress(base64.b64decode(value["z"])).decode("utf-8"))
        return value


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite may be used from waitress's worker threads, its file readable by us alone."""
    if not url.startswith("sqlite"):
        return create_engine(url, json_serializer=json_text)
    private_sqlite_file(url)
    engine = create_engine(url, json_serializer=json_text,
                           connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000})
    event.listen(engine, "connect", sqlite_pragmas)
    return engine


def sqlite_pragmas(connection: Any, _record: Any) -> None:
    """Every SQLite connection: write-ahead log (readers never block the writer, nor it them), a busy timeout (a
    writer waits for another's short transaction instead of failing at once), and NORMAL sync (safe with WAL)."""
    cursor = connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")  # an in-memory database answers 'memory' and keeps it
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def write_many(session: Session, statement: Insert | Update, rows: list[dict[str, Any]]) -> None:
    """session.execute(statement, rows) (an executemany of an INSERT or UPDATE, every value given: column defaults are
    not applied); on SQLite the statement is compiled once and each row goes to the driver as a tuple, a value of a
    type SQLAlchemy converts (a date, a datetime) converted once per distinct value: SQLAlchemy's per-row parameter
    processing took ~1 s per 100k rows of an agency job's three statements."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        session.execute(statement, rows)
        return
    compiled = statement.compile(dialect=connection.dialect, column_keys=list(rows[0]))
    names = compiled.positiontup or []
    converters = [_converter(compiled.binds[name].type, connection.dialect) for name in names]
    keys = [compiled.binds[name].key for name in names]
    plain = all(c is None for c in converters)
    values = [tuple(row[k] for k in keys) for row in rows] if plain else \
        [tuple(row[k] if c is None else c(row[k]) for k, c in zip(keys, converters)) for row in rows]
    connection.exec_driver_sql(compiled.string, values)


def _converter(kind: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """What a bound value of this type goes through before the driver (None: nothing), each distinct value converted
    once; a JsonText is stored as it is (json_text, the engine's JSON serialiser, returns it so)."""
    process = kind.dialect_impl(dialect).bind_processor(dialect)  # the dialect's own type (SQLite's DATETIME)
    if process is None:
        return None
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if isinstance(value, JsonText):  # serialised already: what the JSON types' processors return it as
            return value
        key = (value.__class__, value)  # 1, 1.0 and True are equal keys, but a JSON column writes 1, 1.0 and true
        try:
            return seen[key]
        except KeyError:
            seen[key] = process(value)
            return seen[key]
        except TypeError:  # unhashable (a dict for a JSON column)
            return process(value)
    return convert


@contextmanager
def brief_wait(session: Session, ms: int) -> Iterator[None]:
    """Within the block, a SQLite write waits at most ms for another writer (a best-effort write); other databases as ever.

    Commit after the block: the session keeps the one connection whose wait was shortened until then.
    """
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(ms)}")
    try:
        yield
    finally:
        if sqlite:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")


def private_folder(folder: Path) -> None:
    """Create the folder 0700 if missing, and take group and other access away if it has any."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o077:
        folder.chmod(0o700)


def private_sqlite_file(url: str) -> None:
    """Create a SQLite database file 0600 before SQLite does (it would follow the umask, e.g. 0644); tighten an old one.

    SQLite gives its -journal, -wal and -shm files the database file's permissions.
    """
    database = make_url(url).database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.exists():
        private_folder(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    elif path.stat().st_mode & 0o077:
        path.chmod(0o600)


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
