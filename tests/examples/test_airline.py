"""The airline example, through every gate (issue 2's required scenarios)."""

from __future__ import annotations

import datetime as dt

import pytest
from examples.airline.bot import TEMPLATES, build_bot
from examples.airline.events import CheckedIn, Flight, GateChanged, Passenger

from notifybot import (
    Bot,
    ConfigurationError,
    NotOptedIn,
    OutsideSessionWindow,
    RecipientOptedOut,
    Templates,
)
from notifybot.billing import PriceBookSet, quote
from notifybot.testing import FakeCustomer, ManualClock, capture_notifications

PAX = Passenger("cust-luc", "Desmarais", "Luc", "ABC123")
FLIGHT = Flight("AC", 834, "YUL", "FRA", dt.datetime(2026, 8, 14, 18, 30), gate="B12")


def check_in(pax: Passenger = PAX) -> CheckedIn:
    return CheckedIn(pax, FLIGHT, "F", "1A", 25, dt.datetime(2026, 8, 14, 17, 50))


@pytest.fixture
async def bot(clock: ManualClock) -> Bot:
    bot = build_bot(clock=clock)
    await bot.start()
    return bot


async def test_customer_who_never_wrote_gets_nothing(bot: Bot) -> None:
    luc = FakeCustomer(bot, PAX.customer_id, phone="+33612345678")
    await luc.register()
    result = await bot.notify("boarding_pass", check_in())
    assert not result.ok
    assert isinstance(result.error, NotOptedIn)
    assert luc.received == []
    assert await bot.store.ledger() == []


async def test_after_hi_boarding_pass_is_free(bot: Bot) -> None:
    luc = FakeCustomer(bot, PAX.customer_id, phone="+33612345678")
    await luc.send("hi")
    result = await bot.notify("boarding_pass", check_in())
    assert result.ok, result
    assert result.price_micros == 0 and not result.billable and result.in_window
    bp = luc.received[-1]
    assert bp.template_id == "boarding_pass"
    assert "M1DESMARAIS/LUC       EABC123 YULFRAAC 0834 226F001A0025 100" in bp.text
    assert bp.buttons[0].url == "https://aurora-air.example/trips/ABC123"
    [entry] = [e for e in await bot.store.ledger() if e.message_id == result.message_id]
    assert entry.price_micros == 0 and entry.in_window


async def test_25_hours_later_template_is_billed_at_country_rate(
    bot: Bot, clock: ManualClock
) -> None:
    luc = FakeCustomer(bot, PAX.customer_id, phone="+33612345678")
    await luc.send("hi")
    clock.advance(hours=25)
    result = await bot.notify("gate_change", GateChanged(PAX, FLIGHT, "B12", "C4"))
    assert result.ok, result
    expected = quote(
        PriceBookSet.default().book_for(clock.now()), country="FR", category="utility",
        in_window=False,
    )
    assert result.billable and result.price_micros == expected.price_micros > 0
    [entry] = [e for e in await bot.store.ledger() if e.message_id == result.message_id]
    assert entry.country == "FR" and entry.price_micros == expected.price_micros
    assert not entry.in_window
    assert "C4" in luc.texts[-1]


async def test_free_form_reply_refused_outside_window(bot: Bot, clock: ManualClock) -> None:
    luc = FakeCustomer(bot, PAX.customer_id, phone="+33612345678")
    await luc.send("hi")
    before = len(luc.received)
    clock.advance(hours=24)  # exactly 24 h later the window is closed
    result = await bot.reply(PAX.customer_id, "Your bag is at the desk.")
    assert isinstance(result.error, OutsideSessionWindow)
    assert len(luc.received) == before


async def test_question_inside_window_gets_free_reply(bot: Bot) -> None:
    luc = FakeCustomer(bot, PAX.customer_id, phone="+33612345678")
    with capture_notifications(bot) as sent:
        await luc.send("How much baggage can I take?")
    assert "cabin bag" in luc.texts[-1]
    assert sent[0].category == "service" and sent[0].price_micros == 0


def test_template_with_upgrade_offer_fails_lint(clock: ManualClock) -> None:
    sources = {p.name[:-3]: p.read_text() for p in TEMPLATES.glob("*.j2")}
    sources["gate_change"] += "\nUpgrade to business class for only $99 — book now!"
    bot = build_bot(clock=clock, templates=Templates(sources))
    with pytest.raises(ConfigurationError) as info:
        bot.check_templates()
    assert "gate_change" in str(info.value)


async def test_after_stop_nothing_more_is_sent(bot: Bot) -> None:
    luc = FakeCustomer(bot, PAX.customer_id, phone="+33612345678")
    await luc.send("hi")
    await luc.send("STOP")
    assert "no longer receive" in luc.texts[-1]  # the mandated confirmation goes through
    count = len(luc.received)
    result = await bot.notify("boarding_pass", check_in())
    assert isinstance(result.error, RecipientOptedOut)
    assert len(luc.received) == count


async def test_french_customer_gets_french_template(bot: Bot) -> None:
    luc = FakeCustomer(bot, PAX.customer_id, phone="+33612345678", locale="fr")
    await luc.send("bonjour")
    result = await bot.notify("boarding_pass", check_in())
    assert result.ok
    assert luc.texts[-1].startswith("Bonjour Luc")


async def test_retried_notification_is_sent_once(bot: Bot) -> None:
    luc = FakeCustomer(bot, PAX.customer_id, phone="+33612345678")
    await luc.send("hi")
    first = await bot.notify("boarding_pass", check_in())
    again = await bot.notify("boarding_pass", check_in())
    assert first.ok and again.ok and again.duplicate
    assert again.message_id == first.message_id
    assert sum(1 for c in luc.received if c.template_id == "boarding_pass") == 1


def test_demo_runs_end_to_end(tmp_path: object) -> None:
    import io
    from pathlib import Path

    from examples.airline.demo import main

    out = io.StringIO()
    assert main(["--data", str(tmp_path)], out=out) == 0
    text = out.getvalue()
    assert "NotOptedIn" in text and "OutsideSessionWindow" in text
    assert "PolicyViolation" in text and "RecipientBlocked" in text
    assert "M1DESMARAIS/LUC" in text
    assert (Path(str(tmp_path)) / "bot" / "notifybot.db").is_file()
    assert (Path(str(tmp_path)) / "relay" / "relay.sqlite3").is_file()
    assert "equal, message by message" in text


def test_demo_shows_text_decrypted_on_the_device(tmp_path: object) -> None:
    """The phone's lines come from the Device, which decrypted them: the boarding pass and
    the free answer appear on the customer's side, after the relay carried ciphertext."""
    import io
    from pathlib import Path

    from examples.airline.demo import main

    out = io.StringIO()
    assert main(["--data", str(tmp_path)], out=out) == 0
    phone = [line for line in out.getvalue().splitlines() if line.startswith("   luc ")]
    assert any("← Hello Luc, you are checked in on AC 834" in line for line in phone)
    assert any("← Each passenger may bring one cabin bag" in line for line in phone)
    assert any("decrypted on the phone: template boarding_pass, conforms" in ln for ln in phone)
    relay_files = (Path(str(tmp_path)) / "relay").glob("relay.sqlite3*")
    assert all(b"Each passenger may bring" not in f.read_bytes() for f in relay_files)


def test_demo_refuses_a_folder_with_an_earlier_run(tmp_path: object) -> None:
    import io
    from pathlib import Path

    from examples.airline.demo import main

    data = Path(str(tmp_path))
    assert main(["--data", str(data)], out=io.StringIO()) == 0
    with pytest.raises(SystemExit) as info:  # argparse's usage error, before any work
        main(["--data", str(data)], out=io.StringIO())
    assert info.value.code == 2
