"""The send pipeline: typed errors for bad input with state unchanged, the 24 h window,
order, idempotency, the ledger invariant, erasure, and the inbound chain's robustness."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifybot import (
    Accepted,
    Bot,
    BusinessProfile,
    Content,
    Envelope,
    EnvelopeError,
    EnvelopeType,
    HandlerFailed,
    InvalidPhoneNumber,
    MemoryTransport,
    MissingVariable,
    Notify,
    NotOptedIn,
    OutsideSessionWindow,
    PlaintextSealer,
    PolicyViolation,
    ProviderUnavailable,
    RateLimited,
    RecipientBlocked,
    RecipientOptedOut,
    Refused,
    UnknownRecipient,
    UnknownTemplate,
)
from notifybot.billing import PriceBookSet, quote
from notifybot.clock import ManualClock, to_millis
from notifybot.results import InboundMessage
from notifybot.testing import FakeCustomer, capture_notifications
from notifybot.transports.base import Receipt, StatusUpdate

PROFILE = BusinessProfile(name="Test Air", website="https://air.example")
TEMPLATES = {
    "ping": "Ping {{ n }}",
    "note": "Note for your trip: {{ note }}",
    "gate": "{#- button: Open booking | https://air.example/t/{{ pnr }} -#}\n"
    "Gate for {{ flight }} is now {{ gate }}.",
    "gate.fr": "{#- button: Ma réservation | https://air.example/t/{{ pnr }} -#}\n"
    "La porte du vol {{ flight }} est maintenant {{ gate }}.",
    "fr_only.fr": "Bonjour {{ name }}",
}
PROMO = "Get 50% off with coupon SAVE50"


def passthrough(event: Notify) -> Notify:
    return event


def make_bot(clock: ManualClock, **options: Any) -> Bot:
    bot = Bot(PROFILE, templates=TEMPLATES, clock=clock, business_id="test-air", **options)
    bot.notification("ping")(passthrough)
    bot.notification("note")(passthrough)
    bot.notification("gate")(passthrough)
    return bot


@pytest.fixture
async def bot(clock: ManualClock) -> Bot:
    bot = make_bot(clock)
    await bot.start()
    return bot


def transport(bot: Bot) -> MemoryTransport:
    assert isinstance(bot.transport, MemoryTransport)
    return bot.transport


async def snapshot(bot: Bot, *customers: str) -> tuple[Any, ...]:
    """Everything a refused send must leave unchanged."""
    per_customer = []
    for cid in customers:
        per_customer.append(
            (
                await bot.store.get_customer(cid),
                await bot.store.consent_events(cid),
                await bot.store.last_inbound(cid),
            )
        )
    return (await bot.store.ledger(), list(transport(bot).sent), per_customer)


class SlowTransport(MemoryTransport):
    """A memory transport that yields to the event loop like a network one, and can be held."""

    def __init__(self) -> None:
        super().__init__()
        self.open = asyncio.Event()
        self.open.set()

    async def send(self, envelope: Envelope) -> Receipt:
        await asyncio.sleep(0)
        await self.open.wait()
        return await super().send(envelope)


class SlowSealer(PlaintextSealer):
    """A plaintext sealer whose open() yields, as a real (store-backed) one does."""

    async def open(self, envelope: Envelope) -> Content:
        await asyncio.sleep(0)
        return await super().open(envelope)


def inbound(sender: str, text: str, *, to: str = "test-air", mid: str | None = None) -> Envelope:
    return Envelope(
        message_id=mid or uuid.uuid4().hex,
        sender=sender,
        recipient=to,
        device_id=1,
        type=EnvelopeType.PLAINTEXT,
        timestamp_ms=0,
        body=Content(text).to_bytes(),
    )


# bad input: typed error, state unchanged -----------------------------------------------------
async def test_unknown_notification_name(bot: Bot) -> None:
    ana = FakeCustomer(bot, "ana")
    await ana.send("hi")
    before = await snapshot(bot, "ana")
    result = await bot.notify("no_such_thing", Notify("ana", {"n": 1}))
    assert isinstance(result, Refused) and isinstance(result.error, UnknownTemplate)
    assert "no_such_thing" in result.reason and not result.retryable
    with pytest.raises(UnknownTemplate):
        result.raise_for_refusal()
    assert await snapshot(bot, "ana") == before


async def test_unknown_template_and_unknown_locale(bot: Bot) -> None:
    ana = FakeCustomer(bot, "ana", locale="en")
    await ana.send("hi")
    before = await snapshot(bot, "ana")
    missing = await bot.send("no_such_template", Notify("ana", {}))
    no_locale = await bot.send("fr_only", Notify("ana", {"name": "Ana"}, locale="de"))
    assert isinstance(missing.error, UnknownTemplate)
    assert isinstance(no_locale.error, UnknownTemplate)
    assert "fr_only" in no_locale.reason
    assert await snapshot(bot, "ana") == before
    ok = await bot.send("fr_only", Notify("ana", {"name": "Ana"}, locale="fr-CA"))
    assert ok.ok and ana.texts == ["Bonjour Ana"]


async def test_missing_variable(bot: Bot) -> None:
    ana = FakeCustomer(bot, "ana")
    await ana.send("hi")
    before = await snapshot(bot, "ana")
    result = await bot.notify("gate", Notify("ana", {"flight": "AC834", "gate": "B4"}))
    assert isinstance(result.error, MissingVariable)
    assert result.error.variable == "pnr" and result.error.template == "gate"
    assert result.template == "gate" and result.customer_id == "ana"
    assert await snapshot(bot, "ana") == before


@pytest.mark.parametrize("phone", ["12345", "+1 555", "not a phone", "+999123456789", "+33 1"])
async def test_malformed_phone_in_add_customer(bot: Bot, phone: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        await bot.add_customer("new", phone=phone)
    assert await bot.store.get_customer("new") is None

    await bot.add_customer("old", phone="+33612345678", locale="fr")
    before = await snapshot(bot, "old")
    with pytest.raises(InvalidPhoneNumber):
        await bot.add_customer("old", phone=phone, locale="es")
    assert await snapshot(bot, "old") == before


async def test_add_customer_sets_country_from_phone(bot: Bot) -> None:
    customer = await bot.add_customer("c", phone="+44 7400 123456")
    assert (customer.phone, customer.country) == ("+447400123456", "GB")
    again = await bot.add_customer("c", locale="en-GB")  # keeps the phone
    assert (again.phone, again.country, again.locale) == ("+447400123456", "GB", "en-GB")


async def test_unknown_customer(bot: Bot) -> None:
    before = await snapshot(bot, "ghost")
    notify = await bot.notify("ping", Notify("ghost", {"n": 1}))
    reply = await bot.reply("ghost", "Your bag is here.")
    for result in (notify, reply):
        assert isinstance(result.error, UnknownRecipient)
        assert result.error.customer_id == "ghost"
    assert await snapshot(bot, "ghost") == before


async def test_promotional_reply_is_refused_with_explained_verdict(bot: Bot) -> None:
    ana = FakeCustomer(bot, "ana")
    await ana.send("hi")
    before = await snapshot(bot, "ana")
    result = await bot.reply("ana", PROMO)
    assert isinstance(result.error, PolicyViolation)
    verdict = result.error.verdict
    assert not verdict.allowed and verdict.category == "marketing"
    assert verdict.reasons
    for reason in verdict.reasons:
        assert reason.rule_id
        start, end = reason.span
        assert PROMO[start:end] == reason.matched
    assert "coupon" in {r.matched.lower() for r in verdict.reasons}
    assert await snapshot(bot, "ana") == before


async def test_promotional_text_injected_through_a_variable(bot: Bot) -> None:
    ana = FakeCustomer(bot, "ana")
    await ana.send("hi")
    before = await snapshot(bot, "ana")
    result = await bot.notify("note", Notify("ana", {"note": PROMO}))
    assert isinstance(result.error, PolicyViolation)
    assert result.error.where == "template 'note'"
    text = bot.templates.render("note", {"note": PROMO}).text
    for reason in result.error.verdict.reasons:
        assert text[reason.span[0] : reason.span[1]] == reason.matched
    assert await snapshot(bot, "ana") == before


async def test_promotional_text_injected_through_a_button_url(bot: Bot) -> None:
    ana = FakeCustomer(bot, "ana")
    await ana.send("hi")
    before = await snapshot(bot, "ana")
    variables = {"flight": "AC834", "gate": "B4", "pnr": "ABC123?utm_campaign=promo"}
    result = await bot.notify("gate", Notify("ana", variables))
    assert isinstance(result.error, PolicyViolation)
    assert await snapshot(bot, "ana") == before


async def test_promotional_button_label_in_reply(bot: Bot) -> None:
    from notifybot import Button

    ana = FakeCustomer(bot, "ana")
    await ana.send("hi")
    result = await bot.reply("ana", "Your bag is at belt 4.", buttons=[Button("Get a coupon")])
    assert isinstance(result.error, PolicyViolation)
    assert {r.field for r in result.error.verdict.reasons} == {"button 0"}
    assert ana.received == []


async def test_unused_variables_do_not_reach_the_transport(bot: Bot) -> None:
    ana = FakeCustomer(bot, "ana")
    await ana.send("hi")
    result = await bot.notify("ping", Notify("ana", {"n": 1, "internal_note": PROMO}))
    assert result.ok
    assert b"SAVE50" not in transport(bot).sent[-1].body


async def test_handler_raising_is_handler_failed_with_cause(clock: ManualClock) -> None:
    errors: list[tuple[Any, Any]] = []

    def broken(event: Any) -> Notify:
        raise ValueError("no seat for this passenger")

    bot = make_bot(clock, on_error=[lambda error, event: errors.append((error, event))])
    bot.notification("note_broken")(broken)
    bot.templates.add("note_broken", "n {{ x }}")
    async with bot:
        ana = FakeCustomer(bot, "ana")
        await ana.send("hi")
        before = await snapshot(bot, "ana")
        result = await bot.notify("note_broken", {"pnr": "ABC123"})
        assert isinstance(result.error, HandlerFailed)
        assert isinstance(result.error.__cause__, ValueError)
        assert "no seat" in result.reason and "broken" in result.error.handler
        assert result.template == "note_broken"
        assert errors == [(result.error, {"pnr": "ABC123"})]
        assert await snapshot(bot, "ana") == before


@pytest.mark.parametrize("value", [None, {"to": "ana"}, "ana", ("ana", {})])
async def test_handler_returning_non_notify(clock: ManualClock, value: Any) -> None:
    bot = make_bot(clock)
    bot.notification("odd")(lambda event: value)
    bot.templates.add("odd", "odd")
    async with bot:
        ana = FakeCustomer(bot, "ana")
        await ana.send("hi")
        before = await snapshot(bot, "ana")
        result = await bot.notify("odd", None)
        assert isinstance(result.error, HandlerFailed)
        assert "Notify" in result.reason
        assert await snapshot(bot, "ana") == before


async def test_handler_returning_non_notify_chains_the_type_error(clock: ManualClock) -> None:
    bot = make_bot(clock)
    bot.notification("odd")(lambda event: None)
    bot.templates.add("odd", "odd")
    async with bot:
        result = await bot.notify("odd", None)
    assert isinstance(result.error, HandlerFailed)
    assert isinstance(result.error.__cause__, TypeError)


async def test_async_notification_handler(clock: ManualClock) -> None:
    async def handler(event: str, now: Any, bot: Bot) -> Notify:
        return Notify(event, {"n": f"{now:%H:%M}"})

    bot = make_bot(clock)
    bot.notification("ping2")(handler)
    bot.templates.add("ping2", "At {{ n }}")
    async with bot:
        ana = FakeCustomer(bot, "ana")
        await ana.send("hi")
        assert (await bot.notify("ping2", "ana")).ok
    assert ana.texts == ["At 09:00"]


# transport failure ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "failure", [ProviderUnavailable("relay down"), RateLimited(2.5)], ids=["down", "rate"]
)
async def test_transport_failure_is_retryable_refusal_without_ledger(
    bot: Bot, failure: Exception
) -> None:
    ana = FakeCustomer(bot, "ana", phone="+33612345678")
    await ana.send("hi")
    before = await snapshot(bot, "ana")
    transport(bot).fail_next(failure)  # type: ignore[arg-type]
    result = await bot.notify("ping", Notify("ana", {"n": 1}, idempotency_key="k1"))
    assert isinstance(result, Refused) and result.error is failure
    assert result.retryable
    assert await snapshot(bot, "ana") == before
    assert await bot.store.message_for_key("k1") is None
    # the retry with the same key goes through, once
    retry = await bot.notify("ping", Notify("ana", {"n": 1}, idempotency_key="k1"))
    assert retry.ok and not retry.duplicate
    assert len(await bot.store.ledger()) == 1 and ana.texts == ["Ping 1"]


# the 24-hour window --------------------------------------------------------------------------
async def test_window_boundary(bot: Bot, clock: ManualClock) -> None:
    ana = FakeCustomer(bot, "ana", phone="+33612345678")
    await ana.send("hi")
    clock.advance(timedelta(hours=23, minutes=59, seconds=59))
    reply = await bot.reply("ana", "Your bag is at belt 4.")
    inside = await bot.notify("ping", Notify("ana", {"n": 1}))
    assert reply.ok and reply.in_window and reply.price_micros == 0 and not reply.billable
    assert inside.ok and inside.in_window and inside.price_micros == 0
    clock.advance(seconds=1)  # exactly 24:00:00 after the last inbound message
    late_reply = await bot.reply("ana", "Your bag is at belt 4.")
    outside = await bot.notify("ping", Notify("ana", {"n": 2}))
    assert isinstance(late_reply.error, OutsideSessionWindow)
    book = PriceBookSet.default().book_for(clock.now())
    fr = quote(book, country="FR", category="utility", in_window=False)
    assert outside.ok and not outside.in_window and outside.billable
    assert outside.price_micros == fr.price_micros > 0
    ledger = await bot.store.ledger()
    assert [(e.in_window, e.price_micros, e.country) for e in ledger] == [
        (True, 0, "FR"),
        (True, 0, "FR"),
        (False, fr.price_micros, "FR"),
    ]
    assert ana.texts == ["Your bag is at belt 4.", "Ping 1", "Ping 2"]


async def test_inbound_message_refreshes_the_window(bot: Bot, clock: ManualClock) -> None:
    ana = FakeCustomer(bot, "ana")
    await ana.send("hi")
    clock.advance(hours=20)
    await ana.send("still there?")
    clock.advance(hours=20)  # 40 h after the first, 20 h after the last
    assert (await bot.reply("ana", "Yes.")).ok


async def test_explicit_opt_in_without_contact_has_no_window(bot: Bot) -> None:
    await bot.add_customer("bob", phone="+12015550123")
    await bot.opt_in("bob", source="form", evidence="checkbox")
    assert isinstance((await bot.reply("bob", "Hello")).error, OutsideSessionWindow)
    result = await bot.notify("ping", Notify("bob", {"n": 1}))
    assert result.ok and result.billable


# order ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("slow", [False, True], ids=["memory", "yielding"])
async def test_per_recipient_order_under_gather(clock: ManualClock, slow: bool) -> None:
    bot = make_bot(clock, transport=SlowTransport() if slow else MemoryTransport())
    async with bot:
        ana, bob = FakeCustomer(bot, "ana"), FakeCustomer(bot, "bob")
        await ana.send("hi")
        await bob.send("hi")
        sends = [bot.notify("ping", Notify(c, {"n": i})) for i in range(40) for c in ("ana", "bob")]
        results = await asyncio.gather(*sends)
    assert all(r.ok for r in results)
    expected = [f"Ping {i}" for i in range(40)]
    assert ana.texts == expected and bob.texts == expected
    ids = [e.message_id for e in transport(bot).sent if e.recipient == "ana"]
    assert ids == [r.message_id for r in results[::2]]


# idempotency ---------------------------------------------------------------------------------
async def test_idempotency_key_same_message_once(bot: Bot, clock: ManualClock) -> None:
    ana = FakeCustomer(bot, "ana", phone="+33612345678")
    await ana.send("hi")
    clock.advance(hours=30)  # billable, so a double charge would show
    first = await bot.notify("ping", Notify("ana", {"n": 1}), idempotency_key="bp:ABC123")
    again = await bot.notify("ping", Notify("ana", {"n": 1}), idempotency_key="bp:ABC123")
    other = await bot.notify("ping", Notify("ana", {"n": 1}), idempotency_key="bp:XYZ999")
    assert isinstance(first, Accepted) and isinstance(again, Accepted)
    assert not first.duplicate and again.duplicate
    assert again.message_id == first.message_id != other.message_id
    assert again.price_micros == first.price_micros > 0 and again.billable
    assert len(transport(bot).sent) == 2 and ana.texts == ["Ping 1", "Ping 1"]
    ledger = await bot.store.ledger()
    assert Counter(e.message_id for e in ledger) == {first.message_id: 1, other.message_id: 1}


async def test_idempotency_key_is_stable_across_bots(clock: ManualClock) -> None:
    ids = []
    for _ in range(2):
        bot = make_bot(ManualClock())
        async with bot:
            await FakeCustomer(bot, "ana").send("hi")
            result = await bot.notify("ping", Notify("ana", {"n": 1}), idempotency_key="k")
            assert result.ok
            ids.append(result.message_id)
    assert ids[0] == ids[1]  # a retry after a restart gets the same message id


async def test_concurrent_sends_with_one_idempotency_key(clock: ManualClock) -> None:
    bot = make_bot(clock, transport=SlowTransport())
    async with bot:
        await FakeCustomer(bot, "ana").send("hi")
        spec = Notify("ana", {"n": 1}, idempotency_key="k")
        results = await asyncio.gather(
            bot.send("ping", spec), bot.send("ping", spec), return_exceptions=True
        )
        assert all(isinstance(r, Accepted) for r in results), results
        assert len(transport(bot).sent) == 1
        assert len(await bot.store.ledger()) == 1


# invariant 1/2: consent is checked where the message is handed over --------------------------
async def test_block_recorded_while_send_waits_stops_it(clock: ManualClock) -> None:
    slow = SlowTransport()
    bot = make_bot(clock, transport=slow)
    async with bot:
        ana = FakeCustomer(bot, "ana")
        await ana.send("hi")
        slow.open.clear()  # hold the transport
        first = asyncio.create_task(bot.notify("ping", Notify("ana", {"n": 1})))
        second = asyncio.create_task(bot.notify("ping", Notify("ana", {"n": 2})))
        for _ in range(5):
            await asyncio.sleep(0)  # first is in the transport, second waits for the lock
        await ana.block()
        slow.open.set()
        await first
        result = await second
    assert isinstance(result, Refused) and isinstance(result.error, RecipientBlocked), result
    assert "Ping 2" not in ana.texts


# invariant 6: the ledger matches the accepted messages ---------------------------------------
PHONES = ["+33612345678", "+12015550123", "+447400123456", "+918123456789", "+4915123456789"]
OPS = st.one_of(
    st.tuples(st.just("write"), st.integers(0, 4), st.sampled_from(["hi", "STOP", "START"])),
    st.tuples(st.just("advance"), st.integers(0, 30)),
    st.tuples(st.just("notify"), st.integers(0, 4), st.booleans()),
    st.tuples(st.just("reply"), st.integers(0, 4)),
    st.tuples(st.just("fail_next"), st.just(0)),
    st.tuples(st.just("promo"), st.integers(0, 4)),
)


EXPECTED_REFUSALS = (
    PolicyViolation,
    NotOptedIn,
    RecipientOptedOut,
    OutsideSessionWindow,
    UnknownRecipient,
    ProviderUnavailable,
)


async def _ledger_scenario(ops: list[tuple[Any, ...]]) -> None:
    clock = ManualClock()
    bot = make_bot(clock)
    book = PriceBookSet.default().book_for(clock.now())
    results: list[Any] = []
    async with bot:
        customers = [FakeCustomer(bot, f"c{i}", phone=p) for i, p in enumerate(PHONES)]
        for c in customers[::2]:
            await c.register()  # known but not opted in until they write
        with capture_notifications(bot) as captured:
            for n, op in enumerate(ops):
                match op:
                    case ("write", i, text):
                        await customers[i].send(text)
                    case ("advance", hours):
                        clock.advance(hours=hours)
                    case ("notify", i, keyed):
                        key = f"k{i}-{n // 3}" if keyed else None
                        spec = Notify(f"c{i}", {"n": n}, idempotency_key=key)
                        results.append(await bot.notify("ping", spec))
                    case ("reply", i):
                        results.append(await bot.reply(f"c{i}", "Your bag is at belt 4."))
                    case ("promo", i):
                        results.append(await bot.notify("note", Notify(f"c{i}", {"note": PROMO})))
                    case ("fail_next", _):
                        transport(bot).fail_next(ProviderUnavailable("down"))
        ledger = await bot.store.ledger()

    fresh = [r for r in results if isinstance(r, Accepted) and not r.duplicate]
    # every ledger row is one accepted message, and every accepted message has one row
    assert sorted(e.message_id for e in ledger) == sorted(c.message_id for c in captured)
    assert {r.message_id for r in fresh} <= {e.message_id for e in ledger}
    assert sum(e.price_micros for e in ledger) == sum(c.price_micros for c in captured)
    by_id = {e.message_id: e for e in ledger}
    for r in fresh:
        entry = by_id[r.message_id]
        assert entry.price_micros == r.price_micros and entry.in_window == r.in_window
    for r in results:
        if isinstance(r, Accepted) and r.duplicate:
            assert r.price_micros == by_id[r.message_id].price_micros
        if isinstance(r, Refused):
            assert isinstance(r.error, EXPECTED_REFUSALS), r
    for e in ledger:
        # free exactly inside the window; outside it the country's utility rate
        expected = quote(book, country=e.country, category=e.category, in_window=e.in_window)
        assert e.price_micros == expected.price_micros
        assert (e.price_micros > 0) == (not e.in_window)
    assert len(transport(bot).sent) == len(ledger)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPS, min_size=1, max_size=30))
def test_ledger_matches_accepted_messages(ops: list[tuple[Any, ...]]) -> None:
    asyncio.run(_ledger_scenario(ops))


# forget --------------------------------------------------------------------------------------
async def test_forget_erases_customer_and_keeps_ledger_totals(bot: Bot, clock: ManualClock) -> None:
    ana = FakeCustomer(bot, "ana", phone="+33612345678")
    bob = FakeCustomer(bot, "bob", phone="+12015550123")
    await ana.send("hi")
    await bob.send("hi")
    clock.advance(hours=25)
    sent = [await bot.notify("ping", Notify(c, {"n": 1})) for c in ("ana", "ana", "bob")]
    assert all(r.ok and r.billable for r in sent)
    before = await bot.store.ledger()
    total = sum(e.price_micros for e in before)

    await bot.forget("ana")

    after = await bot.store.ledger()
    assert sum(e.price_micros for e in after) == total and len(after) == len(before)
    refs = {e.customer_ref for e in after}
    assert "ana" not in refs and "bob" in refs
    ana_refs = {e.customer_ref for e in after if e.message_id != sent[2].message_id}
    assert len(ana_refs) == 1  # one anonymous ref keeps her rows together
    assert [(e.country, e.price_micros) for e in after] == [
        (e.country, e.price_micros) for e in before
    ]
    assert await bot.store.get_customer("ana") is None
    assert await bot.store.consent_events("ana") == []
    assert await bot.store.last_inbound("ana") is None
    state = await bot.store.consent_state("ana")
    assert not (state.opted_in or state.opted_out or state.blocked)
    message = await bot.store.get_message(sent[0].message_id)
    assert message is not None and message.customer_id != "ana"
    assert isinstance((await bot.notify("ping", Notify("ana", {"n": 2}))).error, UnknownRecipient)
    assert (await bot.notify("ping", Notify("bob", {"n": 2}))).ok  # bob untouched


# on_status / on_block / on_error -------------------------------------------------------------
async def test_status_block_and_error_handlers_receive_their_arguments(
    clock: ManualClock,
) -> None:
    seen: dict[str, Any] = {}
    bot = make_bot(clock)

    @bot.on_status()
    def on_status(
        update: StatusUpdate, status: str, message_id: str, customer_id: str, bot: Bot
    ) -> None:
        seen["status"] = (update, status, message_id, customer_id, bot)

    @bot.on_block()
    async def on_block(customer_id: str, blocked: bool, source: str, bot: Bot) -> None:
        seen.setdefault("block", []).append((customer_id, blocked, source, bot))

    @bot.on_error()
    def on_error(error: Exception, event: Any, bot: Bot) -> None:
        seen["error"] = (error, event, bot)

    @bot.on_message()
    def on_message(text: str, message: InboundMessage) -> None:
        raise RuntimeError(f"cannot handle {text!r}")

    async with bot:
        ana = FakeCustomer(bot, "ana")
        inbound_msg = await ana.send("hi")
        result = await bot.notify("ping", Notify("ana", {"n": 1}))
        update = StatusUpdate(result.message_id, "ana", "read", to_millis(clock.now()), 1)
        await bot.receive_status(update)
        await bot.receive_block("ana", blocked=True, source="relay")
        await bot.receive_block("ana", blocked=False, source="customer")
        stored = await bot.store.get_message(result.message_id)

    assert seen["status"] == (update, "read", result.message_id, "ana", bot)
    assert stored is not None and stored.status == "read"
    assert seen["block"] == [("ana", True, "relay", bot), ("ana", False, "customer", bot)]
    error, event, got_bot = seen["error"]
    assert isinstance(error, HandlerFailed) and isinstance(error.__cause__, RuntimeError)
    assert event == inbound_msg and got_bot is bot


async def test_failing_error_handler_does_not_crash(clock: ManualClock) -> None:
    def on_error(error: Exception) -> None:
        raise RuntimeError("error handler broken too")

    def on_message(text: str) -> None:
        raise RuntimeError("boom")

    bot = make_bot(clock, on_error=[on_error], on_message=[on_message])
    async with bot:
        assert await FakeCustomer(bot, "ana").send("hi") is not None


# inbound robustness --------------------------------------------------------------------------
BAD_BODIES = [b"not json", b"{}", b'{"text": 5}', b'{"text": "x", "buttons": "oops"}', b"\xff"]


@pytest.mark.parametrize("body", BAD_BODIES)
async def test_malformed_inbound_goes_to_on_error_and_never_raises(
    clock: ManualClock, body: bytes
) -> None:
    errors: list[tuple[Exception, Any]] = []
    handled: list[str] = []
    bot = make_bot(
        clock,
        on_error=[lambda error, event: errors.append((error, event))],
        on_message=[lambda text: handled.append(text)],
    )
    async with bot:
        envelope = attrs.evolve(inbound("ana", "x"), body=body)
        assert await bot.receive_envelope(envelope) is None
        assert [type(e) for e, _ in errors] == [EnvelopeError]
        assert errors[0][1] is envelope
        assert handled == []
        assert await bot.store.get_customer("ana") is None
        assert await bot.store.last_inbound("ana") is None
        assert await bot.store.consent_events("ana") == []


async def test_encrypted_envelope_to_plaintext_bot_goes_to_on_error(clock: ManualClock) -> None:
    errors: list[Exception] = []
    bot = make_bot(clock, on_error=[lambda error: errors.append(error)])
    async with bot:
        envelope = attrs.evolve(inbound("ana", "hi"), type=EnvelopeType.SIGNAL)
        assert await bot.receive_envelope(envelope) is None
    assert [type(e) for e in errors] == [EnvelopeError]


async def test_envelope_for_another_business_goes_to_on_error(clock: ManualClock) -> None:
    errors: list[Exception] = []
    handled: list[str] = []
    bot = make_bot(
        clock,
        on_error=[lambda error: errors.append(error)],
        on_message=[lambda text: handled.append(text)],
    )
    async with bot:
        assert await bot.receive_envelope(inbound("ana", "hi", to="other-air")) is None
        assert await bot.store.get_customer("ana") is None
    assert [type(e) for e in errors] == [UnknownRecipient] and handled == []


async def test_malformed_inbound_without_error_handlers_never_raises(bot: Bot) -> None:
    envelope = attrs.evolve(inbound("ana", "x"), body=b"not json")
    assert await bot.receive_envelope(envelope) is None


async def test_raising_filter_is_reported_not_raised(clock: ManualClock) -> None:
    errors: list[Exception] = []

    def picky(message: InboundMessage) -> bool:
        raise KeyError("filter bug")

    bot = make_bot(clock, on_error=[lambda error: errors.append(error)])
    bot.on_message(picky)(lambda text: None)
    async with bot:
        assert await bot.receive_envelope(inbound("ana", "hi")) is not None
    assert len(errors) == 1


async def test_redelivered_envelope_is_handled_once(clock: ManualClock) -> None:
    handled: list[str] = []
    bot = make_bot(clock, on_message=[lambda text: handled.append(text)])
    async with bot:
        envelope = inbound("ana", "hi", mid="m-1")
        first = await bot.receive_envelope(envelope)
        second = await bot.receive_envelope(envelope)
        third = await bot.receive_envelope(envelope)
    assert first is not None and second is None and third is None
    assert handled == ["hi"]
    assert [e.source for e in await bot.store.consent_events("ana")] == ["first_contact"]


async def test_redelivered_stop_is_confirmed_once(bot: Bot) -> None:
    ana = FakeCustomer(bot, "ana")
    envelope = inbound("ana", "STOP", mid="m-stop")
    await bot.receive_envelope(envelope)
    await bot.receive_envelope(envelope)
    assert len(ana.texts) == 1
    assert len(await bot.store.consent_events("ana")) == 1


async def test_same_message_id_from_two_customers_is_handled_twice(clock: ManualClock) -> None:
    handled: list[str] = []
    bot = make_bot(clock, on_message=[lambda customer, text: handled.append(customer.customer_id)])
    async with bot:
        await bot.receive_envelope(inbound("ana", "hi", mid="m-1"))
        await bot.receive_envelope(inbound("bob", "hi", mid="m-1"))
    assert handled == ["ana", "bob"]


async def test_concurrent_redelivery_is_handled_once(clock: ManualClock) -> None:
    handled: list[str] = []
    bot = make_bot(clock, sealer=SlowSealer(), on_message=[lambda text: handled.append(text)])
    async with bot:
        envelope = inbound("ana", "hi", mid="m-1")
        await asyncio.gather(bot.receive_envelope(envelope), bot.receive_envelope(envelope))
    assert handled == ["hi"]
