"""Request rate limiting for the JSON API: a sliding-window limiter behind a small interface, wired per app."""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Protocol

from flask import Flask, current_app

WINDOW_SECONDS = 60.0
TOKEN_MULTIPLIER = 10  # API-token holders get this many times the anonymous per-minute allowance
EXTENSION_KEY = "kb_rate_limiter"


@dataclass(frozen=True)
class Verdict:
    """The outcome of counting one request: allowed or not, what is left, and when to retry."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # whole seconds until one more request would be allowed (0 when allowed)


class RateLimiter(Protocol):
    """Anything that can count requests per key over a time window (memory here; Redis or a table elsewhere)."""

    def hit(self, key: str, limit: int, window: float = WINDOW_SECONDS) -> Verdict: ...


class MemoryRateLimiter:
    """Exact sliding window kept in this process: the times of the allowed requests of each key.

    One process only: behind several workers each counts its own share, which the setting's
    help accepts. Refused requests are not counted, so a client that waits as told gets in.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        self._clock = clock
        self._max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._last_sweep = clock()

    def hit(self, key: str, limit: int, window: float = WINDOW_SECONDS) -> Verdict:
        now = self._clock()
        with self._lock:
            self._sweep(now, window)
            times = self._hits.setdefault(key, deque())
            while times and times[0] <= now - window:
                times.popleft()
            if len(times) >= limit:
                wait = times[len(times) - limit] + window - now
                return Verdict(False, limit, 0, max(1, math.ceil(wait)))
            times.append(now)
            return Verdict(True, limit, limit - len(times), 0)

    def __len__(self) -> int:
        """How many clients are remembered."""
        return len(self._hits)

    def _sweep(self, now: float, window: float) -> None:
        """Forget idle keys now and then, so memory follows the clients of the last window only."""
        if now - self._last_sweep < window and len(self._hits) < self._max_keys:
            return
        self._last_sweep = now
        for key in [k for k, times in self._hits.items() if not times or times[-1] <= now - window]:
            del self._hits[key]


def init_app(app: Flask) -> None:
    """Give the app its limiter unless one was configured already (a shared backend, say)."""
    app.extensions.setdefault(EXTENSION_KEY, MemoryRateLimiter())


def get_limiter(app: Flask | None = None) -> RateLimiter:
    return (app or current_app).extensions[EXTENSION_KEY]


def allowance(app: Flask, with_token: bool) -> int:
    """Requests per minute: the configured anonymous allowance, ten times that with an API token; 0 or less disables."""
    base = int(app.config.get("KB_RATE_LIMIT_PER_MINUTE", 120))
    return base * TOKEN_MULTIPLIER if with_token and base > 0 else base
