"""End to end over a real relay: the airline bot (Signal sealer, RelayTransport) and
customer Devices, with SQLite on both sides and a ManualClock."""

from __future__ import annotations

import base64
import datetime as dt
import os
import uuid

import pytest
from examples.airline.events import CheckedIn, Flight, FlightDelayed, GateChanged, Passenger
from tests.e2e.world import World, until

from notifybot.client import Device, DeviceCredentials
from notifybot.clock import to_millis
from notifybot.envelope import Content, Envelope, EnvelopeType
from notifybot.errors import RecipientBlocked
from notifybot.relay.business import RelayBusiness
from notifybot.relay.errors import RelayUnauthorized
from notifybot.results import Refused
from notifybot.sealing import OutboundMessage

LUC = Passenger("luc", "Desmarais", "Luc", "ABC123")
FLIGHT = Flight("AC", 834, "YUL", "FRA", dt.datetime(2026, 8, 14, 18, 30), gate="B12")


def checked_in(seat: str = "1A") -> CheckedIn:
    return CheckedIn(LUC, FLIGHT, "F", seat, 25, dt.datetime(2026, 8, 14, 17, 50))


def gate(new: str) -> GateChanged:
    return GateChanged(LUC, FLIGHT, "B12", new)


async def _open_window(world: World, device: Device, business: str) -> None:
    before = len(device.inbox.received())
    await device.send(business, "hi")
    await until(lambda: len(device.inbox.received()) > before, "the bot's answer")


async def _seal_and_post(
    world: World, link: RelayBusiness, content: Content, category: str = "utility",
    *, post: bool = True,
) -> list[Envelope]:
    """Bypass the bot's pipeline: seal a content directly and post it through the transport."""
    message = OutboundMessage(
        uuid.uuid4().hex, link.business_id, "luc", content, to_millis(world.clock.now()), category
    )
    envelopes = await link.sealer.seal(message)
    for env in envelopes if post else ():
        await link.transport.send(env)
    return envelopes


async def test_every_device_of_the_customer_receives(world: World) -> None:
    bot, link = await world.airline()
    phone = await world.device("luc", phone="+33612345678")
    tablet = await world.device("luc", device_id=2, link=phone)
    for d in (phone, tablet):
        await d.connect()
    await _open_window(world, phone, link.business_id)
    result = await bot.notify("boarding_pass", checked_in())
    assert result.ok and len(result.receipts) == 2
    for d in (phone, tablet):
        await until(lambda d=d: any(m.template_id == "boarding_pass" for m in d.messages))
    assert [m.text for m in phone.inbox.received()] == [m.text for m in tablet.inbox.received()]
    await until(lambda: world.status_of(result.message_id).count("delivered") == 2)


async def test_a_device_offline_for_a_day_gets_its_queue_in_order(world: World) -> None:
    bot, link = await world.airline()
    luc = await world.device("luc", phone="+33612345678")
    await luc.connect()
    await _open_window(world, luc, link.business_id)
    await luc.disconnect()
    sent = []
    for new_gate in ("C1", "C2", "C3"):
        world.clock.advance(hours=8)
        result = await bot.notify("gate_change", gate(new_gate))
        assert result.ok
        sent.append(result.message_id)
    delay = FlightDelayed(LUC, FLIGHT, dt.datetime(2026, 8, 15, 20, 0), "late aircraft")
    sent.append((await bot.notify("delay", delay)).message_id)
    world.clock.advance(days=1)
    await luc.connect()
    await until(lambda: len(luc.inbox.received()) == 1 + len(sent), "the queue")
    got = luc.inbox.received()[1:]
    assert [m.message_id for m in got] == sent
    assert [m.text.split("gate ")[1][:2] for m in got[:3]] == ["C1", "C2", "C3"]


async def test_reconnects_mid_stream_lose_nothing_and_show_nothing_twice(world: World) -> None:
    bot, link = await world.airline()
    luc = await world.device("luc")
    await luc.connect()
    await _open_window(world, luc, link.business_id)
    texts = [f"Update {i}: your bag is on its way." for i in range(30)]
    for i, text in enumerate(texts):
        assert (await bot.reply("luc", text)).ok
        if i % 7 == 3:
            await luc.drop_connection()
    # a retried send: the same sealed message id posted again is shown once
    (env,) = await _seal_and_post(world, link, Content("Update 30: one more."), "service")
    await link.transport.client.send([env])
    await until(lambda: len(luc.inbox.received()) == 1 + 31, "every update")
    await luc.drop_connection()
    await luc.disconnect()
    await luc.connect()  # the relay has nothing more; nothing is shown twice
    got = [m.text for m in luc.inbox.received()[1:]]
    assert got == [*texts, "Update 30: one more."]
    assert len({m.message_id for m in luc.messages}) == len(luc.messages)


async def test_block_is_enforced_by_the_relay_and_reaches_the_bot(world: World) -> None:
    bot, link = await world.airline()
    luc = await world.device("luc")
    await luc.connect()
    await _open_window(world, luc, link.business_id)
    await luc.disconnect()
    for new_gate in ("C1", "C2"):
        assert (await bot.notify("gate_change", gate(new_gate))).ok
    assert await luc.block(link.business_id) == 2  # both queued gate changes dropped
    await until(lambda: world.blocks == [("luc", True)], "the block reaching the bot")
    refused = await bot.notify("gate_change", gate("C3"))
    assert isinstance(refused, Refused) and isinstance(refused.error, RecipientBlocked)
    with pytest.raises(RecipientBlocked):  # and the relay refuses what bypasses the bot
        await _seal_and_post(world, link, Content("Gate change for AC 834: now gate C9."))
    await luc.connect()
    await luc.unblock(link.business_id)  # a round trip through the relay after reconnecting
    assert [m.text for m in luc.inbox.received()][1:] == []


async def test_a_forged_token_is_refused(world: World) -> None:
    await world.airline()
    forged = DeviceCredentials("luc", 1, base64.urlsafe_b64encode(os.urandom(32)).decode())
    mallory = await Device.resume(world.url, forged, clock=world.clock)
    world.devices.append(mallory)
    with pytest.raises(RelayUnauthorized):
        await mallory.connect()
    with pytest.raises(RelayUnauthorized):
        await mallory.block("biz_0000000000000000")


async def test_malformed_and_tampered_envelopes_are_refused_never_shown(world: World) -> None:
    _bot, link = await world.airline()
    luc = await world.device("luc")
    await luc.connect()
    await _open_window(world, luc, link.business_id)
    # the relay checks the envelope's form
    (result,) = await link.transport.client.send_raw([{"v": 1, "id": "x", "to": "luc"}])
    assert (result.accepted, result.code) == (False, "bad_envelope")
    garbage = Envelope(
        message_id="garbage", sender=link.business_id, recipient="luc", device_id=1,
        type=EnvelopeType.SIGNAL, timestamp_ms=to_millis(world.clock.now()),
        body=b"\x33" + os.urandom(80),
    )  # fmt: skip
    await link.transport.send(garbage)
    content = Content("Your bag is at desk 4.")
    (env,) = await _seal_and_post(world, link, content, "service", post=False)
    tampered = Envelope.from_json({**env.to_json(), "id": "tampered", "ts": env.timestamp_ms + 1})
    await link.transport.send(tampered)
    await until(lambda: len(luc.rejected) == 2, "two rejections")
    assert {mid for mid, _ in luc.rejected} == {"garbage", "tampered"}
    (good,) = await _seal_and_post(world, link, Content("Your bag is at desk 5."), "service")
    await until(lambda: luc.inbox.received()[-1].message_id == good.message_id)
    assert [m.text for m in luc.inbox.received()[1:]] == ["Your bag is at desk 5."]


async def test_a_message_not_matching_its_template_is_flagged_and_reported(world: World) -> None:
    bot, link = await world.airline()
    luc = await world.device("luc")
    await luc.connect()
    await _open_window(world, luc, link.business_id)
    smuggled = Content(
        "Gate change for AC 834: now gate C4 (was B12). Upgrade to business for $99 today!",
        template_id="gate_change",
    )
    # a bot that bypasses rendering: "(was {{ old_gate }})" cannot absorb the extra sentence
    (env,) = await _seal_and_post(world, link, smuggled)
    await until(lambda: len(luc.inbox.flagged) == 1, "the flagged message")
    assert luc.inbox.flagged[0].message_id == env.message_id
    assert all(m.message_id != env.message_id for m in luc.messages)  # not shown
    await until(lambda: "failed" in world.status_of(env.message_id), "the mismatch report")
    failed = [s for s in world.statuses if s.status == "failed"]
    (update,) = [s for s in failed if s.message_id == env.message_id]
    assert update.detail == "template_mismatch: gate_change"
    # a rendered one still conforms
    assert (await bot.notify("gate_change", gate("C5"))).ok
    await until(lambda: luc.inbox.received()[-1].text.startswith("Gate change for AC 834"))
    assert len(luc.inbox.flagged) == 1


async def test_forget_erases_the_customers_sessions_and_seen_ids(world: World) -> None:
    bot, link = await world.airline()
    phone = await world.device("luc", phone="+33612345678")
    await phone.connect()
    await _open_window(world, phone, link.business_id)
    assert (await bot.notify("boarding_pass", checked_in())).ok
    assert await link.sealer.party.has_session("luc", phone.device_id)
    assert await bot.store.kv_keys("inbound-seen", "luc\x1f")

    await bot.forget("luc")

    assert not await link.sealer.party.has_session("luc", phone.device_id)
    assert await bot.store.kv_keys("inbound-seen", "luc\x1f") == []
    assert await bot.store.get_customer("luc") is None
    # the customer is a stranger again: nothing goes out until they write
    refused = await bot.notify("boarding_pass", checked_in())
    assert not refused.ok
