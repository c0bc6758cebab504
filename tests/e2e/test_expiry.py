"""``ttl=`` end to end over a real relay: the airline bot's boarding pass (``ttl=6 h``), a
customer Device, SQLite on both sides, ManualClocks moved instead of waiting."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from datetime import timedelta

from examples.airline.events import CheckedIn, Flight, GateChanged, Passenger
from tests.e2e.world import World, until

from notifybot.client import Device
from notifybot.clock import ManualClock, to_millis
from notifybot.envelope import Content, Envelope
from notifybot.relay.business import RelayBusiness
from notifybot.results import Accepted
from notifybot.sealing import OutboundMessage

LUC = Passenger("luc", "Desmarais", "Luc", "ABC123")
FLIGHT = Flight("AC", 834, "YUL", "FRA", dt.datetime(2026, 8, 14, 18, 30), gate="B12")
CHECKED_IN = CheckedIn(LUC, FLIGHT, "F", "1A", 25, dt.datetime(2026, 8, 14, 17, 50))
TTL = timedelta(hours=6)  # the airline's boarding_pass declares ttl=6 * 3600


async def _luc(world: World, **options: object) -> tuple[Device, RelayBusiness]:
    _bot, link = await world.airline()
    luc = await world.device("luc", phone="+33612345678", **options)
    await luc.connect()
    await luc.send(link.business_id, "hi")  # first contact: opt-in and the 24 h window
    await until(lambda: len(luc.inbox.received()) == 1, "the bot's answer")
    return luc, link


def _queued(world: World) -> int:
    with sqlite3.connect(world.db_path) as db:
        return int(db.execute("SELECT count(*) FROM queue WHERE rkey LIKE 'd:%'").fetchone()[0])


async def _boarding_pass(world: World) -> Accepted:
    result = await world.bots[0].notify("boarding_pass", CHECKED_IN)
    assert isinstance(result, Accepted)
    assert result.expires_at == world.clock.now() + TTL
    return result


async def _gate_change_arrives(world: World, luc: Device) -> str:
    """A message without ttl, sent after: once it is shown, anything before it was handled."""
    result = await world.bots[0].notify("gate_change", GateChanged(LUC, FLIGHT, "B12", "C4"))
    assert result.ok and result.expires_at is None  # type: ignore[union-attr]
    await until(lambda: any(m.message_id == result.message_id for m in luc.messages), "gate")
    return result.message_id


async def test_a_boarding_pass_queued_past_its_ttl_is_never_delivered(world: World) -> None:
    luc, _link = await _luc(world)
    await luc.disconnect()  # the phone is off
    result = await _boarding_pass(world)
    world.clock.advance(TTL + timedelta(minutes=1))
    await luc.connect()
    await _gate_change_arrives(world, luc)
    await until(lambda: world.status_of(result.message_id) == ["expired"], "the expired status")
    assert all(m.template_id != "boarding_pass" for m in luc.messages)
    assert luc.expired == []  # the relay dropped it: the phone never received it
    (update,) = [s for s in world.statuses if s.message_id == result.message_id]
    assert (update.customer_id, update.device_id) == ("luc", 1)
    assert update.timestamp_ms == to_millis(world.clock.now())
    sent = await world.bots[0].store.get_message(result.message_id)
    assert sent is not None and sent.status == "expired"
    assert _queued(world) == 0


async def test_a_boarding_pass_inside_its_ttl_is_delivered(world: World) -> None:
    luc, _link = await _luc(world)
    await luc.disconnect()
    result = await _boarding_pass(world)
    world.clock.advance(TTL - timedelta(seconds=1))
    await luc.connect()
    await until(lambda: any(m.message_id == result.message_id for m in luc.messages), "the pass")
    await until(lambda: "delivered" in world.status_of(result.message_id), "delivered")
    assert "expired" not in world.status_of(result.message_id) and luc.expired == []


async def test_the_phone_refuses_to_show_what_arrives_expired_by_its_own_clock(
    world: World,
) -> None:
    """The relay's clock says the pass is still good; the phone's clock is 7 hours ahead."""
    phone_clock = ManualClock(world.clock.now() + TTL + timedelta(hours=1))
    luc, _link = await _luc(world, clock=phone_clock)
    result = await _boarding_pass(world)
    await until(lambda: world.status_of(result.message_id) == ["expired"], "the expired status")
    assert luc.expired == [result.message_id]
    assert all(m.message_id != result.message_id for m in luc.messages + luc.inbox.flagged)
    assert _queued(world) == 0  # acked, so deleted
    await _gate_change_arrives(world, luc)
    assert world.status_of(result.message_id) == ["expired"]  # never "delivered" nor "read"


async def test_an_extended_or_stripped_expiry_is_refused_as_tampering(world: World) -> None:
    luc, link = await _luc(world)
    message = OutboundMessage(
        uuid.uuid4().hex, link.business_id, "luc", Content("Your driver is arriving."),
        to_millis(world.clock.now()), "service",
        expires_ms=to_millis(world.clock.now() + timedelta(minutes=15)),
    )  # fmt: skip
    (genuine,) = await link.sealer.seal(message)
    doc = genuine.to_json()
    assert genuine.expires_ms is not None
    extended = Envelope.from_json({**doc, "expires": genuine.expires_ms + 24 * 3600 * 1000})
    stripped = Envelope.from_json({k: v for k, v in doc.items() if k != "expires"})
    for n, forged in enumerate((extended, stripped), start=1):
        # Same id and body as the genuine envelope: only the expiry differs. The relay cannot
        # tell (it carries it); the phone must.
        await link.transport.send(forged)
        await until(lambda n=n: len(luc.rejected) == n, f"rejection {n}")
    assert [mid for mid, _ in luc.rejected] == [genuine.message_id] * 2
    assert all("metadata does not match" in why for _, why in luc.rejected)
    assert all(m.message_id != genuine.message_id for m in luc.messages)
    await link.transport.send(genuine)
    await until(lambda: luc.messages[-1].message_id == genuine.message_id, "the genuine one")
    assert [m.text for m in luc.inbox.received()[1:]] == ["Your driver is arriving."]
