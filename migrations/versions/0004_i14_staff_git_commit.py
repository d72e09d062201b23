"""Staff: each published rule-pack version records the rules repository's commit.

Revision ID: 0004_i14_staff
Revises: 0004_i12_auth
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_i14_staff"
down_revision = "0004_i12_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add staff_pack_version.commit."""
    with op.batch_alter_table("staff_pack_version") as batch:
        batch.add_column(sa.Column("commit", sa.String(64), nullable=True))
        batch.create_index("ix_staff_pack_version_commit", ["commit"])


def downgrade() -> None:
    """Drop staff_pack_version.commit."""
    with op.batch_alter_table("staff_pack_version") as batch:
        batch.drop_index("ix_staff_pack_version_commit")
        batch.drop_column("commit")
