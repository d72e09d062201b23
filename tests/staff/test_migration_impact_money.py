"""Migration 0006_i22_impact_money adds the money summary and text hash of impact previews, and runs down and up."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from checker.db import alembic_config, make_engine, upgrade
from checker.db_models import Base
from checker.staff import impact_models  # noqa: F401  (registers the table)


def _columns(engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("staff_impact_job")}


def test_columns_match_the_model_and_downgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert [d for d in diff if "staff_impact_job" in repr(d)] == []
        assert {"money", "text_hash"} <= _columns(engine)
        with engine.begin() as connection:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0006_i20_chunk_leases")
        assert not {"money", "text_hash"} & _columns(engine)
        upgrade(engine)
        assert {"money", "text_hash"} <= _columns(engine)
    finally:
        engine.dispose()
