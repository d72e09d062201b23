"""A SQLite database migrated once per test process, copied for every app that starts on a new database file.

An app's start then finds its schema at the newest revision and Alembic has nothing to do (0.05 s, not 0.3-0.6 s).
The template is made from the migrations of the tree under test, so it is always what `upgrade` would produce.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import make_url

from checker.db import make_engine, upgrade

_LOCK = threading.Lock()
_TEMPLATE: list[Path] = []


def migrated_template() -> Path:
    """The migrated template database of this process (made on first use, removed at exit)."""
    with _LOCK:
        if not _TEMPLATE:
            folder = Path(tempfile.mkdtemp(prefix="checker-db-template-"))
            atexit.register(shutil.rmtree, folder, True)
            path = folder / "template.sqlite"
            engine = make_engine(f"sqlite:///{path}")
            try:
                upgrade(engine)
            finally:
                engine.dispose()
            _TEMPLATE.append(path)
        return _TEMPLATE[0]


def fresh_sqlite(url: str) -> None:
    """Give a SQLite URL whose file does not exist yet (in a folder that does) a copy of the migrated template;
    other URLs, and a missing folder (the app's own creation of it is what some tests check), are left alone."""
    if not url.startswith("sqlite"):
        return
    database = make_url(url).database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    path = Path(database)
    if path.exists() or not path.parent.is_dir():
        return
    shutil.copyfile(migrated_template(), path)
    path.chmod(0o600)


def migrated_copy(folder: Path, extra: dict[str, Any]) -> str:
    """The URL of the app's default database file in folder, a copy of the template unless the test names its own
    DATABASE_URL or turns AUTO_MIGRATE off (then the URL alone, the app doing what it does)."""
    url = f"sqlite:///{folder / 'test.sqlite'}"
    if "DATABASE_URL" not in extra and extra.get("AUTO_MIGRATE", True) is not False:
        fresh_sqlite(url)
    return url
