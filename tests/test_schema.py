"""The migrated schema is the models' schema, for every table, and Alembic sees every model (the registry)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from checker.db import MIGRATIONS, make_engine, upgrade
from checker.db_models import metadata
from tests.pgdb import fresh_database


def _diff(url: str) -> list:
    """What autogenerate would change in a database migrated to head, against every registered model."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()


def test_a_migrated_sqlite_database_equals_the_models(tmp_path: Path) -> None:
    assert _diff(f"sqlite:///{tmp_path / 'm.sqlite'}") == []


def test_a_migrated_postgresql_database_equals_the_models() -> None:
    server = os.environ.get("TEST_POSTGRES_URL", "")
    if not server:
        pytest.skip("no TEST_POSTGRES_URL (eval \"$(scripts/pg.sh)\" starts one)")
    with fresh_database(server, "checker_schema") as url:
        assert _diff(url) == []


def test_the_registry_holds_every_table_the_migrations_create(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    try:
        upgrade(engine)
        migrated = set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()
    assert migrated == set(metadata.tables) and len(migrated) > 20


def test_alembic_check_from_the_command_line_finds_nothing_to_generate(tmp_path: Path) -> None:
    """A fresh interpreter, as `alembic check` runs: env.py alone must register every model."""
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    done = subprocess.run([sys.executable, "-m", "alembic", "-c", str(MIGRATIONS / "alembic.ini"), "check"],
                          env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "No new upgrade operations detected" in done.stdout + done.stderr


def _declared_models() -> set[str]:
    """Every module of checker/ that declares a table (a class with __tablename__)."""
    root = Path(__file__).resolve().parents[1] / "checker"
    found = set()
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in node.targets)
               for node in ast.walk(tree)):
            found.add(".".join(path.relative_to(root.parent).with_suffix("").parts))
    return found


def test_the_registry_imports_every_module_that_declares_a_table() -> None:
    from checker.db_models import MODEL_MODULES

    assert {m.__name__ for m in MODEL_MODULES} == _declared_models()


def test_migration_files_are_named_after_their_revision() -> None:
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        revision = next(ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == "revision" for t in n.targets))
        assert path.stem == revision or path.stem.startswith(revision + "_"), f"{path.name}: revision {revision}"
