"""Chunk leases: a chunk task a worker holds is renewed by its heartbeat; a sweep re-queues it once the lease expires.

Revision ID: 0006_i20_chunk_leases
Revises: 0004_i12_rest (the head on main when branched)
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_i20_chunk_leases"
down_revision = "0004_i12_rest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the chunk lease table."""
    op.create_table(
        "agency_chunk_lease",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("job_id", sa.Integer, sa.ForeignKey("agency_job.id", ondelete="CASCADE"), nullable=False),
        sa.Column("first_row", sa.Integer, nullable=False),
        sa.Column("last_row", sa.Integer, nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("worker", sa.String(200), nullable=True),
        sa.Column("expires_at", sa.DateTime, nullable=True),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("requeued", sa.Integer, nullable=False),
        sa.UniqueConstraint("job_id", "first_row", "last_row", name="uq_agency_chunk_lease_range"),
    )
    op.create_index("ix_agency_chunk_lease_job_id", "agency_chunk_lease", ["job_id"])
    op.create_index("ix_agency_chunk_lease_expires_at", "agency_chunk_lease", ["expires_at"])


def downgrade() -> None:
    """Drop the chunk lease table."""
    op.drop_index("ix_agency_chunk_lease_expires_at", "agency_chunk_lease")
    op.drop_index("ix_agency_chunk_lease_job_id", "agency_chunk_lease")
    op.drop_table("agency_chunk_lease")
