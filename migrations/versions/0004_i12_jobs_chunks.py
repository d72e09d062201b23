"""Agency jobs: which worker checked each stored chunk (in-process thread or a Celery worker).

Revision ID: 0004_i12_jobs_chunks
Revises: 0004_i15_agency (the head on main when merged)
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_i12_jobs_chunks"
down_revision = "0004_i15_agency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the chunk table."""
    op.create_table(
        "agency_job_chunk",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("job_id", sa.Integer, sa.ForeignKey("agency_job.id", ondelete="CASCADE"), nullable=False),
        sa.Column("first_row", sa.Integer, nullable=False),
        sa.Column("last_row", sa.Integer, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("worker", sa.String(200), nullable=False),
        sa.Column("rulepack", sa.String(64), nullable=False),
        sa.Column("checked_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_agency_job_chunk_job_id", "agency_job_chunk", ["job_id"])


def downgrade() -> None:
    """Drop the chunk table."""
    op.drop_index("ix_agency_job_chunk_job_id", table_name="agency_job_chunk")
    op.drop_table("agency_job_chunk")
