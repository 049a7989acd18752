"""A small in-process sliding-window limiter for the supplier portal (per client IP).

Each worker process counts on its own, so with N workers a client gets at most N x the limit: enough to
stop token guessing at scale (a token has 256 random bits) without a database write per request.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class RateLimiter:
    """At most `limit` hits per key in any 60-second window."""

    WINDOW_S = 60.0
    MAX_KEYS = 10_000

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, limit: int, now: float | None = None) -> bool:
        """Count a hit for key; False (not counted) when the key already had `limit` hits in the window."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._hits) > self.MAX_KEYS:
                self._prune(now)
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= self.WINDOW_S:
                hits.popleft()
            if len(hits) >= limit:
                return False
            hits.append(now)
            return True

    def _prune(self, now: float) -> None:
        for key in [k for k, hits in self._hits.items() if not hits or now - hits[-1] >= self.WINDOW_S]:
            del self._hits[key]

    def reset(self) -> None:
        """Forget every count (tests, or an admin after an incident)."""
        with self._lock:
            self._hits.clear()


limiter = RateLimiter()
