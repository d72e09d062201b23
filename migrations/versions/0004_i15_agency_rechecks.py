"""Portfolio rechecks in the background, their kept change reports, and agency webhooks.

Revision ID: 0004_i15_agency
Revises: 0004_i13_company
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_i15_agency"
down_revision = "0004_i13_company"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the recheck and webhook tables."""
    op.create_table(
        "agency_recheck",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agency.id", ondelete="CASCADE"), nullable=False),
        sa.Column("rulepack", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("changed", sa.Integer, nullable=False),
        sa.Column("newly_eligible", sa.Integer, nullable=False),
        sa.Column("no_longer_eligible", sa.Integer, nullable=False),
        sa.Column("after_client", sa.Integer, nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_agency_recheck_agency_id", "agency_recheck", ["agency_id"])
    op.create_table(
        "agency_recheck_change",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("recheck_id", sa.Integer, sa.ForeignKey("agency_recheck.id", ondelete="CASCADE"), nullable=False),
        sa.Column("client_id", sa.Integer, sa.ForeignKey("agency_client.id", ondelete="CASCADE"), nullable=False),
        sa.Column("measure", sa.String(200), nullable=False),
        sa.Column("before", sa.String(16), nullable=True),
        sa.Column("after", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
    )
    op.create_index("ix_agency_recheck_change_recheck_id", "agency_recheck_change", ["recheck_id"])
    op.create_index("ix_agency_recheck_change_kind", "agency_recheck_change", ["kind"])
    op.create_table(
        "agency_webhook",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agency.id", ondelete="CASCADE"), nullable=False, unique=True),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    """Drop the recheck and webhook tables."""
    op.drop_table("agency_webhook")
    op.drop_table("agency_recheck_change")
    op.drop_table("agency_recheck")
