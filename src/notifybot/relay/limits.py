"""Tokens, request limits and per-token rate limiting (a token bucket on the injected clock)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import attrs

from notifybot.clock import Clock


@attrs.frozen
class Limits:
    """The relay's limits (all configurable through ``make_app(limits=...)``)."""

    #: Largest request body in bytes (aiohttp ``client_max_size``): 413 ``payload_too_large``.
    max_body_bytes: int = 4 * 1024 * 1024
    #: Most envelopes in one batch: 413 ``batch_too_large``.
    max_batch: int = 500
    #: Sustained requests per second per token, and the burst a token may spend at once.
    rate_per_second: float = 200.0
    burst: int = 400
    #: Below this many one-time prekeys a device is told (``prekeys_low``) to upload more.
    prekey_low: int = 10
    #: The customer-service window.
    window: timedelta = timedelta(hours=24)
    #: A template is suspended after this many mismatch reports.
    mismatch_suspend_after: int = 3
    #: Largest WebSocket frame accepted from a client.
    max_ws_frame: int = 4096
    #: Seconds (real time) between sweeps that delete expired items of every queue, also of
    #: devices that stay offline, and report them ``expired``; 0 turns the sweeper off (a
    #: connection still never receives an expired item).
    expiry_sweep_seconds: float = 60.0


def new_token() -> str:
    """A fresh bearer token (256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the relay stores instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


class RateLimiter:
    """One token bucket per key; time comes from ``clock`` (tests move it instead of waiting)."""

    def __init__(self, clock: Clock, rate_per_second: float, burst: int) -> None:
        if rate_per_second <= 0 or burst < 1:
            raise ValueError("rate_per_second must be > 0 and burst >= 1")
        self._clock = clock
        self._rate = rate_per_second
        self._burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at seconds)

    def take(self, key: str) -> float:
        """Spend one token for ``key``: 0.0 if allowed, else the seconds until one is free."""
        now = self._clock.now().timestamp()
        tokens, at = self._buckets.get(key, (self._burst, now))
        tokens = min(self._burst, tokens + max(0.0, now - at) * self._rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self._rate
