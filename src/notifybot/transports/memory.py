"""An in-process transport that records what it is given (for tests, demos, development)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from notifybot.envelope import Envelope
from notifybot.errors import TransportError
from notifybot.transports.base import Receipt

Listener = Callable[[Envelope], Awaitable[None] | None]


class MemoryTransport:
    """Keeps every envelope it is sent in ``sent`` and calls listeners for each one.

    Delivery is immediate: listeners get each envelope inside ``send``, and nothing is
    queued, so an envelope's expiry (``ttl=``) never comes into play here; it travels
    unchanged in the envelope. ``sent`` is a record of what was sent, not a delivery queue.
    ``fail_next(exc)`` makes the next send raise, to exercise retry and refusal paths.
    """

    name = "memory"
    end_to_end = False

    def __init__(self) -> None:
        self.sent: list[Envelope] = []
        self._listeners: list[Listener] = []
        self._failures: list[TransportError] = []
        self._lock = asyncio.Lock()

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(envelope)`` for every envelope sent from now on."""
        self._listeners.append(listener)

    def fail_next(self, exc: TransportError) -> None:
        """Make the next ``send`` raise ``exc`` instead of delivering."""
        self._failures.append(exc)

    async def send(self, envelope: Envelope) -> Receipt:
        async with self._lock:
            if self._failures:
                raise self._failures.pop(0)
            self.sent.append(envelope)
            for listener in self._listeners:
                result = listener(envelope)
                if result is not None:
                    await result
        return Receipt(envelope.message_id, envelope.device_id, self.name)
