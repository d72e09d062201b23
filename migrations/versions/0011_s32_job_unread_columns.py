"""An agency job keeps the columns of its upload that no field claims (成立日期 where the template says 注册成立日期), so its
page can name them: their answers are not read, and the agency is told once instead of seeing every measure open.

Revision ID: 0011_s32_job_unread_columns
Revises: 0010_s32_redundant_indexes
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_s32_job_unread_columns"
down_revision = "0010_s32_redundant_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column (a job read before it has none: its page says nothing)."""
    with op.batch_alter_table("agency_job") as batch:
        batch.add_column(sa.Column("unread", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("agency_job") as batch:
        batch.drop_column("unread")
