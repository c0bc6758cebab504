"""Expiring envelopes on the relay: stored with their expiry, never delivered after it,
deleted, and reported to the business as ``expired`` (all on the relay's ManualClock)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Literal

import pytest

from notifybot.clock import ManualClock
from notifybot.errors import MessageExpired
from notifybot.relay import Limits
from notifybot.relay.app import RELAY
from notifybot.relay.errors import error_for

from .conftest import Inbox, Relay, envelope, now_ms

MINUTE = 60_000


async def _approved(biz: Any) -> None:
    assert (await biz.submit_template("arriving", "Your driver is at {{ place }}."))["status"] == (
        "approved"
    )


def _queued(relay: Relay, rkey: str = "d:alice:1") -> list[tuple[str, int | None]]:
    with sqlite3.connect(relay.db_path) as db:
        q = "SELECT item_id, expires_ms FROM queue WHERE rkey = ? ORDER BY seq"
        return [(r[0], r[1]) for r in db.execute(q, (rkey,))]


def _statuses(box: Inbox) -> dict[str, str]:
    return {f["message_id"]: f["status"] for f in box.of("status")}


async def test_an_expired_envelope_is_never_delivered_and_the_business_is_told(
    relay: Relay, clock: ManualClock
) -> None:
    bid, biz = await relay.business()
    dev = await relay.device("alice")
    await _approved(biz)
    t0 = now_ms(clock)
    sent = [
        envelope(bid, "alice", template="arriving", mid="short", expires=t0 + 1 * MINUTE),
        envelope(bid, "alice", template="arriving", mid="long", expires=t0 + 60 * MINUTE),
        envelope(bid, "alice", template="arriving", mid="forever"),
    ]
    assert [r.accepted for r in await biz.send(sent)] == [True, True, True]
    assert _queued(relay) == [
        ("short", t0 + MINUTE), ("long", t0 + 60 * MINUTE), ("forever", None)
    ]  # fmt: skip
    clock.advance(minutes=2)  # "short" has expired while the phone was offline

    statuses = Inbox()
    bsub = biz.subscribe(statuses, role="business")
    box = Inbox()
    sub = dev.subscribe(box, role="device")
    await statuses.wait("status", 3)
    assert [f["id"] for f in box.of("envelope")] == ["long", "forever"]
    assert _statuses(statuses) == {"short": "expired", "long": "delivered", "forever": "delivered"}
    (expired,) = [f for f in statuses.of("status") if f["status"] == "expired"]
    assert (expired["customer"], expired["device"]) == ("alice", 1)
    assert expired["ts"] == now_ms(clock) and expired["detail"] == "expired before delivery"
    assert _queued(relay) == []  # deleted, not only skipped
    await sub.close()
    await bsub.close()


async def test_the_expiry_is_checked_at_each_read_not_only_at_connect(
    relay: Relay, clock: ManualClock
) -> None:
    """A connected device that fails to ack: the resend after expiry does not happen."""
    bid, biz = await relay.business()
    dev = await relay.device("alice")
    await _approved(biz)
    refuse = Inbox(fail=lambda f: f["type"] == "envelope")  # never acks
    sub = dev.subscribe(refuse, role="device")
    await sub.wait_connected()
    exp = now_ms(clock) + MINUTE
    await biz.send([envelope(bid, "alice", template="arriving", mid="m", expires=exp)])
    assert _queued(relay) == [("m", exp)]
    clock.advance(seconds=61)
    statuses = Inbox()
    bsub = biz.subscribe(statuses, role="business")
    await sub.drop()  # reconnects; the unacked item has expired meanwhile
    await statuses.wait("status", 1)
    assert _statuses(statuses) == {"m": "expired"} and _queued(relay) == []
    await sub.close()
    await bsub.close()


async def test_an_envelope_already_expired_is_refused_and_not_charged(
    relay: Relay, clock: ManualClock
) -> None:
    bid, biz = await relay.business()
    await relay.device("alice")
    await _approved(biz)
    late = envelope(bid, "alice", template="arriving", mid="late", expires=now_ms(clock))
    (result,) = await biz.send([late])
    assert (result.accepted, result.code) == (False, "expired")
    assert isinstance(error_for(400, result.code, result.message), MessageExpired)
    assert _queued(relay) == [] and await biz.ledger() == []


@pytest.mark.parametrize("bad", ["1767258000000", 1.5e12, 0, -1, True, 10**16])
async def test_a_malformed_expiry_is_a_bad_envelope(relay: Relay, bad: object) -> None:
    bid, biz = await relay.business()
    await relay.device("alice")
    await _approved(biz)
    doc = {**envelope(bid, "alice", template="arriving").to_json(), "expires": bad}
    (result,) = await biz.send_raw([doc])
    assert (result.accepted, result.code) == (False, "bad_envelope")
    assert "expires" in result.message


async def test_the_sweep_deletes_the_items_of_devices_that_stay_offline(
    relay: Relay, clock: ManualClock
) -> None:
    bid, biz = await relay.business()
    await relay.device("alice")
    await relay.device("bob")
    await _approved(biz)
    t0 = now_ms(clock)
    await biz.send([
        envelope(bid, "alice", template="arriving", mid="a1", expires=t0 + MINUTE),
        envelope(bid, "bob", template="arriving", mid="b1", expires=t0 + 10 * MINUTE),
        envelope(bid, "bob", template="arriving", mid="b2"),
    ])  # fmt: skip
    app_relay = relay.server.app[RELAY]
    assert await app_relay.sweep_expired() == 0
    clock.advance(minutes=5)
    assert await app_relay.sweep_expired() == 1
    clock.advance(minutes=5)
    assert await app_relay.sweep_expired() == 1
    assert _queued(relay, "d:alice:1") == [] and _queued(relay, "d:bob:1") == [("b2", None)]
    # the reports were queued with the deletions: the business, offline, gets them later
    assert len(_queued(relay, f"b:{bid}")) == 2
    statuses = Inbox()
    bsub = biz.subscribe(statuses, role="business")
    await statuses.wait("status", 2)
    assert _statuses(statuses) == {"a1": "expired", "b1": "expired"}
    await bsub.close()


async def test_the_background_sweeper_runs_on_its_own(make_relay: Any, clock: ManualClock) -> None:
    relay: Relay = await make_relay(limits=Limits(expiry_sweep_seconds=0.01))
    bid, biz = await relay.business()
    await relay.device("alice")
    await _approved(biz)
    exp = now_ms(clock) + MINUTE
    await biz.send([envelope(bid, "alice", template="arriving", mid="m", expires=exp)])
    statuses = Inbox()
    bsub = biz.subscribe(statuses, role="business")
    clock.advance(minutes=2)  # nobody connects for alice: only the sweeper can notice
    await statuses.wait("status", 1)
    assert _statuses(statuses) == {"m": "expired"} and _queued(relay) == []
    await bsub.close()


async def test_a_device_acking_as_expired_gives_an_expired_status(relay: Relay) -> None:
    bid, biz = await relay.business()
    dev = await relay.device("alice")
    await _approved(biz)
    await biz.send([envelope(bid, "alice", template="arriving", mid=m) for m in ("x", "y")])

    async def late_for_x(frame: dict[str, Any]) -> Literal["expired"] | None:
        return "expired" if frame.get("id") == "x" else None

    statuses = Inbox()
    bsub = biz.subscribe(statuses, role="business")
    sub = dev.subscribe(late_for_x, role="device")
    await statuses.wait("status", 2)
    assert _statuses(statuses) == {"x": "expired", "y": "delivered"}
    assert _queued(relay) == []
    await sub.close()
    await bsub.close()


async def test_a_customer_message_that_expires_is_dropped(relay: Relay, clock: ManualClock) -> None:
    bid, biz = await relay.business()
    dev = await relay.device("alice")
    soon = now_ms(clock) + MINUTE
    await dev.send([envelope("alice", bid, mid="old", expires=soon), envelope("alice", bid)])
    clock.advance(minutes=2)
    inbox = Inbox()
    bsub = biz.subscribe(inbox, role="business")
    (frame,) = await inbox.wait("envelope", 1)
    assert frame["envelope"]["id"] != "old" and inbox.of("status") == []
    assert "alice:1:old" not in dict(_queued(relay, f"b:{bid}"))  # deleted before the read
    await bsub.close()


async def test_a_relay_database_made_before_expiries_gains_the_column(
    make_relay: Any, tmp_path: Any, clock: ManualClock
) -> None:
    old = sqlite3.connect(tmp_path / "relay0.sqlite3")  # the path make_relay uses first
    old.execute(
        "CREATE TABLE queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, rkey TEXT NOT NULL, "
        "item_id TEXT NOT NULL, kind TEXT NOT NULL, sender TEXT NOT NULL, payload TEXT NOT NULL,"
        " created_ms INTEGER NOT NULL, UNIQUE (rkey, item_id))"
    )
    old.execute(
        "INSERT INTO queue (rkey, item_id, kind, sender, payload, created_ms) "
        "VALUES ('d:alice:1', 'kept', 'envelope', 'biz_x', ?, 0)",
        (json.dumps({"envelope": envelope("biz_x", "alice", mid="kept").to_json()}),),
    )
    old.commit()
    old.close()
    relay: Relay = await make_relay()
    bid, biz = await relay.business()
    dev = await relay.device("alice")
    await _approved(biz)
    exp = now_ms(clock) + MINUTE
    await biz.send([envelope(bid, "alice", template="arriving", mid="new", expires=exp)])
    assert _queued(relay) == [("kept", None), ("new", exp)]
    box = Inbox()
    sub = dev.subscribe(box, role="device")
    assert [f["id"] for f in await box.wait("envelope", 2)] == ["kept", "new"]
    await sub.close()
