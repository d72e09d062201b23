"""Shared state of every server process: failed sign-ins (one throttle for all processes).

Revision ID: 0004_i12_rest
Revises: 0004_i12_jobs_chunks (the head on main when branched)
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_i12_rest"
down_revision = "0004_i12_jobs_chunks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the failed sign-in table."""
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("key", sa.String(254), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_login_failure_key", "login_failure", ["kind", "key", "at"])
    op.create_index("ix_login_failure_at", "login_failure", ["at"])


def downgrade() -> None:
    """Drop the failed sign-in table."""
    op.drop_index("ix_login_failure_at", table_name="login_failure")
    op.drop_index("ix_login_failure_key", table_name="login_failure")
    op.drop_table("login_failure")
