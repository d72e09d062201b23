"""Agency accounts, API tokens, client portfolios, batch jobs with per-row state, and results.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _now_cols() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime, nullable=False)]


def upgrade() -> None:
    """Create the agency tables."""
    op.create_table(
        "agency",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        *_now_cols(),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agency.id", ondelete="CASCADE"), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        *_now_cols(),
    )
    op.create_index("ix_app_user_email", "app_user", ["email"], unique=True)
    op.create_index("ix_app_user_agency_id", "app_user", ["agency_id"])
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        *_now_cols(),
    )
    op.create_index("ix_api_token_user_id", "api_token", ["user_id"])
    op.create_index("ix_api_token_digest", "api_token", ["digest"], unique=True)
    op.create_table(
        "agency_client",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agency.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("agency_id", "key", name="uq_agency_client_key"),
    )
    op.create_index("ix_agency_client_agency_id", "agency_client", ["agency_id"])
    _jobs()
    _results()


def _jobs() -> None:
    """The job and job-row tables."""
    op.create_table(
        "agency_job",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agency.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("rulepack", sa.String(64), nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_agency_job_agency_id", "agency_job", ["agency_id"])
    op.create_index("ix_agency_job_status", "agency_job", ["status"])
    op.create_table(
        "agency_job_row",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("job_id", sa.Integer, sa.ForeignKey("agency_job.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("raw", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("problems", sa.JSON, nullable=False),
        sa.Column("client_id", sa.Integer, sa.ForeignKey("agency_client.id", ondelete="SET NULL"), nullable=True),
        sa.UniqueConstraint("job_id", "number", name="uq_agency_job_row_number"),
    )
    op.create_index("ix_agency_job_row_job_id", "agency_job_row", ["job_id"])


def _results() -> None:
    """The stored results of clients."""
    op.create_table(
        "agency_result",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agency.id", ondelete="CASCADE"), nullable=False),
        sa.Column("client_id", sa.Integer, sa.ForeignKey("agency_client.id", ondelete="CASCADE"), nullable=False),
        sa.Column("job_id", sa.Integer, sa.ForeignKey("agency_job.id", ondelete="CASCADE"), nullable=True),
        sa.Column("row_number", sa.Integer, nullable=True),
        sa.Column("rulepack", sa.String(64), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
        *_now_cols(),
    )
    op.create_index("ix_agency_result_agency_id", "agency_result", ["agency_id"])
    op.create_index("ix_agency_result_client_id", "agency_result", ["client_id"])
    op.create_index("ix_agency_result_job_id", "agency_result", ["job_id"])


def downgrade() -> None:
    """Drop the agency tables, newest first."""
    for table in ("agency_result", "agency_job_row", "agency_job", "agency_client", "api_token", "app_user", "agency"):
        op.drop_table(table)
