"""Impact previews keep their money summary (amounts per money type, before/after totals, who gains or loses) and
the hash of the texts they previewed (publishing requires a preview of exactly those texts).

Revision ID: 0006_i22_impact_money
Revises: 0006_i20_chunk_leases
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_i22_impact_money"
down_revision = "0006_i20_chunk_leases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the money and text_hash columns of staff_impact_job."""
    with op.batch_alter_table("staff_impact_job") as batch:
        batch.add_column(sa.Column("money", sa.JSON, nullable=True))
        batch.add_column(sa.Column("text_hash", sa.String(64), nullable=False, server_default=""))
        batch.create_index("ix_staff_impact_job_text_hash", ["text_hash"])


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("staff_impact_job") as batch:
        batch.drop_index("ix_staff_impact_job_text_hash")
        batch.drop_column("text_hash")
        batch.drop_column("money")
