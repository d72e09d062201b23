"""Migration 0004_i12_rest: the shared-state tables (failed sign-ins, webhook deliveries, portfolio summaries)
match their models, and the migration runs down and up again."""

from __future__ import annotations

from checker.agency import state_models  # noqa: F401 - registers the tables
from tests.migrations import assert_tables_migrate

TABLES = {"login_failure", "agency_webhook_delivery", "agency_portfolio_summary"}


def test_the_shared_state_tables_match_their_models_and_migrate_down_and_up(tmp_path):
    assert_tables_migrate(tmp_path, TABLES, "0005_i10_backend_result_backend")  # the revision before
