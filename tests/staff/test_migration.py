"""Migration 0003 matches the staff models, and runs down and up again."""

from __future__ import annotations

from checker.staff import models  # noqa: F401  (registers the staff tables)
from tests.migrations import assert_tables_migrate

STAFF_TABLES = {"staff_pack_version", "staff_draft", "staff_audit"}


def test_migration_matches_models_and_downgrades(tmp_path):
    assert_tables_migrate(tmp_path, STAFF_TABLES, "0002")
