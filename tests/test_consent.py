"""Consent: keywords, the audit trail, opt-out/in, HELP, blocks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from notifybot import (
    Bot,
    BusinessProfile,
    ConfigurationError,
    Notify,
    NotOptedIn,
    RecipientBlocked,
    RecipientOptedOut,
    UnknownRecipient,
)
from notifybot.clock import ManualClock
from notifybot.consent import Keyword, keyword
from notifybot.store.records import ConsentKind
from notifybot.testing import FakeCustomer

PROFILE = BusinessProfile(
    name="Test Air",
    website="https://air.example",
    help_text="Test Air help: visit https://air.example/help or call +1 514 555 0100.",
)


@pytest.fixture
async def bot(clock: ManualClock) -> Bot:
    bot = Bot(PROFILE, templates={"ping": "Ping {{ n }}"}, clock=clock, business_id="test-air")
    bot.notification("ping")(lambda event: Notify(event, {"n": 1}))
    await bot.start()
    return bot


# keyword() ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    ["STOP", "stop", "UNSUBSCRIBE", "Arrêt", "ARRET", "arrêter", "baja", "BAJA", "Stop.",
     " stop ", "STOP!", "¡Baja!", "opt-out", "Darme de baja", "Stop\n"],
)  # fmt: skip
def test_stop_words(text: str) -> None:
    assert keyword(text) is Keyword.STOP


@pytest.mark.parametrize("text", ["START", "start", "REPRISE", "Reprise", "alta", "ALTA", "Start!"])
def test_start_words(text: str) -> None:
    assert keyword(text) is Keyword.START


@pytest.mark.parametrize("text", ["HELP", "help?", "aide", "AIDE", "ayuda", "¿Ayuda?"])
def test_help_words(text: str) -> None:
    assert keyword(text) is Keyword.HELP


@pytest.mark.parametrize(
    "text",
    [
        "please stop by the desk",
        "stop sending me the wrong gate",
        "Can I stop over in Paris?",
        "help me find my bag",
        "",
        "   ",
        "stopp",
        "stop " * 20,
        "Arrêt de bus",
    ],
)
def test_sentences_containing_keywords_are_not_keywords(text: str) -> None:
    assert keyword(text) is None


# audit trail -------------------------------------------------------------------------------
async def test_audit_trail_order_and_sources(bot: Bot, clock: ManualClock) -> None:
    ana = FakeCustomer(bot, "ana")
    await ana.send("hi")  # first contact
    clock.advance(minutes=1)
    await ana.send("STOP")
    clock.advance(minutes=1)
    await ana.send("START")
    clock.advance(minutes=1)
    await ana.block()
    clock.advance(minutes=1)
    await ana.unblock()
    clock.advance(minutes=1)
    await bot.opt_in("ana", source="booking-form", evidence="checkbox ticked, booking ABC123")

    events = await bot.store.consent_events("ana")
    assert [(e.kind, e.source) for e in events] == [
        (ConsentKind.OPT_IN, "first_contact"),
        (ConsentKind.OPT_OUT, "keyword"),
        (ConsentKind.OPT_IN, "keyword"),
        (ConsentKind.BLOCK, "customer"),
        (ConsentKind.UNBLOCK, "customer"),
        (ConsentKind.OPT_IN, "booking-form"),
    ]
    times = [e.at for e in events]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert events[1].evidence == "STOP" and events[2].evidence == "START"
    assert events[-1].evidence == "checkbox ticked, booking ABC123"
    assert events[0].evidence  # the inbound message that opted her in
    state = await bot.store.consent_state("ana")
    assert state.opted_in and not state.opted_out and not state.blocked


async def test_first_contact_is_recorded_once(bot: Bot) -> None:
    ana = FakeCustomer(bot, "ana")
    for text in ("hi", "are you there?", "hello"):
        await ana.send(text)
    events = await bot.store.consent_events("ana")
    assert [e.source for e in events] == ["first_contact"]


async def test_explicit_opt_in_allows_notify_without_contact(bot: Bot) -> None:
    await bot.add_customer("bob", phone="+15145550123")
    refused = await bot.notify("ping", "bob")
    assert isinstance(refused.error, NotOptedIn)
    await bot.opt_in("bob", source="booking-form", evidence="checkbox")
    # opted in, but no window: a billed template is allowed
    result = await bot.notify("ping", "bob")
    assert result.ok and result.billable and not result.in_window


@pytest.mark.parametrize(("source", "evidence"), [("", "x"), ("form", ""), ("", "")])
async def test_explicit_opt_in_needs_source_and_evidence(
    bot: Bot, source: str, evidence: str
) -> None:
    await bot.add_customer("bob")
    with pytest.raises(ConfigurationError):
        await bot.opt_in("bob", source=source, evidence=evidence)
    assert await bot.store.consent_events("bob") == []


async def test_explicit_opt_in_of_unknown_customer_is_refused(bot: Bot) -> None:
    with pytest.raises(UnknownRecipient):
        await bot.opt_in("ghost", source="form", evidence="x")
    assert await bot.store.consent_events("ghost") == []


# opt-out -----------------------------------------------------------------------------------
async def test_opted_out_customer_writing_normally_stays_opted_out(bot: Bot) -> None:
    ana = FakeCustomer(bot, "ana")
    await ana.send("hi")
    await ana.send("STOP")
    await ana.send("Actually, what time is boarding?")
    state = await bot.store.consent_state("ana")
    assert state.opted_out and not state.opted_in
    result = await bot.notify("ping", "ana")
    assert isinstance(result.error, RecipientOptedOut)
    assert [e.kind for e in await bot.store.consent_events("ana")] == [
        ConsentKind.OPT_IN,
        ConsentKind.OPT_OUT,
    ]


async def test_start_after_stop_resumes(bot: Bot) -> None:
    ana = FakeCustomer(bot, "ana")
    await ana.send("hi")
    await ana.send("STOP")
    await ana.send("START")
    assert "again" in ana.texts[-1]
    result = await bot.notify("ping", "ana")
    assert result.ok
    assert ana.texts[-1] == "Ping 1"


async def test_stop_as_first_message_does_not_opt_in(bot: Bot) -> None:
    ana = FakeCustomer(bot, "ana")
    await ana.send("stop")
    assert "no longer receive" in ana.texts[-1]
    result = await bot.notify("ping", "ana")
    assert isinstance(result.error, RecipientOptedOut)


# HELP --------------------------------------------------------------------------------------
async def test_help_reply_contains_profile_help_text(bot: Bot) -> None:
    ana = FakeCustomer(bot, "ana")
    await ana.send("HELP")
    assert ana.texts == [PROFILE.help_text]


async def test_help_reply_goes_to_an_opted_out_customer(bot: Bot) -> None:
    ana = FakeCustomer(bot, "ana")
    await ana.send("STOP")
    await ana.send("aide")
    assert ana.texts[-1] == PROFILE.help_text


def test_default_help_reply_built_from_profile() -> None:
    profile = BusinessProfile(name="Acme", website="https://acme.example", email="a@acme.example")
    reply = profile.help_reply()
    assert "Acme" in reply and "https://acme.example" in reply and "a@acme.example" in reply
    assert "STOP" in reply


# confirmations in the customer's language --------------------------------------------------
@pytest.mark.parametrize(
    ("locale", "word", "expected"),
    [
        ("fr", "ARRÊT", "Vous ne recevrez plus de messages de Test Air"),
        ("fr-CA", "arret", "Vous ne recevrez plus de messages de Test Air"),
        ("es", "BAJA", "Ya no recibirás mensajes de Test Air"),
        ("es-MX", "stop", "Ya no recibirás mensajes de Test Air"),
        ("en", "STOP", "You will no longer receive messages from Test Air"),
        ("de", "STOP", "You will no longer receive messages from Test Air"),
        (None, "STOP", "You will no longer receive messages from Test Air"),
    ],
)
async def test_stop_confirmation_in_customer_language(
    bot: Bot, locale: str | None, word: str, expected: str
) -> None:
    cust = FakeCustomer(bot, "c", locale=locale)
    await cust.send("hello")
    await cust.send(word)
    assert cust.texts[-1].startswith(expected)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("fr", "Vous recevrez de nouveau"), ("es", "Volverás a recibir"), ("en", "You will receive")],
)
async def test_start_confirmation_in_customer_language(
    bot: Bot, locale: str, expected: str
) -> None:
    cust = FakeCustomer(bot, "c", locale=locale)
    await cust.send("STOP")
    await cust.send("REPRISE" if locale == "fr" else "ALTA" if locale == "es" else "START")
    assert cust.texts[-1].startswith(expected)


# blocks ------------------------------------------------------------------------------------
async def test_block_refuses_everything_and_delivers_nothing(bot: Bot, clock: ManualClock) -> None:
    ana = FakeCustomer(bot, "ana", phone="+33612345678")
    await ana.send("hi")
    before = (len(ana.received), len(bot.transport.sent))  # type: ignore[attr-defined]
    await bot.receive_block("ana", blocked=True, source="customer")

    notify = await bot.notify("ping", "ana")
    reply = await bot.reply("ana", "Your bag is at the desk.")
    assert isinstance(notify.error, RecipientBlocked)
    assert isinstance(reply.error, RecipientBlocked)
    assert not notify.retryable
    # a blocked customer's STOP / HELP gets no (exempt) answer either
    await ana.send("STOP")
    await ana.send("HELP")
    clock.advance(timedelta(days=2))
    assert isinstance((await bot.notify("ping", "ana")).error, RecipientBlocked)
    assert (len(ana.received), len(bot.transport.sent)) == before  # type: ignore[attr-defined]
    assert await bot.store.ledger() == []


async def test_unblock_restores_delivery(bot: Bot) -> None:
    ana = FakeCustomer(bot, "ana")
    await ana.send("hi")
    await ana.block()
    assert isinstance((await bot.notify("ping", "ana")).error, RecipientBlocked)
    await ana.unblock()
    result = await bot.notify("ping", "ana")
    assert result.ok
    assert ana.texts == ["Ping 1"]


async def test_block_of_opted_out_customer_then_unblock_stays_opted_out(bot: Bot) -> None:
    ana = FakeCustomer(bot, "ana")
    await ana.send("STOP")
    await ana.block()
    await ana.unblock()
    assert isinstance((await bot.notify("ping", "ana")).error, RecipientOptedOut)
