"""Every stored result records the backend that decided it ("durable", "vector+durable-sample").

Rows stored before this revision keep NULL: shown as "not recorded".

Revision ID: 0005_i10_backend_result_backend
Revises: 0004_i12_jobs_chunks (the head on main when branched)
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_i10_backend_result_backend"
down_revision = "0005_i12_impact_jobs"
branch_labels = None
depends_on = None
TABLES = ("stored_result", "agency_result", "agency_job_chunk", "agency_job")


def upgrade() -> None:
    """Add a nullable backend column to every table that stores verdicts (and to jobs, for their pages)."""
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("backend", sa.String(40), nullable=True))


def downgrade() -> None:
    """Drop the backend columns."""
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("backend")
