"""RelayTransport against a real relay: batching, error mapping, inbound traffic."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from aiohttp import web

from notifybot.clock import ManualClock
from notifybot.envelope import Envelope, EnvelopeType
from notifybot.errors import (
    EnvelopeError,
    ProviderUnavailable,
    RateLimited,
    RecipientBlocked,
    UnknownTemplate,
)
from notifybot.relay import Limits, make_app
from notifybot.relay.client import Backoff
from notifybot.transports import Connectable, StatusUpdate, Transport
from notifybot.transports.relay import RelayTransport

from .conftest import Relay, envelope, keys


class Sink:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.statuses: list[StatusUpdate] = []
        self.blocks: list[tuple[str, bool, str]] = []
        self.changed = asyncio.Event()

    async def receive_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)
        self.changed.set()

    async def receive_status(self, update: StatusUpdate) -> None:
        self.statuses.append(update)
        self.changed.set()

    async def receive_block(self, customer_id: str, *, blocked: bool, source: str) -> None:
        self.blocks.append((customer_id, blocked, source))
        self.changed.set()

    async def until(self, cond: Any) -> None:
        while not cond():
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), timeout=10)


@pytest.fixture
async def counted(aiohttp_server: Any, tmp_path: Any, clock: ManualClock) -> Any:
    """A relay that counts the message batches it receives."""
    posts: list[int] = []

    @web.middleware
    async def count(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.method == "POST" and request.path == "/v1/messages":
            posts.append(1)
        return await handler(request)

    app = make_app(str(tmp_path / "r.sqlite3"), clock=clock)
    app.middlewares.insert(0, count)
    relay = Relay(await aiohttp_server(app), clock, str(tmp_path / "r.sqlite3"))
    yield relay, posts
    await relay.close()


async def _setup(relay: Relay) -> tuple[str, RelayTransport, Any]:
    bid, biz = await relay.business()
    dev = await relay.device("alice")
    assert (await biz.submit_template("gate", "Gate {{ g }}"))["status"] == "approved"
    return bid, RelayTransport(relay.url, biz.token or ""), dev


async def test_concurrent_sends_share_one_post(counted: Any) -> None:
    relay, posts = counted
    bid, transport, _ = await _setup(relay)
    assert isinstance(transport, Transport) and isinstance(transport, Connectable)
    envs = [envelope(bid, "alice", template="gate") for _ in range(50)]
    receipts = await asyncio.gather(*(transport.send(e) for e in envs))
    assert [r.message_id for r in receipts] == [e.message_id for e in envs]
    assert len(posts) == 1
    small = RelayTransport(relay.url, transport.client.token or "", batch_max=20)
    await asyncio.gather(*(small.send(envelope(bid, "alice", template="gate")) for _ in range(50)))
    assert len(posts) == 1 + 3
    await transport.close()
    await small.close()


async def test_refusals_map_to_typed_errors(relay: Relay) -> None:
    bid, transport, dev = await _setup(relay)
    results = await asyncio.gather(
        transport.send(envelope(bid, "alice", template="gate")),
        transport.send(envelope(bid, "alice", template="nope")),
        transport.send(envelope(bid, "alice", template="gate", kind=EnvelopeType.PLAINTEXT)),
        return_exceptions=True,
    )
    assert results[0].message_id  # type: ignore[union-attr]
    assert isinstance(results[1], UnknownTemplate)
    assert isinstance(results[2], EnvelopeError)
    await dev.block(bid)
    with pytest.raises(RecipientBlocked) as exc:
        await transport.send(envelope(bid, "alice", template="gate"))
    assert exc.value.customer_id == "alice"
    await transport.close()


async def test_rate_limit_and_outage_are_retryable(make_relay: Any) -> None:
    relay = await make_relay(limits=Limits(rate_per_second=0.001, burst=2))
    bid, transport, _ = await _setup(relay)  # the business token spent 1 (template)
    await transport.send(envelope(bid, "alice", template="gate"))
    with pytest.raises(RateLimited) as exc:
        await transport.send(envelope(bid, "alice", template="gate"))
    assert exc.value.retryable and exc.value.retry_after > 0
    await transport.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = RelayTransport(f"http://127.0.0.1:{port}", "t")
    with pytest.raises(ProviderUnavailable):
        await down.send(envelope(bid, "alice"))
    await down.close()


async def test_inbound_envelopes_statuses_and_blocks_reach_the_sink(relay: Relay) -> None:
    bid, transport, dev = await _setup(relay)
    sink = Sink()
    await transport.start(sink)
    await dev.send([envelope("alice", bid, mid="hello")])
    await sink.until(lambda: sink.envelopes)
    assert sink.envelopes[0].message_id == "hello" and sink.envelopes[0].sender == "alice"
    await transport.send(envelope(bid, "alice", template="gate", mid="out-1"))
    assert await dev.read_receipts(bid, ["out-1"]) == 1
    await sink.until(lambda: sink.statuses)
    assert (sink.statuses[0].message_id, sink.statuses[0].status) == ("out-1", "read")
    await dev.block(bid)
    await sink.until(lambda: sink.blocks)
    assert sink.blocks == [("alice", True, "relay")]
    await transport.close()


async def test_inbound_survives_a_dropped_socket(relay: Relay) -> None:
    bid, biz = await relay.business()
    dev = await relay.device("alice")
    transport = RelayTransport(relay.url, biz.token or "", backoff=Backoff(base=0.01))
    sink = Sink()
    await transport.start(sink)
    assert transport._sub is not None
    await transport._sub.drop()
    await dev.send([envelope("alice", bid, mid=f"x{i}") for i in range(5)])
    await sink.until(lambda: len(sink.envelopes) >= 5)
    assert [e.message_id for e in sink.envelopes] == [f"x{i}" for i in range(5)]
    await transport.close()


async def test_prekey_directory_hands_each_one_time_prekey_out_once(relay: Relay) -> None:
    _, transport, dev = await _setup(relay)
    assert await dev.upload_keys(**keys(30)) == 30
    assert await transport.devices("alice") == [1]
    bundles = await asyncio.gather(*(transport.bundle("alice", 1) for _ in range(40)))
    taken = [b["one_time_prekey"]["id"] for b in bundles if b["one_time_prekey"]]
    assert sorted(taken) == list(range(1, 31))  # each exactly once, then none
    assert sum(b["one_time_prekey"] is None for b in bundles) == 10
    assert await dev.prekey_count() == 0
    await transport.close()


async def test_device_is_told_when_prekeys_run_low(relay: Relay) -> None:
    from .conftest import Inbox

    _, biz = await relay.business()
    dev = await relay.device("alice")
    await dev.upload_keys(**keys(11))
    box = Inbox()
    sub = dev.subscribe(box, role="device")
    await sub.wait_connected()
    assert box.of("prekeys_low") == []
    await biz.bundle("alice", 1)
    await biz.bundle("alice", 1)
    (low,) = await box.wait("prekeys_low", 1)
    assert low["remaining"] == 9
    assert await dev.add_prekeys(keys(5, start=100)["one_time_prekeys"]) == 14
    await sub.close()
