"""``ttl=``: the bot stamps each notification's envelope with its expiry and reports it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from notifybot import (
    Accepted,
    Bot,
    BusinessProfile,
    ConfigurationError,
    HandlerFailed,
    MemoryTransport,
    Notify,
    Refused,
    Router,
)
from notifybot.clock import ManualClock, to_millis
from notifybot.testing import FakeCustomer

PROFILE = BusinessProfile(name="Test Rides")
TEMPLATES = {
    "arriving": "Your driver is arriving at {{ place }}.",
    "receipt": "Your trip to {{ place }} is paid.",
}


def passthrough(event: Notify) -> Notify:
    return event


@pytest.fixture
async def bot(clock: ManualClock) -> Bot:
    bot = Bot(PROFILE, templates=TEMPLATES, clock=clock, business_id="rides")
    bot.notification("arriving", ttl=15 * 60)(passthrough)
    bot.notification("receipt")(passthrough)
    await bot.start()
    await FakeCustomer(bot, "ana").send("hi")
    return bot


def sent(bot: Bot) -> MemoryTransport:
    assert isinstance(bot.transport, MemoryTransport)
    return bot.transport


async def test_a_declared_ttl_sets_the_expiry(bot: Bot, clock: ManualClock) -> None:
    clock.advance(minutes=3)
    result = await bot.notify("arriving", Notify("ana", {"place": "Gate 4"}))
    assert isinstance(result, Accepted)
    assert result.expires_at == clock.now() + timedelta(minutes=15)
    envelope = sent(bot).sent[-1]
    assert envelope.expires_ms == to_millis(clock.now()) + 900_000
    assert envelope.expires_ms - envelope.timestamp_ms == 900_000


async def test_no_ttl_no_expiry(bot: Bot) -> None:
    result = await bot.notify("receipt", Notify("ana", {"place": "YUL"}))
    reply = await bot.reply("ana", "You are welcome.")
    assert isinstance(result, Accepted) and isinstance(reply, Accepted)
    assert result.expires_at is None and reply.expires_at is None
    assert [e.expires_ms for e in sent(bot).sent[-2:]] == [None, None]


async def test_per_message_overrides(bot: Bot, clock: ManualClock) -> None:
    shorter = await bot.notify("arriving", Notify("ana", {"place": "A"}, ttl=60))
    per_call = await bot.notify("arriving", Notify("ana", {"place": "B"}), ttl=120)
    added = await bot.notify("receipt", Notify("ana", {"place": "C"}, ttl=0.25))
    direct = await bot.send("arriving", Notify("ana", {"place": "D"}))  # the declared ttl
    assert [r.expires_at for r in (shorter, per_call, added, direct)] == [  # type: ignore[union-attr]
        clock.now() + timedelta(seconds=s) for s in (60, 120, 0.25, 900)
    ]
    assert [e.expires_ms for e in sent(bot).sent[-4:]] == [
        to_millis(clock.now()) + ms for ms in (60_000, 120_000, 250, 900_000)
    ]


async def test_a_duplicate_reports_no_expiry(bot: Bot) -> None:
    first = await bot.notify("arriving", Notify("ana", {"place": "A"}, idempotency_key="k"))
    again = await bot.notify("arriving", Notify("ana", {"place": "A"}, idempotency_key="k"))
    assert isinstance(first, Accepted) and isinstance(again, Accepted)
    assert first.expires_at is not None
    assert again.duplicate and again.expires_at is None  # the store does not keep it
    assert len(sent(bot).sent) == 1  # sent once


@pytest.mark.parametrize("ttl", [0, -1, float("nan"), float("inf"), True, "60", 10**9])
def test_bad_ttls_are_configuration_errors(ttl: object) -> None:
    with pytest.raises(ConfigurationError, match="ttl"):
        Router().notification("ping", ttl=ttl)(passthrough)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="ttl"):
        Notify("ana", ttl=ttl)  # type: ignore[arg-type]


async def test_a_handler_returning_a_bad_ttl_is_refused(bot: Bot) -> None:
    def bad(event: object) -> Notify:
        return Notify("ana", {"place": "A"}, ttl=-5)

    bot.notification("bad_arriving")(bad)
    result = await bot.notify("bad_arriving")
    assert isinstance(result, Refused) and isinstance(result.error, HandlerFailed)
