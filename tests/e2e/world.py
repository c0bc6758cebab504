"""A real relay on loopback (SQLite, ManualClock), bots connected to it with Signal
encryption, and customer Devices: the shared set-up of tests/e2e and tests/client."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from aiohttp.test_utils import TestServer
from examples.airline.bot import build_bot

from notifybot import Bot
from notifybot.client import Device
from notifybot.clock import ManualClock
from notifybot.relay import Limits, make_app
from notifybot.relay.business import RelayBusiness, connect
from notifybot.relay.client import RelayClient
from notifybot.relay.pricing import billing_pricer
from notifybot.store.sqlite import SQLiteStore
from notifybot.transports import StatusUpdate

T = TypeVar("T")

#: The rate limiter runs on the ManualClock, which tests barely move: a generous burst.
LIMITS = Limits(burst=100_000)


async def until(cond: Callable[[], bool], what: str = "condition") -> None:
    """Wait (at most 10 s) for ``cond()``: the relay delivers asynchronously."""
    try:
        async with asyncio.timeout(10):
            while not cond():  # noqa: ASYNC110 (the state lives in other tasks)
                await asyncio.sleep(0.005)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def eventually(probe: Callable[[], Awaitable[T]], cond: Callable[[T], bool]) -> T:
    """Call ``probe()`` until ``cond`` holds for its result (at most 10 s); the result."""
    try:
        async with asyncio.timeout(10):
            while not cond(got := await probe()):  # noqa: ASYNC110
                await asyncio.sleep(0.005)
    except TimeoutError:
        raise AssertionError(f"timed out; last value {got!r}") from None
    return got


class World:
    def __init__(self, aiohttp_server: Any, tmp_path: Path, clock: ManualClock) -> None:
        self._server_factory = aiohttp_server
        self.tmp = tmp_path
        self.clock = clock
        self.db_path = str(tmp_path / "relay" / "relay.sqlite3")
        self.server: TestServer | None = None
        self.devices: list[Device] = []
        self.bots: list[Bot] = []
        self.statuses: list[StatusUpdate] = []
        self.blocks: list[tuple[str, bool]] = []
        self.clients: list[RelayClient] = []

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    async def start(self) -> None:
        (self.tmp / "relay").mkdir(exist_ok=True)
        app = make_app(self.db_path, clock=self.clock, pricer=billing_pricer(), limits=LIMITS)
        self.server = await self._server_factory(app)

    async def airline(self, name: str = "bot") -> tuple[Bot, RelayBusiness]:
        """The airline example bot on this relay (started), recording statuses and blocks."""
        (self.tmp / name).mkdir(exist_ok=True)

        def on_status(update: StatusUpdate) -> None:
            self.statuses.append(update)

        def on_block(customer_id: str, blocked: bool) -> None:
            self.blocks.append((customer_id, blocked))

        bot = build_bot(
            clock=self.clock, store=SQLiteStore(self.tmp / name / "bot.db"),
            on_status=[on_status], on_block=[on_block],
        )  # fmt: skip
        link = await connect(bot, self.url, kek=os.urandom(32))
        await bot.start()
        self.bots.append(bot)
        return bot, link

    async def device(self, account: str, **options: Any) -> Device:
        options.setdefault("clock", self.clock)
        device = await Device.create(self.url, account, **options)
        self.devices.append(device)
        return device

    def client(self, token: str | None = None) -> RelayClient:
        client = RelayClient(self.url, token)
        self.clients.append(client)
        return client

    def status_of(self, message_id: str) -> list[str]:
        return [s.status for s in self.statuses if s.message_id == message_id]

    async def close(self) -> None:
        for client in self.clients:
            await client.close()
        for device in self.devices:
            await device.close()
        for bot in self.bots:
            await bot.close()
