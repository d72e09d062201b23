"""Migration 0005_i12_impact_jobs matches the impact job model, and runs down and up again."""

from __future__ import annotations

from checker.staff import impact_models  # noqa: F401  (registers the table)
from tests.migrations import assert_tables_migrate


def test_migration_matches_the_model_and_downgrades(tmp_path):
    assert_tables_migrate(tmp_path, {"staff_impact_job"}, "0004_i12_jobs_chunks", kept=frozenset({"agency_job_chunk"}))
