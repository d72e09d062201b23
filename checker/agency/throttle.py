"""A small in-memory limit on failed sign-ins per email and per client address."""

from __future__ import annotations

import threading
import time
from collections import deque


class Throttle:
    """At most `limit` failures per key within `window` seconds (per process; enough for one waitress server)."""

    def __init__(self, limit: int = 10, window: float = 900.0) -> None:
        self.limit, self.window = limit, window
        self.failures: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        """The key's failures inside the window (older ones dropped)."""
        times = self.failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def blocked(self, *keys: str) -> bool:
        """Whether any key has used up its failures."""
        now = time.monotonic()
        with self.lock:
            return any(len(self._recent(k, now)) >= self.limit for k in keys)

    def fail(self, *keys: str) -> None:
        """Record one failure for each key."""
        now = time.monotonic()
        with self.lock:
            for key in keys:
                self._recent(key, now).append(now)
            if len(self.failures) > 100_000:
                self.failures.clear()

    def clear(self, *keys: str) -> None:
        """Forget the keys' failures after a successful sign-in."""
        with self.lock:
            for key in keys:
                self.failures.pop(key, None)
