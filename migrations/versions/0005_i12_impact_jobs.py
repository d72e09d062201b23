"""Staff impact previews as background jobs: progress and the kept report.

Revision ID: 0005_i12_impact_jobs
Revises: 0004_i12_jobs_chunks
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_i12_impact_jobs"
down_revision = "0004_i12_jobs_chunks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the impact job table."""
    op.create_table(
        "staff_impact_job",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("draft_id", sa.Integer, sa.ForeignKey("staff_draft.id", ondelete="CASCADE"), nullable=True),
        sa.Column("draft_files", sa.JSON, nullable=True),
        sa.Column("target_seq", sa.Integer, nullable=True),
        sa.Column("live_seq", sa.Integer, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("before_version", sa.String(64), nullable=False),
        sa.Column("after_version", sa.String(64), nullable=False),
        sa.Column("backend", sa.String(64), nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("last_assessment", sa.Integer, nullable=False),
        sa.Column("last_client", sa.Integer, nullable=False),
        sa.Column("after_assessment", sa.Integer, nullable=False),
        sa.Column("after_client", sa.Integer, nullable=False),
        sa.Column("unreadable", sa.Integer, nullable=False),
        sa.Column("changed", sa.Integer, nullable=False),
        sa.Column("companies_total", sa.Integer, nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("rows", sa.JSON, nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_staff_impact_job_key", "staff_impact_job", ["key"])


def downgrade() -> None:
    """Drop the impact job table."""
    op.drop_index("ix_staff_impact_job_key", table_name="staff_impact_job")
    op.drop_table("staff_impact_job")
