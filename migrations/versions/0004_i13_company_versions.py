"""Saved assessments as versions: the previous version, a version number and when the link was last opened.

Revision ID: 0004_i13_company
Revises: 0004_i14_staff
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_i13_company"
down_revision = "0004_i14_staff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add parent_id, version and seen_at to assessment."""
    with op.batch_alter_table("assessment") as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("seen_at", sa.DateTime, nullable=True))
        batch.create_foreign_key("fk_assessment_parent", "assessment", ["parent_id"], ["id"], ondelete="SET NULL")
        batch.create_index("ix_assessment_parent_id", ["parent_id"])


def downgrade() -> None:
    """Drop the version columns."""
    with op.batch_alter_table("assessment") as batch:
        batch.drop_index("ix_assessment_parent_id")
        batch.drop_constraint("fk_assessment_parent", type_="foreignkey")
        batch.drop_column("seen_at")
        batch.drop_column("version")
        batch.drop_column("parent_id")
