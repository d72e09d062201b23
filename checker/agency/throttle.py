"""The one limit on failed sign-ins: per account with exponential backoff, and per client address.

An account's first few failures are free; each further failure doubles the wait before that account may
try again (capped), whatever the address, while other accounts are untouched. An address that fails many
times across accounts (password spraying) waits until its window drains. Counters live in the process
(enough for one waitress server; several processes each keep their own).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Policy:
    """Free failures and backoff per account; failures allowed per address within its window."""

    account_free: int = 5
    base_delay: float = 1.0
    max_delay: float = 900.0
    account_window: float = 3600.0
    address_limit: int = 30
    address_window: float = 900.0

    @classmethod
    def from_config(cls, config: Any) -> Policy:
        """The policy from LOGIN_* settings of a Flask config (defaults for those missing)."""
        names = {"account_free": "LOGIN_ACCOUNT_FREE", "base_delay": "LOGIN_BASE_DELAY", "max_delay": "LOGIN_MAX_DELAY",
                 "account_window": "LOGIN_ACCOUNT_WINDOW", "address_limit": "LOGIN_ADDRESS_LIMIT",
                 "address_window": "LOGIN_ADDRESS_WINDOW"}
        default = cls()
        return cls(**{f: type(getattr(default, f))(config.get(key, getattr(default, f))) for f, key in names.items()})


class Throttle:
    """Failed sign-ins per account and per address, and how long each must wait."""

    MAX_KEYS = 100_000

    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy or Policy()
        self.accounts: dict[str, deque[float]] = {}
        self.addresses: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    @staticmethod
    def _recent(table: dict[str, deque[float]], key: str, now: float, window: float) -> deque[float]:
        """The key's failures inside the window (older ones dropped)."""
        times = table.setdefault(key, deque())
        while times and times[0] <= now - window:
            times.popleft()
        return times

    def _account_wait(self, account: str, now: float) -> float:
        """Seconds the account must still wait: base * 2^(failures beyond the free ones), from its last failure."""
        p = self.policy
        times = self._recent(self.accounts, account, now, p.account_window)
        if len(times) < p.account_free:
            return 0.0
        delay = min(p.base_delay * 2 ** min(len(times) - p.account_free, 40), p.max_delay)
        return max(0.0, times[-1] + delay - now)

    def _address_wait(self, address: str, now: float) -> float:
        """Seconds the address must still wait: until its oldest failure leaves the window, once at the limit."""
        p = self.policy
        times = self._recent(self.addresses, address, now, p.address_window)
        if len(times) < p.address_limit:
            return 0.0
        return max(0.0, times[len(times) - p.address_limit] + p.address_window - now)

    def wait(self, account: str, address: str) -> float:
        """Seconds before this account may try from this address (0: go ahead)."""
        now = time.monotonic()
        with self.lock:
            return max(self._account_wait(account, now), self._address_wait(address, now))

    def fail(self, account: str, address: str) -> None:
        """Record one failed sign-in of the account from the address."""
        now = time.monotonic()
        with self.lock:
            if len(self.accounts) + len(self.addresses) > self.MAX_KEYS:
                self.accounts.clear()
                self.addresses.clear()
            self._recent(self.accounts, account, now, self.policy.account_window).append(now)
            self._recent(self.addresses, address, now, self.policy.address_window).append(now)

    def succeed(self, account: str) -> None:
        """Forget the account's failures after a successful sign-in (the address keeps its count)."""
        with self.lock:
            self.accounts.pop(account, None)
