"""Request rate limiting: a moving-window limiter (the `limits` package) behind a small interface, wired per app.

The counts live in Redis when KB_REDIS_URL is set, so every worker and every server draws on one allowance per
client; without it they live in this process (the embedded default needs no Redis, and serves one process).
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Protocol

from flask import Flask, current_app
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0
TOKEN_MULTIPLIER = 10  # API-token holders get this many times the anonymous per-minute allowance
EXTENSION_KEY = "kb_rate_limiter"
MEMORY = "memory://"
KEY_PREFIX = "kb-rate"


@dataclass(frozen=True)
class Verdict:
    """The outcome of counting one request: allowed or not, what is left, and when to retry."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # whole seconds until one more request would be allowed (0 when allowed)


class RateLimiter(Protocol):
    """Anything that can count requests per key over a time window."""

    def hit(self, key: str, limit: int, window: float = WINDOW_SECONDS) -> Verdict: ...


class WindowRateLimiter:
    """An exact moving window per key in `limits` storage: memory:// for one process, redis:// for all of them.

    Refused requests are not counted, so a client that waits as told gets in. If the shared store cannot be
    reached, requests are let through (and logged): a Redis outage must not take the catalogue down with it.
    """

    def __init__(self, storage_uri: str = MEMORY, key_prefix: str = KEY_PREFIX):
        options = {"key_prefix": key_prefix} if not storage_uri.startswith("memory") else {}
        self.storage_uri = storage_uri
        self._storage = storage_from_string(storage_uri, **options)
        self._strategy = MovingWindowRateLimiter(self._storage)
        self._warned_at = 0.0

    def hit(self, key: str, limit: int, window: float = WINDOW_SECONDS) -> Verdict:
        item = RateLimitItemPerSecond(limit, max(1, int(window)))
        try:
            allowed = self._strategy.hit(item, key)
            reset_at, remaining = self._strategy.get_window_stats(item, key)
        except Exception as exc:  # noqa: BLE001 - any failure of the store: connection refused, timeout, auth
            if time.monotonic() - self._warned_at > 60:
                self._warned_at = time.monotonic()
                log.warning("rate limit store %s unavailable (%s); requests are not being limited",
                            _without_password(self.storage_uri), exc)
            return Verdict(True, limit, limit, 0)
        if allowed:
            return Verdict(True, limit, max(0, remaining), 0)
        return Verdict(False, limit, 0, max(1, math.ceil(reset_at - time.time())))

    def reset(self) -> None:
        """Forget every count (tests, and an operator lifting a block)."""
        self._storage.reset()


def _without_password(uri: str) -> str:
    scheme, sep, rest = uri.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if "@" in rest else uri


def limiter_for(app: Flask) -> WindowRateLimiter:
    """The limiter the settings ask for: shared through KB_REDIS_URL, or this process's memory."""
    return WindowRateLimiter(str(app.config.get("KB_REDIS_URL") or "") or MEMORY)


def init_app(app: Flask) -> None:
    """Give the app its limiter unless one was configured already."""
    if EXTENSION_KEY not in app.extensions:
        app.extensions[EXTENSION_KEY] = limiter_for(app)


def get_limiter(app: Flask | None = None) -> RateLimiter:
    return (app or current_app).extensions[EXTENSION_KEY]


def allowance(app: Flask, with_token: bool) -> int:
    """Requests per minute: the configured anonymous allowance, ten times that with an API token; 0 or less disables."""
    base = int(app.config.get("KB_RATE_LIMIT_PER_MINUTE", 120))
    return base * TOKEN_MULTIPLIER if with_token and base > 0 else base
