"""Staff features: published rule-pack versions, drafts and the audit log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the staff tables."""
    op.create_table(
        "staff_pack_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("author", sa.String(254), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_staff_pack_version_seq", "staff_pack_version", ["seq"], unique=True)
    op.create_index("ix_staff_pack_version_hash", "staff_pack_version", ["hash"])
    op.create_table(
        "staff_draft",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author", sa.String(254), nullable=False),
        sa.Column("measure", sa.String(200), nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("bases", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "staff_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("author", sa.String(254), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("measure", sa.String(200), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
    )
    op.create_index("ix_staff_audit_created_at", "staff_audit", ["created_at"])


def downgrade() -> None:
    """Drop the staff tables."""
    for table in ("staff_audit", "staff_draft", "staff_pack_version"):
        op.drop_table(table)
