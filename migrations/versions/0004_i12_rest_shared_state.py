"""Shared state of every server process: failed sign-ins (one throttle for all), webhook deliveries (retried, logged),
cached portfolio summaries.

Revision ID: 0004_i12_rest
Revises: 0004_i12_jobs_chunks (the head on main when branched)
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_i12_rest"
down_revision = "0005_i10_backend_result_backend"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the failed sign-in, webhook delivery and portfolio summary tables."""
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("key", sa.String(254), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_login_failure_key", "login_failure", ["kind", "key", "at"])
    op.create_index("ix_login_failure_at", "login_failure", ["at"])
    op.create_table(
        "agency_webhook_delivery",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agency.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_at", sa.DateTime, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_agency_webhook_delivery_agency_id", "agency_webhook_delivery", ["agency_id"])
    op.create_index("ix_agency_webhook_delivery_due", "agency_webhook_delivery", ["status", "next_at"])
    op.create_table(
        "agency_portfolio_summary",
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agency.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("rulepack", sa.String(64), nullable=False),
        sa.Column("stamp", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("computed_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    """Drop the failed sign-in, webhook delivery and portfolio summary tables."""
    op.drop_table("agency_portfolio_summary")
    op.drop_index("ix_agency_webhook_delivery_due", table_name="agency_webhook_delivery")
    op.drop_index("ix_agency_webhook_delivery_agency_id", table_name="agency_webhook_delivery")
    op.drop_table("agency_webhook_delivery")
    op.drop_index("ix_login_failure_at", table_name="login_failure")
    op.drop_index("ix_login_failure_key", table_name="login_failure")
    op.drop_table("login_failure")
