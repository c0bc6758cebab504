"""Fixtures: a real relay on loopback (SQLite in tmp_path, a ManualClock) and its clients."""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from notifybot.clock import ManualClock, to_millis
from notifybot.envelope import Envelope, EnvelopeType
from notifybot.relay import Limits, make_app
from notifybot.relay.client import RelayClient

_ids = itertools.count(1)


class Relay:
    """A running relay plus helpers to make parties on it."""

    def __init__(self, server: TestServer, clock: ManualClock, db_path: str) -> None:
        self.server = server
        self.clock = clock
        self.db_path = db_path
        self.url = str(server.make_url("")).rstrip("/")
        self._clients: list[RelayClient] = []

    def client(self, token: str | None = None) -> RelayClient:
        c = RelayClient(self.url, token)
        self._clients.append(c)
        return c

    async def business(self, name: str = "Acme Air") -> tuple[str, RelayClient]:
        creds = await self.client().register_business(name)
        return creds.business_id, self.client(creds.token)

    async def device(
        self,
        account: str,
        device_id: int = 1,
        *,
        token_of: RelayClient | None = None,
        country: str | None = "FR",
    ) -> RelayClient:
        reg = self.client(token_of.token if token_of else None)
        creds = await reg.register_device(account, device_id, country=country)
        return self.client(creds.token)

    async def close(self) -> None:
        for c in self._clients:
            await c.close()


def envelope(
    sender: str,
    to: str,
    device: int = 1,
    *,
    template: str | None = None,
    category: str | None = None,
    body: bytes = b"\x01ciphertext",
    mid: str | None = None,
    kind: EnvelopeType = EnvelopeType.SIGNAL,
    ts: int = 0,
    expires: int | None = None,
) -> Envelope:
    return Envelope(
        message_id=mid or f"m{next(_ids)}",
        sender=sender,
        recipient=to,
        device_id=device,
        type=kind,
        timestamp_ms=ts,
        body=body,
        template_id=template,
        category=category,
        expires_ms=expires,
    )


def keys(n: int, start: int = 1) -> dict[str, Any]:
    """A fake key upload (the relay stores opaque public values)."""
    b = lambda s: base64.b64encode(s.encode()).decode()  # noqa: E731
    return {
        "identity_key": b("identity"),
        "signed_prekey": {"id": 1, "public": b("spk"), "signature": b("sig")},
        "one_time_prekeys": [{"id": i, "public": b(f"otpk{i}")} for i in range(start, start + n)],
    }


class Inbox:
    """A frame handler that records frames and lets tests wait for a number of them."""

    def __init__(self, fail: Callable[[dict[str, Any]], bool] | None = None) -> None:
        self.frames: list[dict[str, Any]] = []
        self._changed = asyncio.Condition()
        self._fail = fail

    async def __call__(self, frame: dict[str, Any]) -> None:
        if self._fail is not None and self._fail(frame):
            raise RuntimeError("handler refuses this frame")
        async with self._changed:
            self.frames.append(frame)
            self._changed.notify_all()

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.frames if f["type"] == kind]

    async def wait(self, kind: str, n: int) -> list[dict[str, Any]]:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.of(kind)) >= n), timeout=10
            )
        return self.of(kind)


@pytest.fixture
async def make_relay(
    aiohttp_server: Any, tmp_path: Any, clock: ManualClock
) -> AsyncIterator[Callable[..., Any]]:
    """``await make_relay(**make_app_options)`` starts a relay on loopback."""
    made: list[Relay] = []

    async def make(**options: Any) -> Relay:
        db_path = str(tmp_path / f"relay{len(made)}.sqlite3")
        server = await aiohttp_server(make_app(db_path, clock=clock, **options))
        relay = Relay(server, clock, db_path)
        made.append(relay)
        return relay

    yield make
    for relay in made:
        await relay.close()


@pytest.fixture
async def relay(make_relay: Callable[..., Any]) -> Relay:
    r: Relay = await make_relay()
    return r


def now_ms(clock: ManualClock) -> int:
    return to_millis(clock.now())


__all__ = ["Inbox", "Limits", "Relay", "envelope", "keys", "now_ms"]
