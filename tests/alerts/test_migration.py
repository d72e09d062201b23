"""Migration 0007_i21_alerts: the alert tables match their models, and the migration runs down and up again."""

from __future__ import annotations

from checker.alerts import models  # noqa: F401 - registers the tables
from tests.migrations import assert_tables_migrate

TABLES = {"alert_subscription", "alert_mail"}


def test_the_alert_tables_match_their_models_and_migrate_down_and_up(tmp_path):
    assert_tables_migrate(tmp_path, TABLES, "0006_i22_impact_money", kept=frozenset({"assessment"}))
