"""API tokens: named, expiring, revocable; only a token's SHA-256 digest is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from checker.accounts.models import ApiToken, User
from checker.accounts.users import AccountError
from checker.models import utcnow

TOKEN_DAYS = 90  # a new API token's default life
MAX_TOKEN_DAYS = 366
TOUCH_EVERY = dt.timedelta(seconds=60)  # a token's last use is written at most this often


def _digest(token: str) -> str:
    """The stored form of an API token (tokens are long random strings, so a plain hash suffices)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, user: User, label: str = "", days: int = TOKEN_DAYS) -> str:
    """A new named API token for the user, expiring after `days` (1..MAX_TOKEN_DAYS); only its digest is stored.

    The caller shows the token once and commits.
    """
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise AccountError(f"days: a token lives 1 to {MAX_TOKEN_DAYS} days, not {days}")
    token = "pc_" + secrets.token_urlsafe(32)
    expires = utcnow() + dt.timedelta(days=days)
    session.add(ApiToken(user_id=user.id, digest=_digest(token), label=label.strip()[:100], expires_at=expires))
    session.flush()
    return token


def token_check(session: Session, token: str) -> tuple[User | None, str]:
    """The active user owning this token and "ok", else None and why: missing, unknown, expired, revoked, inactive."""
    if not token:
        return None, "missing"
    found = session.scalars(select(ApiToken).where(ApiToken.digest == _digest(token))).first()
    if found is None:
        return None, "unknown"
    now = utcnow()
    state = found.state(now)
    if state != "active":
        return None, state
    if not found.user.active:
        return None, "inactive"
    if found.last_used_at is None or now - found.last_used_at >= TOUCH_EVERY:
        found.last_used_at = now
        session.commit()
    return found.user, "ok"


def token_user(session: Session, token: str) -> User | None:
    """The active user owning this live API token, else None."""
    return token_check(session, token)[0]


def user_tokens(session: Session, user: User | None = None) -> list[ApiToken]:
    """Every token of the user (of everyone when None), oldest first."""
    query = select(ApiToken).order_by(ApiToken.id)
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(session.scalars(query))


def revoke_token(session: Session, token_id: int, user: User | None = None) -> ApiToken:
    """Revoke a token (only the user's own when a user is given); revoking twice keeps the first time; the caller commits."""
    found = session.get(ApiToken, token_id)
    if found is None or (user is not None and found.user_id != user.id):
        raise AccountError(f"no API token #{token_id}" + ("" if user is None else " of yours"))
    if found.revoked_at is None:
        found.revoked_at = utcnow()
    return found
