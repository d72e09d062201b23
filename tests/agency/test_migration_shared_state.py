"""Migration 0004_i12_rest: the shared-state tables (failed sign-ins, webhook deliveries, portfolio summaries)
match their models, and the migration runs down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from checker.agency import state_models  # noqa: F401 - registers the tables
from checker.db import alembic_config, make_engine, upgrade
from checker.models import Base

TABLES = {"login_failure", "agency_webhook_delivery", "agency_portfolio_summary"}


def test_the_shared_state_tables_match_their_models_and_migrate_down_and_up(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diff if any(t in repr(d) for t in TABLES)] == []
    with engine.begin() as connection:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0005_i10_backend_result_backend")  # the revision before
    assert not TABLES & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()
