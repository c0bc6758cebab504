"""What the customer sees: inbox messages, and a queue and hooks announcing new ones."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Literal

import attrs

from notifybot.envelope import Button

log = logging.getLogger("notifybot.client")

#: ``in``: from a business; ``out``: written on this device.
Direction = Literal["in", "out"]
#: A hook called with each new message (a plain function or a coroutine function).
Hook = Callable[["InboxMessage"], Awaitable[None] | None]


@attrs.frozen
class InboxMessage:
    """One message of a conversation with a business, as the device shows it.

    ``status``: for received messages ``received`` then ``read``; ``flagged`` for a message
    that did not match its approved template (not shown, reported to the relay). For sent
    ones ``sent``.
    """

    message_id: str
    business_id: str
    direction: Direction
    text: str
    at: datetime
    buttons: tuple[Button, ...] = ()
    template_id: str | None = None
    category: str | None = None
    status: str = "received"
    detail: str = ""


class Inbox:
    """The device's messages in arrival order, plus ``flagged`` ones kept apart."""

    def __init__(self) -> None:
        self.messages: list[InboxMessage] = []
        self.flagged: list[InboxMessage] = []
        #: Every new message shown (received or sent), for a reader to ``await get()``.
        self.queue: asyncio.Queue[InboxMessage] = asyncio.Queue()
        self.hooks: list[Hook] = []
        self._changed = asyncio.Condition()

    async def add(self, message: InboxMessage) -> None:
        target = self.flagged if message.status == "flagged" else self.messages
        async with self._changed:
            target.append(message)
            self._changed.notify_all()
        if message.status == "flagged":
            return
        self.queue.put_nowait(message)
        for hook in self.hooks:
            try:
                got = hook(message)
                if inspect.isawaitable(got):
                    await got
            except Exception:  # a display hook must not stop delivery
                log.exception("inbox hook failed")

    def set_status(self, message_ids: set[str], status: str) -> None:
        self.messages = [
            attrs.evolve(m, status=status) if m.message_id in message_ids else m
            for m in self.messages
        ]

    def received(self, business_id: str | None = None) -> list[InboxMessage]:
        """Messages from businesses (from one, if given), in arrival order."""
        return [
            m
            for m in self.messages
            if m.direction == "in" and business_id in (None, m.business_id)
        ]

    async def wait_for(self, predicate: Callable[[Inbox], bool]) -> None:
        """Wait until ``predicate(inbox)`` holds (wrap in ``asyncio.timeout`` to bound it)."""
        async with self._changed:
            await self._changed.wait_for(lambda: predicate(self))


__all__ = ["Direction", "Hook", "Inbox", "InboxMessage"]
