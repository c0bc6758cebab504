"""Signed webhooks: the relay POSTs statuses and blocks to a business's URL, if it set one.

Each request carries ``X-Notifybot-Timestamp`` (seconds since the epoch),
``X-Notifybot-Event`` (a unique event id) and ``X-Notifybot-Signature: v1=<hex>``, the
HMAC-SHA256 under the business's webhook secret of ``b"<timestamp>.<body>"``. A receiver
verifies with :class:`WebhookVerifier`, which also refuses a timestamp outside the tolerance
and an event id it has already accepted (replay).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from typing import Any

import aiohttp

from notifybot.clock import Clock
from notifybot.errors import EnvelopeError

log = logging.getLogger("notifybot.relay.webhooks")

TIMESTAMP_HEADER = "X-Notifybot-Timestamp"
SIGNATURE_HEADER = "X-Notifybot-Signature"
EVENT_HEADER = "X-Notifybot-Event"


class WebhookSignatureError(EnvelopeError):
    """A webhook request whose signature, timestamp or event id does not verify."""

    code = "bad_webhook_signature"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Notifybot-Signature`` value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


class WebhookVerifier:
    """Verifies webhook requests for one secret; remembers accepted event ids for replay."""

    def __init__(self, secret: str, clock: Clock, *, tolerance_s: int = 300) -> None:
        self._secret = secret
        self._clock = clock
        self._tolerance = tolerance_s
        self._seen: dict[str, int] = {}  # event id -> timestamp

    def verify(self, headers: Any, body: bytes) -> dict[str, Any]:
        """Check the request and return its JSON body, or raise WebhookSignatureError."""
        try:
            timestamp = int(headers[TIMESTAMP_HEADER])
            signature = str(headers[SIGNATURE_HEADER])
            event = str(headers[EVENT_HEADER])
        except (KeyError, ValueError):
            raise WebhookSignatureError("webhook request lacks its signature headers") from None
        if not hmac.compare_digest(sign(self._secret, timestamp, body), signature):
            raise WebhookSignatureError("webhook signature does not match")
        now = int(self._clock.now().timestamp())
        if abs(now - timestamp) > self._tolerance:
            raise WebhookSignatureError(f"webhook timestamp {timestamp} outside the window")
        self._seen = {e: t for e, t in self._seen.items() if now - t <= self._tolerance}
        if event in self._seen:
            raise WebhookSignatureError(f"webhook event {event!r} was already received")
        self._seen[event] = timestamp
        doc: dict[str, Any] = json.loads(body)
        return doc


class WebhookSender:
    """Posts signed events in the background (a few attempts, then gives up and logs)."""

    def __init__(self, clock: Clock, *, attempts: int = 3, timeout_s: float = 5.0) -> None:
        self._clock = clock
        self._attempts = attempts
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def drain(self) -> None:
        """Wait until every webhook started so far has finished (for tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def post(self, url: str, secret: str, event_id: str, doc: dict[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._post(url, secret, event_id, doc))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post(self, url: str, secret: str, event_id: str, doc: dict[str, Any]) -> None:
        assert self._session is not None, "WebhookSender.start() was not called"
        body = json.dumps(doc, separators=(",", ":")).encode()
        for attempt in range(self._attempts):
            ts = int(self._clock.now().timestamp())
            headers = {
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: str(ts),
                SIGNATURE_HEADER: sign(secret, ts, body),
                EVENT_HEADER: event_id,
            }
            try:
                async with self._session.post(url, data=body, headers=headers) as resp:
                    if resp.status < 300:
                        return
                    log.warning("webhook %s answered %s (attempt %d)", url, resp.status, attempt)
            except (aiohttp.ClientError, TimeoutError) as exc:
                log.warning("webhook %s failed: %s (attempt %d)", url, exc, attempt)
            await asyncio.sleep(0.1 * 2**attempt)
