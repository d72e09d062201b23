"""Migration 0002 matches the agency and accounts models, and runs down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from checker.accounts import models
from checker.db import alembic_config, make_engine, upgrade
from checker.db_models import Base

AGENCY_TABLES = {"agency", "app_user", "api_token", "agency_client", "agency_job", "agency_job_row", "agency_result"}


def test_migration_matches_models(tmp_path):
    assert models.Agency.__table__ in Base.metadata.sorted_tables
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diff if any(t in repr(d) for t in AGENCY_TABLES)] == []
    engine.dispose()


def test_down_to_0001_and_up_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= AGENCY_TABLES
    with engine.begin() as connection:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0001")
    assert not AGENCY_TABLES & set(inspect(engine).get_table_names())
    assert "assessment" in inspect(engine).get_table_names()
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= AGENCY_TABLES
    engine.dispose()
