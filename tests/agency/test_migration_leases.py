"""Migration 0006_i20_chunk_leases: the chunk lease table matches its model and migrates down and up again."""

from __future__ import annotations

from checker.agency import models  # noqa: F401 - registers the tables
from tests.migrations import assert_tables_migrate


def test_the_chunk_lease_table_matches_its_model_and_migrates_down_and_up(tmp_path):
    assert_tables_migrate(tmp_path, {"agency_chunk_lease"}, "0004_i12_rest")  # the revision before
