"""Signed webhooks: delivered with a verifiable HMAC, replays and stale timestamps refused."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web

from notifybot.clock import ManualClock
from notifybot.relay.app import RELAY
from notifybot.relay.webhooks import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookSignatureError,
    WebhookVerifier,
    sign,
)

from .conftest import Relay, envelope, now_ms


async def test_status_and_block_webhooks_verify_and_replays_are_refused(
    relay: Relay, aiohttp_server: Any, clock: ManualClock
) -> None:
    received: list[tuple[dict[str, str], bytes]] = []
    arrived = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.read()))
        arrived.set()
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    receiver = await aiohttp_server(app)
    bid, biz = await relay.business()
    dev = await relay.device("alice")
    secret = await biz.set_webhook(str(receiver.make_url("/hook")))
    assert secret
    await biz.submit_template("gate", "Gate {{ g }}")
    await biz.send([envelope(bid, "alice", template="gate", mid="w1")])
    await dev.read_receipts(bid, ["w1"])
    await dev.block(bid)
    while len(received) < 2:
        arrived.clear()
        await asyncio.wait_for(arrived.wait(), timeout=10)

    verifier = WebhookVerifier(secret, clock)
    docs = [verifier.verify(h, b) for h, b in received]
    assert {d["type"] for d in docs} == {"status", "block"}
    headers, body = received[0]
    with pytest.raises(WebhookSignatureError, match="already received"):
        verifier.verify(headers, body)  # replay of an accepted event
    with pytest.raises(WebhookSignatureError, match="does not match"):
        WebhookVerifier(secret, clock).verify(headers, body + b" ")
    with pytest.raises(WebhookSignatureError, match="does not match"):
        WebhookVerifier("other-secret", clock).verify(headers, body)
    clock.advance(301)
    with pytest.raises(WebhookSignatureError, match="outside the window"):
        WebhookVerifier(secret, clock).verify(headers, body)


def test_signature_headers_are_required(clock: ManualClock) -> None:
    v = WebhookVerifier("s", clock)
    with pytest.raises(WebhookSignatureError, match="lacks"):
        v.verify({}, b"{}")
    ts = int(clock.now().timestamp())
    ok = {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: sign("s", ts, b"{}"), EVENT_HEADER: "e1"}
    assert v.verify(ok, b"{}") == {}


async def test_an_expired_status_is_posted_to_the_webhook(
    relay: Relay, aiohttp_server: Any, clock: ManualClock
) -> None:
    received: list[tuple[dict[str, str], bytes]] = []
    arrived = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.read()))
        arrived.set()
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    receiver = await aiohttp_server(app)
    bid, biz = await relay.business()
    await relay.device("alice")
    secret = await biz.set_webhook(str(receiver.make_url("/hook")))
    assert secret
    await biz.submit_template("gate", "Gate {{ g }}")
    exp = now_ms(clock) + 60_000
    await biz.send([envelope(bid, "alice", template="gate", mid="w1", expires=exp)])
    clock.advance(61)
    assert await relay.server.app[RELAY].sweep_expired() == 1
    await asyncio.wait_for(arrived.wait(), timeout=10)
    (doc,) = [WebhookVerifier(secret, clock).verify(h, b) for h, b in received]
    assert (doc["type"], doc["message_id"], doc["status"]) == ("status", "w1", "expired")
