"""Alerts (定向订阅): e-mail subscriptions of saved assessments and the outbox of their mails.

Revision ID: 0007_i21_alerts
Revises: 0006_i22_impact_money (the head on main when merged)
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_i21_alerts"
down_revision = "0006_i22_impact_money"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the subscription and mail tables."""
    op.create_table(
        "alert_subscription",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("confirmed_at", sa.DateTime, nullable=True),
        sa.Column("seen_id", sa.Integer, nullable=True),
        sa.Column("rulepack", sa.String(64), nullable=True),
        sa.Column("verdicts", sa.JSON, nullable=False),
        sa.Column("windows_seen", sa.JSON, nullable=False),
        sa.UniqueConstraint("assessment_id", "email", name="uq_alert_subscription_address"),
    )
    op.create_index("ix_alert_subscription_assessment_id", "alert_subscription", ["assessment_id"])
    op.create_index("ix_alert_subscription_token", "alert_subscription", ["token"], unique=True)
    op.create_index("ix_alert_subscription_confirmed_at", "alert_subscription", ["confirmed_at"])
    op.create_table(
        "alert_mail",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subscription_id", sa.Integer, sa.ForeignKey("alert_subscription.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_at", sa.DateTime, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_alert_mail_subscription_id", "alert_mail", ["subscription_id"])


def downgrade() -> None:
    """Drop the mail and subscription tables."""
    op.drop_index("ix_alert_mail_subscription_id", table_name="alert_mail")
    op.drop_table("alert_mail")
    op.drop_index("ix_alert_subscription_confirmed_at", table_name="alert_subscription")
    op.drop_index("ix_alert_subscription_token", table_name="alert_subscription")
    op.drop_index("ix_alert_subscription_assessment_id", table_name="alert_subscription")
    op.drop_table("alert_subscription")
