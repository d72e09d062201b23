"""Two indexes another index already holds: a job's rows by job (the unique (job_id, number) and the pending index
lead with it) and an agency's clients by agency (the unique (agency_id, key) leads with it); ~9 bytes per row each.

Revision ID: 0010_s32_redundant_indexes
Revises: 0009_i25_job_row_pending
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0010_s32_redundant_indexes"
down_revision = "0009_i25_job_row_pending"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Drop the two indexes."""
    op.drop_index("ix_agency_job_row_job_id", "agency_job_row")
    op.drop_index("ix_agency_client_agency_id", "agency_client")


def downgrade() -> None:
    """Create them again."""
    op.create_index("ix_agency_client_agency_id", "agency_client", ["agency_id"])
    op.create_index("ix_agency_job_row_job_id", "agency_job_row", ["job_id"])
