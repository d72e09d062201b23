"""One check for a migration: its tables match their models, go on downgrading to the revision before, come back."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from checker.db import alembic_config, make_engine, upgrade
from checker.db_models import Base


def assert_tables_migrate(tmp_path: Path, tables: set[str], before: str, kept: frozenset[str] = frozenset()) -> None:
    """Upgrade a fresh database: the tables match their models (no autogenerate diff on them); downgrade to
    `before`: they are gone and `kept` are still there; upgrade again: they are back."""
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert [d for d in diff if any(t in repr(d) for t in tables)] == []
        assert set(inspect(engine).get_table_names()) >= tables
        with engine.begin() as connection:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, before)
        names = set(inspect(engine).get_table_names())
        assert not tables & names and names >= kept
        upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= tables
    finally:
        engine.dispose()
