"""Migration 0003 matches the staff models, and runs down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from checker.db import alembic_config, make_engine, upgrade
from checker.models import Base
from checker.staff import models  # noqa: F401  (registers the staff tables)

STAFF_TABLES = {"staff_pack_version", "staff_draft", "staff_audit"}


def test_migration_matches_models_and_downgrades(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diff if any(t in repr(d) for t in STAFF_TABLES)] == []
    with engine.begin() as connection:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0002")
    assert not STAFF_TABLES & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= STAFF_TABLES
    engine.dispose()
