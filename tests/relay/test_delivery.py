"""Store-and-forward delivery over WebSockets: order, acks, reconnects, blocks, receipts."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from notifybot.envelope import EnvelopeType
from notifybot.relay.errors import RelayUnauthorized

from .conftest import Inbox, Relay, envelope


async def _approved(biz, name: str = "boarding_pass") -> None:
    review = await biz.submit_template(name, "Your gate is {{ gate }}.")
    assert review["status"] == "approved"


async def test_batch_fans_out_to_several_devices_of_a_customer(relay: Relay) -> None:
    bid, biz = await relay.business()
    phone = await relay.device("alice", 1)
    laptop = await relay.device("alice", 2, token_of=phone)
    await _approved(biz)
    results = await biz.send(
        [envelope(bid, "alice", d, template="boarding_pass", mid="m-1") for d in (1, 2)]
    )
    assert [r.accepted for r in results] == [True, True]
    inboxes = [Inbox(), Inbox()]
    subs = [
        c.subscribe(box, role="device") for c, box in zip((phone, laptop), inboxes, strict=True)
    ]
    for box, dev in zip(inboxes, (1, 2), strict=True):
        (frame,) = await box.wait("envelope", 1)
        assert frame["envelope"]["id"] == "m-1" and frame["envelope"]["device"] == dev
    ledger = await biz.ledger()
    assert [e.message_id for e in ledger] == ["m-1"]  # one row per message, not per device
    assert ledger[0].country == "FR" and ledger[0].category == "utility"
    for s in subs:
        await s.close()


async def test_reconnect_mid_stream_loses_nothing_and_ack_deletes(relay: Relay) -> None:
    bid, biz = await relay.business()
    dev = await relay.device("alice")
    await _approved(biz)
    sent = [envelope(bid, "alice", template="boarding_pass", mid=f"m{i:02}") for i in range(20)]
    await biz.send(sent[:10])
    # a first connection that acknowledges only the first 4 frames, then drops
    acked = Inbox(fail=lambda f: f["type"] == "envelope" and f["id"] >= "m04")
    sub = dev.subscribe(acked, role="device")
    statuses = Inbox()
    bsub = biz.subscribe(statuses, role="business")
    await statuses.wait("status", 4)  # the relay has processed the first 4 acks
    await sub.close()
    await biz.send(sent[10:])  # arrives while the device is offline
    box = Inbox()
    sub = dev.subscribe(box, role="device")
    frames = await box.wait("envelope", 16)
    assert [f["id"] for f in frames] == [e.message_id for e in sent[4:]]
    # everything acked: the queue is empty, and the business got a delivery status per ack
    got = await statuses.wait("status", 20)
    assert {s["message_id"] for s in got} == {e.message_id for e in sent}
    assert {s["status"] for s in got} == {"delivered"}
    await sub.close()
    await bsub.close()
    rows = sqlite3.connect(relay.db_path).execute(
        "SELECT count(*) FROM queue WHERE rkey = 'd:alice:1'"
    )
    assert rows.fetchone()[0] == 0


async def test_dropped_socket_reconnects_by_itself_and_resends_unacked(relay: Relay) -> None:
    bid, biz = await relay.business()
    dev = await relay.device("alice")
    await _approved(biz)
    box = Inbox()
    sub = dev.subscribe(box, role="device")
    await sub.wait_connected()
    await biz.send([envelope(bid, "alice", template="boarding_pass", mid="a")])
    await box.wait("envelope", 1)
    await sub.drop()
    await biz.send([envelope(bid, "alice", template="boarding_pass", mid="b")])
    frames = await box.wait("envelope", 2)
    assert [f["id"] for f in frames] == ["a", "b"]
    assert sub.connections == 2
    await sub.close()


async def test_device_offline_for_a_day_gets_its_queue_in_order(relay: Relay, clock) -> None:
    bid, biz = await relay.business()
    dev = await relay.device("alice")
    await _approved(biz)
    ids = []
    for hour in range(24):
        e = envelope(bid, "alice", template="boarding_pass", mid=f"h{hour:02}")
        ids.append(e.message_id)
        assert (await biz.send([e]))[0].accepted
        clock.advance(hours=1)
    box = Inbox()
    sub = dev.subscribe(box, role="device")
    frames = await box.wait("envelope", 24)
    assert [f["id"] for f in frames] == ids
    await sub.close()


async def test_customer_message_reaches_business_and_opens_the_window(relay: Relay, clock) -> None:
    bid, biz = await relay.business()
    dev = await relay.device("alice")
    free = envelope(bid, "alice", mid="reply-1")
    (r,) = await biz.send([free])
    assert (r.accepted, r.code) == (False, "outside_window")
    (r,) = await dev.send([envelope("alice", bid, mid="hi")])
    assert r.accepted
    inbox = Inbox()
    bsub = biz.subscribe(inbox, role="business")
    (frame,) = await inbox.wait("envelope", 1)
    assert frame["envelope"]["id"] == "hi" and frame["device"] == 1
    (r,) = await biz.send([free])
    assert r.accepted
    clock.advance(timedelta(hours=24))
    (r,) = await biz.send([envelope(bid, "alice", mid="reply-2")])
    assert r.code == "outside_window"
    ledger = await biz.ledger()
    assert [(e.message_id, e.in_window, e.category) for e in ledger] == [
        ("reply-1", True, "service")
    ]
    await bsub.close()


async def test_block_refuses_and_drops_queued_and_tells_the_business(relay: Relay) -> None:
    bid, biz = await relay.business()
    phone = await relay.device("alice", 1)
    await relay.device("alice", 2, token_of=phone)
    await _approved(biz)
    await biz.send([envelope(bid, "alice", d, template="boarding_pass") for d in (1, 2, 1)])
    assert await phone.block(bid) == 3
    assert await phone.blocks() == [bid]
    (r,) = await biz.send([envelope(bid, "alice", template="boarding_pass")])
    assert (r.accepted, r.code) == (False, "blocked")
    with pytest.raises(Exception, match="blocked"):
        await biz.bundle("alice", 1)
    box = Inbox()
    sub = phone.subscribe(box, role="device")
    await sub.wait_connected()
    events = Inbox()
    bsub = biz.subscribe(events, role="business")
    (blk,) = await events.wait("block", 1)
    assert blk["customer"] == "alice" and blk["blocked"] is True
    assert box.of("envelope") == []
    await phone.unblock(bid)
    (r,) = await biz.send([envelope(bid, "alice", template="boarding_pass", mid="after")])
    assert r.accepted
    assert [f["id"] for f in await box.wait("envelope", 1)] == ["after"]
    await sub.close()
    await bsub.close()


async def test_refusals_are_per_envelope(relay: Relay) -> None:
    bid, biz = await relay.business()
    await relay.device("alice")
    other_bid, _ = await relay.business("Other")
    await _approved(biz)
    good = envelope(bid, "alice", template="boarding_pass").to_json()
    plaintext = envelope(
        bid, "alice", template="boarding_pass", kind=EnvelopeType.PLAINTEXT
    ).to_json()
    forged = envelope(other_bid, "alice", template="boarding_pass").to_json()
    malformed = {**good, "id": "bad", "body": "not base64!!"}
    unknown_tpl = envelope(bid, "alice", template="promo").to_json()
    no_device = envelope(bid, "alice", 9, template="boarding_pass").to_json()
    results = await biz.send_raw([good, plaintext, forged, malformed, unknown_tpl, no_device])
    assert [r.code for r in results] == [
        "", "plaintext_refused", "sender_mismatch", "bad_envelope",
        "template_not_approved", "unknown_device",
    ]  # fmt: skip
    assert results[0].accepted and not any(r.accepted for r in results[1:])


async def test_oversized_batch_is_413(make_relay) -> None:
    from notifybot.relay import Limits

    relay = await make_relay(limits=Limits(max_batch=3))
    bid, biz = await relay.business()
    with pytest.raises(Exception) as exc:
        await biz.send([envelope(bid, "alice") for _ in range(4)])
    assert getattr(exc.value, "status", None) == 413
    assert getattr(exc.value, "code", None) == "batch_too_large"


async def test_business_never_reads_another_business_queue(relay: Relay) -> None:
    bid, biz = await relay.business("A")
    _, other = await relay.business("B")
    dev = await relay.device("alice")
    await dev.send([envelope("alice", bid, mid="for-a")])
    a_box, b_box = Inbox(), Inbox()
    a_sub = biz.subscribe(a_box, role="business")
    b_sub = other.subscribe(b_box, role="business")
    await a_box.wait("envelope", 1)
    await b_sub.wait_connected()
    assert b_box.frames == []
    wrong = biz.subscribe(Inbox(), role="device")
    with pytest.raises(RelayUnauthorized) as exc:
        await wrong.wait_connected()
    assert exc.value.status == 403
    await a_sub.close()
    await b_sub.close()


async def test_read_receipts_flow_back(relay: Relay) -> None:
    bid, biz = await relay.business()
    dev = await relay.device("alice")
    await _approved(biz)
    await biz.send([envelope(bid, "alice", template="boarding_pass", mid="m-r")])
    assert await dev.read_receipts(bid, ["m-r", "never-sent"]) == 1
    box = Inbox()
    sub = biz.subscribe(box, role="business")
    (s,) = await box.wait("status", 1)
    assert (s["message_id"], s["status"], s["customer"]) == ("m-r", "read", "alice")
    await sub.close()
