"""Server-side sign-in sessions; API tokens gain an expiry, revocation and last use.

Tokens were already stored as SHA-256 digests, so none needs re-hashing; tokens issued before this
migration never expired, so each now expires 90 days after the migration (their owners see it on the
tokens page and can issue new ones).

Revision ID: 0004_i12_auth
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0004_i12_auth"
down_revision = "0003"
branch_labels = None
depends_on = None

LEGACY_TOKEN_DAYS = 90


def upgrade() -> None:
    """Create user_session; add expires_at, revoked_at, last_used_at to api_token and give old tokens an expiry."""
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen", sa.DateTime, nullable=False),
        sa.Column("ended_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_user_session_digest", "user_session", ["digest"], unique=True)
    op.create_index("ix_user_session_user_id", "user_session", ["user_id"])
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime, nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.DateTime, nullable=True))
        batch.add_column(sa.Column("last_used_at", sa.DateTime, nullable=True))
    expiry = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=LEGACY_TOKEN_DAYS)
    tokens = sa.table("api_token", sa.column("expires_at", sa.DateTime))
    op.execute(tokens.update().where(tokens.c.expires_at.is_(None)).values(expires_at=expiry))


def downgrade() -> None:
    """Drop user_session and the token columns."""
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("revoked_at")
        batch.drop_column("expires_at")
    op.drop_index("ix_user_session_user_id", table_name="user_session")
    op.drop_index("ix_user_session_digest", table_name="user_session")
    op.drop_table("user_session")
