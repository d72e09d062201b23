"""Migration 0005_i12_impact_jobs matches the impact job model, and runs down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from checker.db import alembic_config, make_engine, upgrade
from checker.models import Base
from checker.staff import impact_models  # noqa: F401  (registers the table)

TABLE = "staff_impact_job"


def test_migration_matches_the_model_and_downgrades(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diff if TABLE in repr(d)] == []
    assert TABLE in inspect(engine).get_table_names()
    with engine.begin() as connection:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0004_i12_jobs_chunks")
    assert TABLE not in inspect(engine).get_table_names()
    assert "agency_job_chunk" in inspect(engine).get_table_names()
    upgrade(engine)
    assert TABLE in inspect(engine).get_table_names()
    engine.dispose()
