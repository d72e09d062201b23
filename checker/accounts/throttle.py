"""The one limit on failed sign-ins: per account with exponential backoff, and per client address.

An account's first few failures are free; each further failure doubles the wait before that account may
try again (capped), whatever the address, while other accounts are untouched. An address that fails many
times across accounts (password spraying) waits until its window drains. Failures live in the shared
database (login_failure), so every server process sees the same counts.

Check and record are one step (`admit`): the attempt is counted as a failure before the password is checked,
inside a transaction that holds the write lock (SQLite: the transaction starts with a write; PostgreSQL: an
advisory lock per account and per address), and a successful sign-in takes it back. So parallel guesses can
never get more than the free failures through.

Anyone can push an account into backoff by guessing. So that this does not lock the real user out, a browser
that signed in successfully gets a signed "known device" cookie for that account (checker/web/accounts/devices.py);
from such a browser the account backoff is its own, counted from its own failures (the address limit still applies).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from checker.accounts.models import LoginFailure
from checker.config import SETTINGS, setting

KEY_LENGTH = 254


def account_key(account: str, device: str | None = None) -> str:
    """The key an account's failures are counted under: the account, or the account on one known device."""
    return account[:KEY_LENGTH] if device is None else f"{account[:KEY_LENGTH - 18]}#{device[:16]}"


@dataclass(frozen=True)
class Policy:
    """Free failures and backoff per account; failures allowed per address within its window."""

    account_free: int = SETTINGS["LOGIN_ACCOUNT_FREE"]
    base_delay: float = SETTINGS["LOGIN_BASE_DELAY"]
    max_delay: float = SETTINGS["LOGIN_MAX_DELAY"]
    account_window: float = SETTINGS["LOGIN_ACCOUNT_WINDOW"]
    address_limit: int = SETTINGS["LOGIN_ADDRESS_LIMIT"]
    address_window: float = SETTINGS["LOGIN_ADDRESS_WINDOW"]

    @classmethod
    def from_config(cls, config: Any) -> Policy:
        """The policy from the LOGIN_* settings: the app config's, else the environment's, else the defaults."""
        names = {"account_free": "LOGIN_ACCOUNT_FREE", "base_delay": "LOGIN_BASE_DELAY", "max_delay": "LOGIN_MAX_DELAY",
                 "account_window": "LOGIN_ACCOUNT_WINDOW", "address_limit": "LOGIN_ADDRESS_LIMIT",
                 "address_window": "LOGIN_ADDRESS_WINDOW"}
        return cls(**{f: setting(key, config) for f, key in names.items()})


class Throttle:
    """Failed sign-ins per account and per address, kept in the database, and how long each must wait."""

    def __init__(self, sessions: sessionmaker[Session], policy: Policy | None = None) -> None:
        self.sessions = sessions
        self.policy = policy or Policy()

    @staticmethod
    def _recent(session: Session, kind: str, key: str, since: float) -> tuple[int, float | None]:
        """How many failures of the key since the time, and the newest one."""
        where = (LoginFailure.kind == kind, LoginFailure.key == key[:KEY_LENGTH], LoginFailure.at > since)
        count, newest = session.execute(select(func.count(), func.max(LoginFailure.at)).where(*where)).one()
        return int(count or 0), newest

    def _account_wait(self, session: Session, account: str, now: float) -> float:
        """Seconds the account must still wait: base * 2^(failures beyond the free ones), from its last failure."""
        p = self.policy
        count, newest = self._recent(session, "account", account, now - p.account_window)
        if count < p.account_free or newest is None:
            return 0.0
        delay = min(p.base_delay * 2 ** min(count - p.account_free, 40), p.max_delay)
        return max(0.0, newest + delay - now)

    def _address_wait(self, session: Session, address: str, now: float) -> float:
        """Seconds the address must still wait: until enough of its failures leave the window, once at the limit."""
        p = self.policy
        since = now - p.address_window
        where = (LoginFailure.kind == "address", LoginFailure.key == address[:KEY_LENGTH], LoginFailure.at > since)
        count = session.scalar(select(func.count()).where(*where)) or 0
        if count < p.address_limit:
            return 0.0
        # the failure whose leaving the window brings the count under the limit
        pivot = session.scalar(select(LoginFailure.at).where(*where).order_by(LoginFailure.at.desc())
                               .offset(p.address_limit - 1).limit(1))
        return max(0.0, (pivot or now) + p.address_window - now)

    def admit(self, account: str, address: str, device: str | None = None) -> tuple[float, int | None]:
        """Check and count one sign-in attempt at once: (seconds to wait, nothing counted) when refused, else
        (0, the id of the address failure counted for it), the account failure counted as well; `succeed` takes
        them back. From a known device (its id) the account backoff is the device's own: failures elsewhere do
        not hold it up; the address limit applies all the same."""
        now, key = time.time(), account_key(account, device)
        with self.sessions() as session:
            self._lock(session, key, address, now)
            wait = max(self._address_wait(session, address, now), self._account_wait(session, key, now))
            if wait > 0:
                session.rollback()
                return wait, None
            mark = LoginFailure(kind="address", key=address[:KEY_LENGTH], at=now)
            session.add_all([LoginFailure(kind="account", key=key, at=now), mark])
            session.commit()
            return 0.0, mark.id

    def _lock(self, session: Session, account: str, address: str, now: float) -> None:
        """Take the write lock that makes check-and-count atomic, pruning failures older than every window."""
        if session.get_bind().dialect.name == "postgresql":
            for key in (f"account:{account[:KEY_LENGTH]}", f"address:{address[:KEY_LENGTH]}"):  # always this order
                number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": number})
        oldest = now - max(self.policy.account_window, self.policy.address_window)
        # the transaction's first statement is a write: SQLite takes its write lock before anything is counted
        session.execute(delete(LoginFailure).where(LoginFailure.at <= oldest))

    def succeed(self, account: str, admitted: int | None = None, device: str | None = None) -> None:
        """Forget the account's failures (and the device's) after a successful sign-in; the address keeps its count,
        less the attempt `admit` counted for this sign-in."""
        with self.sessions() as session:
            session.execute(delete(LoginFailure).where(
                LoginFailure.kind == "account", LoginFailure.key.in_({account[:KEY_LENGTH], account_key(account, device)})))
            if admitted is not None:
                session.execute(delete(LoginFailure).where(LoginFailure.id == admitted))
            session.commit()
