"""The terminal inbox: a person's commands over a :class:`~notifybot.client.Device`.

:class:`InboxSession` keeps the conversations (from the sealed :class:`History` plus what
arrives), prints new messages as they come (the open conversation in full, others as a
notice with an unread count), sends what the person types to the open business, and runs the
slash commands listed in :data:`~notifybot.client.view.HELP`. Read receipts are sent when a
conversation is on screen, not before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import attrs

from notifybot.client.device import Device
from notifybot.client.home import History
from notifybot.client.inbox import Inbox, InboxMessage
from notifybot.client.view import (
    HELP,
    BusinessRow,
    format_businesses,
    format_card,
    format_conversation,
    format_message,
    format_safety,
    label,
)
from notifybot.errors import NotifybotError, ProviderUnavailable, Refusal, UnknownRecipient
from notifybot.relay.client import Backoff
from notifybot.relay.errors import RelayRefused

log = logging.getLogger("notifybot.client.session")

#: How often the connection state is looked at (to tell the person it dropped or is back).
WATCH_INTERVAL = 0.25


class UnknownBusiness(UnknownRecipient):
    """No business with this id on the relay (or no such number in ``/list``)."""

    code = "unknown_business"

    def __init__(self, why: str, business_id: str = "") -> None:
        self.customer_id = business_id  # the recipient a message would have had
        Refusal.__init__(self, why)


class BlockedByYou(Refusal):
    """The person blocked this business; nothing is sent to it until ``/unblock``."""

    code = "blocked_by_you"


class InboxSession:
    """One person's session: ``show`` prints a block of text above the prompt,
    ``set_prompt`` changes the prompt."""

    def __init__(
        self,
        device: Device,
        history: History,
        show: Callable[[str], None],
        set_prompt: Callable[[str], None] = lambda _p: None,
    ) -> None:
        self.device = device
        self.history = history
        self.show = show
        self.set_prompt = set_prompt
        self.conversations: dict[str, list[InboxMessage]] = {}
        self.names: dict[str, str] = {}
        self.blocked: set[str] = set()
        self.current: str | None = None
        self._seen = (0, 0)  # how many of inbox.messages / inbox.flagged were handled
        self._tasks: list[asyncio.Task[None]] = []

    # -- start and stop --------------------------------------------------------------------
    async def start(self, backoff: Backoff | None = None) -> None:
        """Load the history, learn the blocks, and connect in the background."""
        for message in await self.history.load():
            self.conversations.setdefault(message.business_id, []).append(message)
        for business in list(self.conversations):
            await self._name(business)
        self.blocked = set(await self.device.blocked())
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._connect(backoff or Backoff(base=0.5, cap=10.0))),
            loop.create_task(self._watch_inbox()),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.device.close()

    async def _connect(self, backoff: Backoff) -> None:
        connect = asyncio.ensure_future(self.device.connect(backoff=backoff))
        done, _ = await asyncio.wait({connect}, timeout=1.0)
        if not done:
            self.show(f"… connecting to the relay at {self.device.client.base_url} (retrying)")
        try:
            await connect
        except NotifybotError as exc:
            self.show(f"! the relay refused this device: {exc}")
            return
        self.show("● connected to the relay; messages are end-to-end encrypted")
        was = True
        while True:
            await asyncio.sleep(WATCH_INTERVAL)
            now = self.device.connected
            if now != was:
                self.show(
                    "● reconnected to the relay" if now
                    else "! lost the connection to the relay; reconnecting with backoff…"
                )  # fmt: skip
                was = now

    # -- incoming --------------------------------------------------------------------------
    def _count(self, inbox: Inbox) -> tuple[int, int]:
        return len(inbox.messages), len(inbox.flagged)

    async def _watch_inbox(self) -> None:
        inbox = self.device.inbox
        while True:
            await inbox.wait_for(lambda i: self._count(i) != self._seen)
            (m0, f0), self._seen = self._seen, self._count(inbox)
            for message in [*inbox.messages[m0:], *inbox.flagged[f0:]]:
                if message.direction == "in":
                    try:
                        await self._arrived(message)
                    except Exception:  # a display failure must not stop the inbox
                        log.exception("showing message %s failed", message.message_id)

    async def _arrived(self, message: InboxMessage) -> None:
        business = message.business_id
        known = self.conversations.setdefault(business, [])
        if any(m.message_id == message.message_id for m in known):
            return
        known.append(message)
        await self.history.save(message)
        name = await self._name(business)
        if business == self.current or message.status == "flagged":
            self.show(format_message(message, name))
            if business == self.current:
                await self._mark_read(business)
        else:
            n = self._unread(business)
            self.show(
                f"● new message from {label(business, name)} ({n} unread): "
                f"/open {self._number(business)}"
            )

    def _unread(self, business: str) -> int:
        return sum(
            1 for m in self.conversations.get(business, []) if m.direction == "in"
            and m.status == "received"
        )  # fmt: skip

    async def _mark_read(self, business: str) -> None:
        mids = {
            m.message_id for m in self.conversations.get(business, []) if m.direction == "in"
            and m.status == "received"
        }  # fmt: skip
        if not mids:
            return
        try:
            await self.device.client.read_receipts(business, sorted(mids))
        except NotifybotError as exc:
            log.warning("read receipts to %s not sent: %s", business, exc)
            return
        self.device.inbox.set_status(mids, "read")
        fresh = []
        for m in self.conversations[business]:
            if m.message_id in mids:
                m = attrs.evolve(m, status="read")
                await self.history.save(m)
            fresh.append(m)
        self.conversations[business] = fresh

    # -- businesses ------------------------------------------------------------------------
    async def _name(self, business: str) -> str | None:
        if business not in self.names:
            try:
                self.names[business] = (await self.device.profile(business)).name
            except NotifybotError:
                return None
        return self.names[business]

    def _order(self) -> list[str]:
        order = list(self.conversations)
        if self.current is not None and self.current not in order:
            order.append(self.current)
        return order

    def _number(self, business: str) -> int:
        return self._order().index(business) + 1

    async def resolve(self, ref: str | None) -> str:
        """A business id from ``ref`` (an id, or a number of ``/list``; None: the open one)."""
        if ref is None:
            if self.current is None:
                raise UnknownBusiness("no conversation is open: /open ID first (or give an ID)")
            return self.current
        if ref.isdigit():
            order = self._order()
            if not 1 <= int(ref) <= len(order):
                raise UnknownBusiness(f"there is no business number {ref} in /list")
            return order[int(ref) - 1]
        if ref not in self.names:
            try:
                self.names[ref] = (await self.device.profile(ref)).name
            except RelayRefused as exc:
                if exc.code == "unknown_business" or exc.status in (400, 404):
                    raise UnknownBusiness(f"no business {ref!r} on this relay", ref) from None
                raise
        return ref

    def rows(self) -> list[BusinessRow]:
        return [
            BusinessRow(i, b, self.names.get(b, ""), self._unread(b), b in self.blocked,
                        b == self.current)
            for i, b in enumerate(self._order(), start=1)
        ]  # fmt: skip

    # -- commands --------------------------------------------------------------------------
    async def handle(self, line: str) -> bool:
        """Run one typed line; False when the person asked to quit. Errors are printed."""
        line = line.strip()
        if not line:
            return True
        try:
            return await self._handle(line)
        except ProviderUnavailable as exc:
            self.show(f"! the relay is unreachable ({exc}); try again in a moment")
        except NotifybotError as exc:
            self.show(f"! {exc}")
        return True

    async def _handle(self, line: str) -> bool:
        if not line.startswith("/"):
            await self.send(line)
            return True
        command, _, rest = line[1:].partition(" ")
        arg = rest.strip() or None
        command = command.lower()
        if command in ("quit", "exit", "q"):
            return False
        if command == "help":
            self.show(HELP)
        elif command in ("list", "ls"):
            self.show(format_businesses(self.rows()))
        elif command == "open":
            if arg is None:
                raise UnknownBusiness("/open needs a business id or a number from /list")
            await self.open(await self.resolve(arg))
        elif command == "profile":
            business = await self.resolve(arg)
            card = await self.device.profile(business)
            self.names[business] = card.name
            self.show(format_card(card, business in self.blocked))
        elif command == "block":
            business = await self.resolve(arg)
            dropped = await self.device.block(business)
            self.blocked.add(business)
            extra = f"; {dropped} queued message(s) dropped" if dropped else ""
            self.show(f"✓ blocked {label(business, self.names.get(business))}: it can no "
                      f"longer message you{extra}")  # fmt: skip
        elif command == "unblock":
            business = await self.resolve(arg)
            await self.device.unblock(business)
            self.blocked.discard(business)
            self.show(f"✓ unblocked {label(business, self.names.get(business))}")
        elif command == "safety":
            business = await self.resolve(arg)
            number = await self.device.safety_number(business)
            self.show(format_safety(number, business, self.names.get(business)))
        else:
            self.show(f"! unknown command /{command} (/help lists them)")
        return True

    async def open(self, business: str) -> None:
        self.current = business
        name = await self._name(business)
        self.set_prompt(f"{name or business}> ")
        self.show(
            format_conversation(
                self.conversations.get(business, []), business, name, business in self.blocked
            )
        )
        await self._mark_read(business)

    async def send(self, text: str) -> None:
        if self.current is None:
            self.show("! no conversation is open: /open BUSINESS_ID first (/list, /help)")
            return
        business = self.current
        if business in self.blocked:
            raise BlockedByYou(
                f"you blocked {label(business, self.names.get(business))}; "
                "/unblock it to write to it again"
            )
        sent = await self.device.send(business, text)
        self.conversations.setdefault(business, []).append(sent)
        await self.history.save(sent)
        self.show(f"  ✓ sent, end-to-end encrypted ({sent.at.astimezone():%H:%M})")


__all__ = ["BlockedByYou", "InboxSession", "UnknownBusiness"]
