"""Per-user limits: how many questions (and "Show sources" presses) a user may send per window, in one process."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable


class RateLimiter:
    """At most `limit` events per `window` seconds per key (sliding window)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._events: dict[Hashable, deque[float]] = {}
        self._noticed: dict[Hashable, float] = {}

    def hit(self, key: Hashable) -> float:
        """Count one event; 0.0 if allowed, else the seconds until the next one would be."""
        if self.limit <= 0:
            return 0.0
        now = self.clock()
        events = self._events.setdefault(key, deque())
        while events and now - events[0] >= self.window:
            events.popleft()
        if len(events) >= self.limit:
            return max(0.1, self.window - (now - events[0]))
        events.append(now)
        if len(self._events) > 10_000:
            self._prune(now)
        return 0.0

    def notice_due(self, key: Hashable) -> bool:
        """True once per window for a limited key: the flood gets one notice, not one per message."""
        now = self.clock()
        if now - self._noticed.get(key, -self.window) < self.window:
            return False
        self._noticed[key] = now
        return True

    def _prune(self, now: float) -> None:
        for key in [k for k, v in self._events.items() if not v or now - v[-1] >= self.window]:
            del self._events[key]
        for key in [k for k, t in self._noticed.items() if now - t >= self.window]:
            del self._noticed[key]
