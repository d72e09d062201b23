"""The pending rows of a job found by an index: each chunk walked the job's rows from its first (quadratic in rows).

Revision ID: 0009_i25_job_row_pending
Revises: 0008_s29_sample_impacts
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0009_i25_job_row_pending"
down_revision = "0008_s29_sample_impacts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Index a job's rows by state, then number."""
    op.create_index("ix_agency_job_row_pending", "agency_job_row", ["job_id", "state", "number"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_agency_job_row_pending", "agency_job_row")
