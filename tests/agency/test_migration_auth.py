"""Migration 0004_i12_auth: sessions table, token expiry/revocation; old tokens keep working until a set expiry."""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import inspect, text

from checker.db import alembic_config, make_engine, upgrade


def _to(engine, url: str, revision: str, down: bool = False) -> None:
    """Run the migrations of the database up or down to a revision."""
    with engine.begin() as connection:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(cfg, revision)


def test_old_tokens_get_an_expiry_and_the_migration_runs_down_and_up(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    engine = make_engine(url)
    _to(engine, url, "0003")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO agency (id, name, created_at) VALUES (1, 'A', '2026-01-01')"))
        connection.execute(text("INSERT INTO app_user (id, email, password_hash, role, agency_id, active, created_at) "
                                "VALUES (1, 'a@example.com', 'x', 'agency', 1, 1, '2026-01-01')"))
        connection.execute(text("INSERT INTO api_token (id, user_id, digest, label, created_at) "
                                "VALUES (1, 1, :d, 'old', '2026-01-01')"), {"d": "0" * 64})
    upgrade(engine)
    with engine.connect() as connection:
        expires = connection.execute(text("SELECT expires_at FROM api_token")).scalar_one()
    expiry = dt.datetime.fromisoformat(str(expires))
    assert dt.timedelta(days=89) < expiry - dt.datetime.now(dt.UTC).replace(tzinfo=None) <= dt.timedelta(days=90)
    assert "user_session" in inspect(engine).get_table_names()
    _to(engine, url, "0003", down=True)
    assert "user_session" not in inspect(engine).get_table_names()
    assert "expires_at" not in {c["name"] for c in inspect(engine).get_columns("api_token")}
    upgrade(engine)
    assert "revoked_at" in {c["name"] for c in inspect(engine).get_columns("api_token")}
    engine.dispose()


def test_the_migrated_session_and_token_tables_match_the_models(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from checker.db_models import Base  # the registry: every table

    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diff if "user_session" in repr(d) or "api_token" in repr(d)] == []
    engine.dispose()
