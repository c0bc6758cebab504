"""What the demos share: a bot and a simulated customer Device on an embedded relay, and a
narrator that prints each step from both sides.

The bot runs exactly as in production (Signal sealer, ``RelayTransport``); the customer is a
real :class:`notifybot.client.Device` that decrypts what it receives. ``settle`` waits until
everything in flight has been handled on both sides, so the story prints in order.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TextIO

from notifybot import Bot, SendResult
from notifybot.client import Device, InboxMessage
from notifybot.clock import ManualClock
from notifybot.envelope import Content
from notifybot.relay.business import RelayBusiness, connect
from notifybot.relay.embedded import EmbeddedRelay
from notifybot.results import Accepted, InboundMessage

#: How long ``settle`` waits for the other side before giving up (a real-time bound).
SETTLE_TIMEOUT = 10.0


def earlier_run(data: Path) -> bool:
    """Whether ``data`` holds files of an earlier demo run.

    A demo's story starts from nothing, and the keys kept there are sealed under that run's
    key-encryption key, so a demo refuses such a folder rather than fail half-way.
    """
    return (data / "bot" / "notifybot.db").exists() or (data / "relay" / "relay.sqlite3").exists()


def run_demo_cli(
    name: str,
    doc: str | None,
    run: Callable[[Path, TextIO], Coroutine[Any, Any, object]],
    argv: list[str],
    out: TextIO | None = None,
) -> int:
    """The command line every demo shares: ``notifybot demo NAME [--data DIR]``."""
    parser = argparse.ArgumentParser(prog=f"notifybot demo {name}", description=doc)
    parser.add_argument("--data", type=Path, help="keep the demo's files here (else a temp dir)")
    args = parser.parse_args(argv)
    stream = out or sys.stdout
    if args.data and earlier_run(args.data):
        parser.error(f"{args.data} already holds a demo run (relay/ or bot/): use a new folder")
    if args.data:
        asyncio.run(run(args.data, stream))
        print(f"\nfiles kept under {args.data} (relay/ and bot/)", file=stream)
    else:
        with tempfile.TemporaryDirectory(prefix="notifybot-demo-") as tmp:
            asyncio.run(run(Path(tmp), stream))
    return 0


class Stage:
    """An embedded relay (files under ``data/relay``), the bot on it, and one customer."""

    def __init__(self, data: Path, bot: Bot, clock: ManualClock, out: TextIO, *,
                 business: str, customer: str) -> None:  # fmt: skip
        self.data = data
        self.bot = bot
        self.clock = clock
        self.out = out
        self.business_name = business
        self.customer_name = customer
        self.relay = EmbeddedRelay(data / "relay" / "relay.sqlite3", clock=clock)
        self.link: RelayBusiness | None = None
        self.device: Device | None = None
        self.step = 0
        self._shown = 0
        self._pending: set[str] = set()  # accepted by the bot, not yet on the device
        self._inbound: list[InboundMessage] = []
        bot.sent_listeners.append(self._on_sent)
        bot.message.register(_never, self._spy)  # sees every message, handles none

    # set-up ------------------------------------------------------------------------------
    async def start(self, customer_id: str, *, phone: str, locale: str) -> Device:
        await self.relay.start()
        self.link = await connect(self.bot, self.relay.url, kek=os.urandom(32))
        await self.bot.start()
        approved = sum(r["status"] == "approved" for r in self.link.templates)
        self.business(f"on the relay at {self.relay.url} as {self.link.business_id}; "
                      f"{approved} templates approved by the relay's review")  # fmt: skip
        self.device = await Device.create(
            self.relay.url, customer_id, phone=phone, locale=locale, clock=self.clock
        )
        await self.device.connect()
        self.phone(f"registered {customer_id} (device 1), keys published, connected")
        return self.device

    async def close(self) -> None:
        if self.device is not None:
            await self.device.close()
        await self.bot.close()
        await self.relay.close()

    @property
    def business_id(self) -> str:
        assert self.link is not None
        return self.link.business_id

    # printing ----------------------------------------------------------------------------
    def title(self, text: str) -> None:
        self.step += 1
        print(f"\n── {self.step}. {text}", file=self.out)

    def business(self, text: str) -> None:
        print(f"   {self.business_name:<8} {text}", file=self.out)

    def phone(self, text: str) -> None:
        print(f"   {self.customer_name:<8} {text}", file=self.out)

    def result(self, what: str, result: SendResult) -> None:
        if isinstance(result, Accepted):
            price = (
                f"billed {result.price_micros / 1_000_000:.4f} {result.currency}"
                if result.billable
                else "free (inside the 24 h window)"
            )
            dup = " (duplicate: not sent again)" if result.duplicate else ""
            self.business(f"✓ {what} sealed for {len(result.receipts) or 1} device(s), "
                          f"{price}{dup}")  # fmt: skip
        else:
            self.business(f"✗ {what} refused — {type(result.error).__name__}: {result.error}")

    # the story ---------------------------------------------------------------------------
    async def notify(self, what: str, name: str, event: object, **kw: str) -> SendResult:
        result = await self.bot.notify(name, event, **kw)
        self.result(what, result)
        await self.settle()
        return result

    async def reply(self, what: str, customer_id: str, text: str) -> SendResult:
        result = await self.bot.reply(customer_id, text)
        self.result(what, result)
        await self.settle()
        return result

    async def says(self, text: str) -> None:
        assert self.device is not None
        sent = await self.device.send(self.business_id, text)
        self.phone(f"→ {text}   (sealed, sent {sent.message_id[:8]}…)")
        store, customer = self.bot.store, self.device.account

        async def handled() -> bool:  # the bot marks an inbound message after its handlers ran
            key = f"{customer}\x1f{sent.message_id}"
            return await store.kv_get("inbound-seen", key) is not None

        await self._until_async(handled)
        if any(m.message_id == sent.message_id for m in self._inbound):
            self.business(f"← {text!r} (decrypted by the bot; window open for 24 h)")
        await self.settle()

    async def block(self) -> None:
        assert self.device is not None
        dropped = await self.device.block(self.business_id)
        self.phone(f"blocks {self.business_name} (the relay dropped {dropped} queued)")
        customer, store = self.device.account, self.bot.store

        async def blocked() -> bool:
            return (await store.consent_state(customer)).blocked

        await self._until_async(blocked)
        self.business(f"block from {customer} recorded (source: relay)")

    async def compare_ledgers(self) -> None:
        """Print whether the relay's ledger equals the bot's, message by message."""
        assert self.link is not None
        relay = {e.message_id: e.price_micros for e in await self.link.transport.client.ledger()}
        mine = {e.message_id: e.price_micros for e in await self.bot.store.ledger()}
        verdict = "equal, message by message" if relay == mine else "DIFFERENT"
        self.business(f"relay ledger: {len(relay)} messages, {sum(relay.values())} micro-units; "
                      f"bot ledger: {len(mine)}, {sum(mine.values())}: {verdict}")  # fmt: skip

    async def settle(self) -> None:
        """Wait until everything the bot accepted is on the device, then print it."""
        assert self.device is not None
        device = self.device
        await self._until(lambda: self._pending <= {m.message_id for m in device.messages})
        self._pending.clear()
        for message in device.messages[self._shown :]:
            if message.direction == "in":
                self._show(message)
        self._shown = len(device.messages)

    def _show(self, message: InboxMessage) -> None:
        lines = message.text.splitlines() or [""]
        kind = f"template {message.template_id}" if message.template_id else "free reply"
        self.phone(f"← {lines[0]}")
        for line in lines[1:]:
            print(f"   {'':<8}   {line}", file=self.out)
        for button in message.buttons:
            print(f"   {'':<8}   [{button.label}] {button.url or ''}", file=self.out)
        self.phone(f"  (decrypted on the phone: {kind}, conforms to the approved text, "
                   "read receipt sent)" if message.template_id else
                   "  (decrypted on the phone, read receipt sent)")  # fmt: skip

    def _on_sent(self, result: Accepted, content: Content) -> None:
        if not result.duplicate:
            self._pending.add(result.message_id)

    def _spy(self, message: InboundMessage) -> bool:
        self._inbound.append(message)
        return False

    async def _until(self, cond: object) -> None:
        assert callable(cond)
        async with asyncio.timeout(SETTLE_TIMEOUT):
            while not cond():  # noqa: ASYNC110 (the state changes in other tasks)
                await asyncio.sleep(0.002)

    async def _until_async(self, cond: object) -> None:
        assert callable(cond)
        async with asyncio.timeout(SETTLE_TIMEOUT):
            while not await cond():  # noqa: ASYNC110
                await asyncio.sleep(0.002)


def _never() -> None:  # pragma: no cover - its filter never matches
    """Registered with the spy filter only to observe inbound messages."""
