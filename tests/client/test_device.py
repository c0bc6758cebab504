"""The customer Device against a real relay and the airline bot (Signal end to end)."""

from __future__ import annotations

import datetime as dt

from examples.airline.events import CheckedIn, Flight, Passenger
from tests.e2e.world import World, eventually, until

LUC = Passenger("luc", "Desmarais", "Luc", "ABC123")
FLIGHT = Flight("AC", 834, "YUL", "FRA", dt.datetime(2026, 8, 14, 18, 30), gate="B12")
CHECKED_IN = CheckedIn(LUC, FLIGHT, "F", "1A", 25, dt.datetime(2026, 8, 14, 17, 50))


async def test_hi_then_boarding_pass_decrypted_conforming_delivered_and_read(world: World) -> None:
    bot, link = await world.airline()
    luc = await world.device("luc", phone="+33612345678", locale="en")
    await luc.connect()
    await luc.send(link.business_id, "hi")
    await until(lambda: len(luc.inbox.received()) == 1, "the bot's answer")
    assert luc.inbox.received()[0].text.startswith("Thanks!")
    assert await bot.store.last_inbound("luc") == world.clock.now()

    result = await bot.notify("boarding_pass", CHECKED_IN)
    assert result.ok and not result.billable
    await until(lambda: len(luc.inbox.received()) == 2, "the boarding pass")
    bp = luc.inbox.received()[1]
    assert bp.text.startswith("Hello Luc, you are checked in on AC 834 YUL→FRA")
    assert bp.template_id == "boarding_pass" and bp.status in ("received", "read")
    assert [b.label for b in bp.buttons] == ["Open my booking"]
    assert luc.inbox.flagged == [] and luc.rejected == []
    await until(lambda: world.status_of(result.message_id) == ["delivered", "read"], "statuses")
    assert (await bot.store.get_message(result.message_id)).status == "read"  # type: ignore[union-attr]


async def test_profile_block_and_unblock(world: World) -> None:
    _bot, link = await world.airline()
    luc = await world.device("luc")
    card = await luc.profile(link.business_id)
    assert card.name == "Aurora Airlines" and card.website == "https://aurora-air.example"
    assert await luc.block(link.business_id) == 0
    assert await luc.blocked() == [link.business_id]
    await until(lambda: world.blocks == [("luc", True)], "the block reaching the bot")
    await luc.unblock(link.business_id)
    await until(lambda: world.blocks[-1:] == [("luc", False)], "the unblock reaching the bot")


async def test_prekeys_are_topped_up_when_the_relay_says_they_run_low(world: World) -> None:
    luc = await world.device("luc", one_time_prekeys=12)
    await luc.connect()
    biz = await world.client().register_business("Someone")
    someone = world.client(biz.token)
    for _ in range(3):  # 12 -> 9, below the relay's threshold of 10: the relay signals
        await someone.bundle("luc", 1)
    me = world.client(luc.credentials.token)
    assert await eventually(me.prekey_count, lambda n: n != 9) == 9 + 12


async def test_second_device_needs_a_token_of_the_account(world: World) -> None:
    phone = await world.device("ana")
    tablet = await world.device("ana", device_id=2, link=phone)
    assert tablet.device_id == 2
    assert await world.client(phone.credentials.token).devices("ana") == [1, 2]
