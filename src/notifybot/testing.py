"""Test helpers for bot developers: fake customers, a movable clock, captured notifications.

::

    clock = ManualClock()
    bot = Bot(profile, templates=..., clock=clock)          # MemoryTransport by default
    async with bot:
        alice = FakeCustomer(bot, "alice", phone="+15145550123")
        await alice.send("hi")
        with capture_notifications(bot) as sent:
            await bot.notify("boarding_pass", event)
        assert sent[0].template == "boarding_pass"
        assert "Gate" in alice.texts[-1]
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import attrs

from notifybot.bot import Bot
from notifybot.clock import ManualClock, to_millis
from notifybot.envelope import Button, Content, Envelope, EnvelopeType
from notifybot.errors import ConfigurationError
from notifybot.results import Accepted, InboundMessage
from notifybot.transports.memory import MemoryTransport

__all__ = ["CapturedNotification", "FakeCustomer", "ManualClock", "capture_notifications"]


@attrs.frozen
class CapturedNotification:
    """One message the bot accepted, as ``capture_notifications`` records it."""

    customer_id: str
    message_id: str
    template: str | None
    category: str
    text: str
    buttons: tuple[Button, ...]
    price_micros: int
    billable: bool


@contextmanager
def capture_notifications(bot: Bot) -> Iterator[list[CapturedNotification]]:
    """Record every message ``bot`` accepts while the block runs."""
    captured: list[CapturedNotification] = []

    def listener(result: Accepted, content: Content) -> None:
        captured.append(
            CapturedNotification(
                result.customer_id,
                result.message_id,
                result.template,
                result.category,
                content.text,
                content.buttons,
                result.price_micros,
                result.billable,
            )
        )

    bot.sent_listeners.append(listener)
    try:
        yield captured
    finally:
        bot.sent_listeners.remove(listener)


class FakeCustomer:
    """A customer's phone, for a bot using the in-memory transport (plaintext envelopes).

    ``received`` holds what reached the customer, de-duplicated by message id as a real
    device does.
    """

    def __init__(
        self,
        bot: Bot,
        customer_id: str,
        *,
        phone: str | None = None,
        locale: str | None = None,
        device_id: int = 1,
    ) -> None:
        if not isinstance(bot.transport, MemoryTransport):
            raise ConfigurationError("FakeCustomer needs a bot on a MemoryTransport")
        self.bot = bot
        self.customer_id = customer_id
        self.phone = phone
        self.locale = locale
        self.device_id = device_id
        self.received: list[Content] = []
        self._seen: set[str] = set()
        bot.transport.subscribe(self._on_envelope)

    def _on_envelope(self, envelope: Envelope) -> None:
        if envelope.recipient != self.customer_id or envelope.message_id in self._seen:
            return
        self._seen.add(envelope.message_id)
        self.received.append(Content.from_bytes(envelope.body))

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.received]

    async def register(self) -> None:
        """Make the customer known to the business (e.g. from a booking), without consent."""
        await self.bot.add_customer(self.customer_id, phone=self.phone, locale=self.locale)

    async def send(self, text: str) -> InboundMessage | None:
        """Write to the business (registering first if needed)."""
        if await self.bot.store.get_customer(self.customer_id) is None:
            await self.register()
        envelope = Envelope(
            message_id=uuid.uuid4().hex,
            sender=self.customer_id,
            recipient=self.bot.business_id,
            device_id=self.device_id,
            type=EnvelopeType.PLAINTEXT,
            timestamp_ms=to_millis(self.bot.clock.now()),
            body=Content(text, locale=self.locale).to_bytes(),
        )
        return await self.bot.receive_envelope(envelope)

    async def block(self) -> None:
        await self.bot.receive_block(self.customer_id, blocked=True, source="customer")

    async def unblock(self) -> None:
        await self.bot.receive_block(self.customer_id, blocked=False, source="customer")
