"""Saved assessments and their stored results.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the assessment and stored_result tables."""
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_assessment_token", "assessment", ["token"], unique=True)
    op.create_table(
        "stored_result",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False),
        sa.Column("rulepack", sa.String(64), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_stored_result_assessment_id", "stored_result", ["assessment_id"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_index("ix_stored_result_assessment_id", "stored_result")
    op.drop_table("stored_result")
    op.drop_index("ix_assessment_token", "assessment")
    op.drop_table("assessment")
