"""Impact previews over an uploaded sample file or the generated registry (staff_sample_impact).

Revision ID: 0008_s29_sample_impacts
Revises: 0007_i21_alerts (the head on main when branched)
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_s29_sample_impacts"
down_revision = "0007_i21_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the sample impact table."""
    op.create_table(
        "staff_sample_impact",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("draft_id", sa.Integer, sa.ForeignKey("staff_draft.id", ondelete="CASCADE"), nullable=True),
        sa.Column("draft_files", sa.JSON, nullable=False),
        sa.Column("live_seq", sa.Integer, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("suffix", sa.String(8), nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("before_version", sa.String(64), nullable=False),
        sa.Column("after_version", sa.String(64), nullable=False),
        sa.Column("backend", sa.String(64), nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("compared", sa.Integer, nullable=False),
        sa.Column("bad_rows", sa.Integer, nullable=False),
        sa.Column("unreadable", sa.Integer, nullable=False),
        sa.Column("bad", sa.JSON, nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("money", sa.JSON, nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
    )


def downgrade() -> None:
    """Drop the sample impact table."""
    op.drop_table("staff_sample_impact")
