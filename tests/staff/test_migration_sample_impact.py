"""Migration 0008_s29_sample_impacts matches the sample impact model, and runs down and up again."""

from __future__ import annotations

from checker.staff import sample_models  # noqa: F401  (registers the table)
from tests.migrations import assert_tables_migrate


def test_migration_matches_the_model_and_downgrades(tmp_path):
    assert_tables_migrate(tmp_path, {"staff_sample_impact"}, "0007_i21_alerts", kept=frozenset({"staff_impact_job"}))
