"""The transport seam: one short protocol, one method to send.

A transport takes one :class:`~notifybot.envelope.Envelope` and returns a :class:`Receipt`, or
raises a :class:`~notifybot.errors.TransportError` (retryable) or a
:class:`~notifybot.errors.Refusal` (permanent, e.g. the relay saw a block). Transports that
also receive (the relay) implement :class:`Connectable` and push inbound traffic to an
:class:`InboundSink` — the bot.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import attrs

from notifybot.envelope import Envelope


@attrs.frozen
class Receipt:
    """Proof that a transport accepted an envelope for delivery."""

    message_id: str
    device_id: int
    transport: str
    status: str = "accepted"


@attrs.frozen
class StatusUpdate:
    """A delivery status reported back for a message: ``delivered``, ``read``, ``failed``, or
    ``expired`` (its ``ttl=`` ran out before a device showed it: never shown there)."""

    message_id: str
    customer_id: str
    status: str
    timestamp_ms: int
    device_id: int = 0
    detail: str = ""


@runtime_checkable
class Transport(Protocol):
    """Carries envelopes towards customers' devices."""

    #: A short name used in receipts and logs.
    name: str
    #: True when the transport only ever carries end-to-end encrypted bodies.
    end_to_end: bool

    async def send(self, envelope: Envelope) -> Receipt:
        """Hand one envelope to the network."""
        ...


class InboundSink(Protocol):
    """What a receiving transport delivers to (implemented by the bot)."""

    async def receive_envelope(self, envelope: Envelope) -> object: ...

    async def receive_status(self, update: StatusUpdate) -> None: ...

    async def receive_block(self, customer_id: str, *, blocked: bool, source: str) -> None: ...


@runtime_checkable
class Connectable(Protocol):
    """A transport with a lifecycle that also receives inbound traffic."""

    async def start(self, sink: InboundSink) -> None: ...

    async def close(self) -> None: ...
