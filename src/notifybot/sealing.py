"""The seal step: turn one accepted message into one envelope per recipient device.

:class:`PlaintextSealer` is for transports that are not end-to-end (memory, external
platforms); ``notifybot.crypto`` provides the Signal sealer for end-to-end transports.
"""

from __future__ import annotations

from typing import Protocol

import attrs

from notifybot.envelope import Content, Envelope, EnvelopeType


@attrs.frozen
class OutboundMessage:
    """An accepted message, before sealing."""

    message_id: str
    sender: str
    recipient: str
    content: Content
    timestamp_ms: int
    category: str | None = None
    #: Not deliverable from this instant on (ms since the epoch); None: no time to live.
    expires_ms: int | None = None


class Sealer(Protocol):
    """Seals outbound messages and opens inbound envelopes."""

    #: True when the envelopes it makes are end-to-end encrypted.
    end_to_end: bool

    async def seal(self, message: OutboundMessage) -> list[Envelope]:
        """One envelope per device of the recipient."""
        ...

    async def open(self, envelope: Envelope) -> Content:
        """Verify and open an inbound envelope; raise EnvelopeError/CryptoError if bad."""
        ...


class PlaintextSealer:
    """No encryption: the body is the JSON content (only for non-end-to-end transports)."""

    end_to_end = False

    async def seal(self, message: OutboundMessage) -> list[Envelope]:
        return [
            Envelope(
                message_id=message.message_id,
                sender=message.sender,
                recipient=message.recipient,
                device_id=0,
                type=EnvelopeType.PLAINTEXT,
                timestamp_ms=message.timestamp_ms,
                body=message.content.to_bytes(),
                template_id=message.content.template_id,
                category=message.category,
                expires_ms=message.expires_ms,
            )
        ]

    async def open(self, envelope: Envelope) -> Content:
        from notifybot.errors import EnvelopeError

        if envelope.type is not EnvelopeType.PLAINTEXT:
            raise EnvelopeError("PlaintextSealer cannot open an encrypted envelope")
        return Content.from_bytes(envelope.body)
