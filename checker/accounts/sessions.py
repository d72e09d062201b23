"""Server-side sign-in sessions: a random key in the signed cookie, its digest and last use in the database.

Signing out ends one session, deactivating a user ends all of theirs, and a session unused for longer than
the idle limit (or older than the absolute limit) is refused, so a copied or replayed cookie stops working.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from checker.accounts.models import User, UserSession
from checker.db import brief_wait, rowcount
from checker.models import utcnow

log = logging.getLogger(__name__)
TOUCH_EVERY = dt.timedelta(seconds=60)  # last_seen is written at most this often per session
TOUCH_WAIT_MS = 500  # how long a touch waits for another writer before it is skipped


@dataclass(frozen=True)
class Limits:
    """How long a session lives: unused (idle) and in all (absolute)."""

    idle: dt.timedelta = dt.timedelta(hours=8)
    absolute: dt.timedelta = dt.timedelta(days=7)


def digest(key: str) -> str:
    """The stored form of a session key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def start(session: Session, user: User, limits: Limits = Limits()) -> str:
    """A new session for the user (its key goes in the cookie); prunes the user's dead sessions; the caller commits."""
    now = utcnow()
    session.execute(delete(UserSession).where(UserSession.user_id == user.id, or_(
        UserSession.ended_at.is_not(None), UserSession.last_seen < now - limits.idle,
        UserSession.created_at < now - limits.absolute)))
    key = secrets.token_urlsafe(32)
    session.add(UserSession(digest=digest(key), user_id=user.id, created_at=now, last_seen=now))
    session.flush()
    return key


def resume(session: Session, user_id: int, key: str, limits: Limits = Limits()) -> User | None:
    """The active user of a live session with this key, touching its last use; None when ended, idle or expired."""
    if not key:
        return None
    found = session.scalars(select(UserSession).where(UserSession.digest == digest(key))).first()
    now = utcnow()
    if found is None or found.user_id != user_id or found.ended_at is not None:
        return None
    if found.last_seen < now - limits.idle or found.created_at < now - limits.absolute:
        found.ended_at = now
        session.commit()
        return None
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    if now - found.last_seen >= TOUCH_EVERY:
        touch(session, found.digest, now)
    return user


def touch(session: Session, key_digest: str, now: dt.datetime) -> bool:
    """Record a session's last use, best effort: a database busy with another writer skips it (the next request
    a minute on tries again) rather than failing a page that only reads; True if written."""
    try:
        with brief_wait(session, TOUCH_WAIT_MS):
            session.execute(update(UserSession).where(UserSession.digest == key_digest).values(last_seen=now)
                            .execution_options(synchronize_session=False))
        session.commit()
        return True
    except OperationalError as exc:
        session.rollback()
        log.warning("session last use not recorded (the database is busy): %s", exc.orig)
        return False


def end(session: Session, key: str) -> None:
    """End the session with this key (sign-out); the caller commits."""
    if key:
        session.execute(update(UserSession).where(UserSession.digest == digest(key), UserSession.ended_at.is_(None))
                        .values(ended_at=utcnow()))


def end_all(session: Session, user_id: int) -> int:
    """End every open session of the user (deactivation, password change); how many; the caller commits."""
    result = session.execute(update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
                             .values(ended_at=utcnow()))
    return int(rowcount(result) or 0)
