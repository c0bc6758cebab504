"""The Store contract: every implementation behaves like MemoryStore, method by method."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import attrs
import pytest

from notifybot.store import (
    ConsentEvent,
    ConsentKind,
    ConsentState,
    Customer,
    LedgerEntry,
    SentMessage,
    Store,
)
from notifybot.store.errors import ChargeMismatch, DuplicateMessage, NaiveDatetime

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def sent(
    n: int, *, customer: str = "c1", key: str | None = None, when: datetime = T0
) -> tuple[SentMessage, LedgerEntry]:
    msg = SentMessage(f"m{n}", customer, "gate_change", "utility", when, "sent", key)
    entry = LedgerEntry(
        f"e{n}", f"m{n}", customer, "FR", "utility", 8_000 + n, "USD", "2026-01", False, when
    )
    return msg, entry


async def snapshot(store: Store) -> tuple[object, ...]:
    return (
        await store.ledger(),
        [await store.get_message(f"m{n}") for n in range(1, 4)],
        [await store.message_for_key(k) for k in ("k1", "k2", "k3")],
    )


# customers


async def test_customer_round_trip_and_replace(store: Store) -> None:
    assert await store.get_customer("c1") is None
    full = Customer("c1", "+33612345678", "FR", "fr", "Amélie")
    await store.put_customer(full)
    assert await store.get_customer("c1") == full
    await store.put_customer(Customer("c1", phone="+33700000000"))
    assert await store.get_customer("c1") == Customer("c1", phone="+33700000000")
    assert await store.get_customer("c2") is None


# consent


async def test_consent_defaults_for_unknown_customer(store: Store) -> None:
    assert await store.consent_state("nobody") == ConsentState()
    assert await store.consent_events("nobody") == []


async def test_consent_transitions(store: Store) -> None:
    def ev(kind: ConsentKind, minutes: float, source: str) -> ConsentEvent:
        return ConsentEvent("c1", kind, source, at(minutes), evidence=f"{kind}@{minutes}")

    s = await store.append_consent(ev(ConsentKind.OPT_IN, 0, "first_contact"))
    assert s == ConsentState(opted_in=True, since=at(0), source="first_contact")
    s = await store.append_consent(ev(ConsentKind.BLOCK, 1, "client"))
    assert s == ConsentState(opted_in=True, blocked=True, since=at(1), source="client")
    s = await store.append_consent(ev(ConsentKind.OPT_OUT, 2, "keyword:STOP"))
    assert s == ConsentState(opted_out=True, blocked=True, since=at(2), source="keyword:STOP")
    s = await store.append_consent(ev(ConsentKind.UNBLOCK, 3, "client"))
    assert s == ConsentState(opted_out=True, since=at(3), source="client")
    s = await store.append_consent(ev(ConsentKind.OPT_IN, 4, "keyword:START"))
    assert s == ConsentState(opted_in=True, since=at(4), source="keyword:START")
    assert await store.consent_state("c1") == s
    assert await store.consent_state("c2") == ConsentState()


async def test_consent_audit_trail_keeps_append_order(store: Store) -> None:
    # Recorded order is the truth even when event times are not monotonic.
    events = [
        ConsentEvent("c1", ConsentKind.OPT_IN, "first_contact", at(5), "msg-1"),
        ConsentEvent("c2", ConsentKind.OPT_IN, "form", at(0)),
        ConsentEvent("c1", ConsentKind.OPT_OUT, "keyword:STOP", at(1), "msg-2"),
        ConsentEvent("c1", ConsentKind.BLOCK, "client", at(3)),
    ]
    for e in events:
        await store.append_consent(e)
    assert await store.consent_events("c1") == [events[0], events[2], events[3]]
    assert await store.consent_events("c2") == [events[1]]
    # The state follows the last event appended, not the latest timestamp.
    assert await store.consent_state("c1") == ConsentState(
        opted_out=True, blocked=True, since=at(3), source="client"
    )


# 24-hour window


async def test_window_only_moves_forward(store: Store) -> None:
    assert await store.last_inbound("c1") is None
    await store.touch_window("c1", at(10))
    assert await store.last_inbound("c1") == at(10)
    await store.touch_window("c1", at(5))
    assert await store.last_inbound("c1") == at(10)
    await store.touch_window("c1", at(10))
    assert await store.last_inbound("c1") == at(10)
    await store.touch_window("c1", at(10) + timedelta(microseconds=1))
    assert await store.last_inbound("c1") == at(10) + timedelta(microseconds=1)
    assert await store.last_inbound("c2") is None


async def test_window_keeps_the_instant_of_any_time_zone(store: Store) -> None:
    paris = timezone(timedelta(hours=1))
    await store.touch_window("c1", datetime(2026, 3, 1, 13, 0, 0, 7, tzinfo=paris))
    assert await store.last_inbound("c1") == datetime(2026, 3, 1, 12, 0, 0, 7, tzinfo=UTC)


async def test_naive_datetimes_are_refused(store: Store) -> None:
    naive = datetime(2026, 3, 1, 12, 0)
    with pytest.raises(NaiveDatetime):
        await store.touch_window("c1", naive)
    with pytest.raises(NaiveDatetime):
        await store.append_consent(ConsentEvent("c1", ConsentKind.OPT_IN, "x", naive))
    msg, entry = sent(1)
    with pytest.raises(NaiveDatetime):
        await store.record_sent(msg, attrs.evolve(entry, at=naive))
    with pytest.raises(NaiveDatetime):
        await store.record_sent(attrs.evolve(msg, at=naive), entry)
    with pytest.raises(NaiveDatetime):
        await store.ledger(start=naive)
    with pytest.raises(NaiveDatetime):
        await store.ledger(end=naive)
    assert await store.last_inbound("c1") is None
    assert await store.consent_events("c1") == []
    assert await store.get_message("m1") is None
    assert await store.ledger() == []


# sent messages, idempotency and the ledger


async def test_record_sent_round_trip(store: Store) -> None:
    msg, entry = sent(1, key="k1")
    await store.record_sent(msg, entry)
    assert await store.get_message("m1") == msg
    assert await store.message_for_key("k1") == msg
    assert await store.ledger() == [entry]
    assert await store.get_message("m2") is None
    assert await store.message_for_key("k2") is None


async def test_record_sent_keeps_every_field(store: Store) -> None:
    msg = SentMessage("m9", "c9", None, "authentication", at(1), "queued", "key-9")
    entry = LedgerEntry(
        "e9",
        "m9",
        "c9",
        "BR",
        "authentication",
        2**53 + 1,
        "BRL",
        "pb-7",
        True,
        at(1) + timedelta(microseconds=1),
    )
    await store.record_sent(msg, entry)
    got_msg, got_entry = await store.get_message("m9"), (await store.ledger())[0]
    assert got_msg == msg
    assert got_msg is not None and got_msg.template is None
    assert got_entry == entry
    assert got_entry.price_micros == 2**53 + 1
    assert got_entry.in_window is True


async def test_messages_without_key_are_never_found_by_key(store: Store) -> None:
    for n in (1, 2):
        await store.record_sent(*sent(n))
    assert await store.get_message("m1") == sent(1)[0]
    assert await store.get_message("m2") == sent(2)[0]
    assert len(await store.ledger()) == 2


async def test_duplicate_idempotency_key_is_rejected_and_writes_nothing(store: Store) -> None:
    await store.record_sent(*sent(1, key="k1"))
    before = await snapshot(store)
    with pytest.raises(DuplicateMessage) as info:
        await store.record_sent(*sent(2, key="k1"))
    assert (info.value.field, info.value.value) == ("idempotency_key", "k1")
    assert info.value.retryable is False
    assert await snapshot(store) == before
    assert await store.get_message("m2") is None
    assert await store.message_for_key("k1") == sent(1, key="k1")[0]


async def test_duplicate_message_id_is_rejected_and_writes_nothing(store: Store) -> None:
    await store.record_sent(*sent(1, key="k1"))
    before = await snapshot(store)
    msg, _ = sent(1, key="k2")
    _, entry = sent(2)
    with pytest.raises(DuplicateMessage) as info:
        await store.record_sent(msg, attrs.evolve(entry, message_id="m1"))
    assert (info.value.field, info.value.value) == ("message_id", "m1")
    assert await snapshot(store) == before
    assert await store.message_for_key("k2") is None


async def test_duplicate_entry_id_rolls_back_the_message_too(store: Store) -> None:
    # The message row is valid on its own; only the ledger row clashes. Atomicity means the
    # message must not be recorded either.
    await store.record_sent(*sent(1, key="k1"))
    before = await snapshot(store)
    msg, entry = sent(2, key="k2")
    with pytest.raises(DuplicateMessage) as info:
        await store.record_sent(msg, attrs.evolve(entry, entry_id="e1"))
    assert (info.value.field, info.value.value) == ("entry_id", "e1")
    assert await snapshot(store) == before
    assert await store.get_message("m2") is None
    assert await store.message_for_key("k2") is None


async def test_charge_for_another_message_is_refused(store: Store) -> None:
    msg, _ = sent(1, key="k1")
    _, other = sent(2)
    with pytest.raises(ChargeMismatch):
        await store.record_sent(msg, other)
    assert await snapshot(store) == ([], [None, None, None], [None, None, None])


async def test_concurrent_sends_with_one_key_record_exactly_one(store: Store) -> None:
    results = await asyncio.gather(
        *(store.record_sent(*sent(n, key="k1")) for n in range(1, 4)), return_exceptions=True
    )
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, DuplicateMessage) for r in results if r is not None)
    assert len(await store.ledger()) == 1


async def test_set_status(store: Store) -> None:
    await store.record_sent(*sent(1, key="k1"))
    await store.set_status("m1", "delivered")
    got = await store.get_message("m1")
    assert got == attrs.evolve(sent(1, key="k1")[0], status="delivered")
    assert await store.message_for_key("k1") == got
    await store.set_status("unknown", "read")  # no such message: nothing happens
    assert await store.get_message("unknown") is None
    assert await store.ledger() == [sent(1, key="k1")[1]]


async def test_ledger_range_is_half_open_and_oldest_first(store: Store) -> None:
    # Recorded out of time order on purpose; the ledger is returned oldest first.
    times = {1: at(30), 2: at(0), 3: at(10), 4: at(20), 5: at(10)}
    for n, when in times.items():
        await store.record_sent(*sent(n, when=when))

    async def ids(start: datetime | None = None, end: datetime | None = None) -> list[str]:
        return [e.entry_id for e in await store.ledger(start, end)]

    assert await ids() == ["e2", "e3", "e5", "e4", "e1"]  # equal times keep recording order
    assert await ids(at(10), at(30)) == ["e3", "e5", "e4"]
    assert await ids(at(10)) == ["e3", "e5", "e4", "e1"]
    assert await ids(end=at(10)) == ["e2"]
    assert await ids(at(10), at(10)) == []
    assert await ids(at(10) + timedelta(microseconds=1)) == ["e4", "e1"]
    assert await ids(at(31), None) == []


# right to erasure


async def test_forget_erases_personal_data_and_keeps_totals(store: Store) -> None:
    await store.put_customer(Customer("c1", "+33612345678", "FR", "fr", "Amélie"))
    await store.put_customer(Customer("c2", "+34600000000", "ES"))
    await store.append_consent(ConsentEvent("c1", ConsentKind.OPT_IN, "first_contact", at(0)))
    await store.append_consent(ConsentEvent("c2", ConsentKind.OPT_IN, "first_contact", at(0)))
    await store.touch_window("c1", at(1))
    await store.touch_window("c2", at(1))
    await store.record_sent(*sent(1, key="k1"))
    await store.record_sent(*sent(2, customer="c2"))
    await store.record_sent(*sent(3, when=at(2)))
    await store.kv_put("sessions", "c1:1", b"opaque")
    total_before = sum(e.price_micros for e in await store.ledger())

    await store.forget("c1", "anon-7f3a")

    assert await store.get_customer("c1") is None
    assert await store.consent_state("c1") == ConsentState()
    assert await store.consent_events("c1") == []
    assert await store.last_inbound("c1") is None
    ledger = await store.ledger()
    assert [e.customer_ref for e in ledger] == ["anon-7f3a", "c2", "anon-7f3a"]
    assert sum(e.price_micros for e in ledger) == total_before
    assert [
        attrs.evolve(e, customer_ref="c1" if e.customer_ref == "anon-7f3a" else e.customer_ref)
        for e in ledger
    ] == [sent(1)[1], sent(2, customer="c2")[1], sent(3, when=at(2))[1]]
    m1 = await store.get_message("m1")
    assert m1 == attrs.evolve(sent(1, key="k1")[0], customer_id="anon-7f3a")
    assert await store.message_for_key("k1") == m1  # retries stay idempotent after erasure
    # Other customers are untouched.
    assert await store.get_customer("c2") == Customer("c2", "+34600000000", "ES")
    assert (await store.consent_state("c2")).opted_in
    assert await store.last_inbound("c2") == at(1)
    # The kv area is not personal data the store can identify; it is left to its owner.
    assert await store.kv_get("sessions", "c1:1") == b"opaque"


async def test_forget_unknown_customer_is_harmless(store: Store) -> None:
    await store.record_sent(*sent(1))
    await store.forget("nobody", "anon-0")
    assert await store.ledger() == [sent(1)[1]]


# key-value area


async def test_kv_get_put_delete(store: Store) -> None:
    assert await store.kv_get("ns", "a") is None
    await store.kv_put("ns", "a", b"\x00\xffone")
    assert await store.kv_get("ns", "a") == b"\x00\xffone"
    await store.kv_put("ns", "a", b"two")
    assert await store.kv_get("ns", "a") == b"two"
    await store.kv_put("ns", "empty", b"")
    assert await store.kv_get("ns", "empty") == b""
    assert await store.kv_get("other", "a") is None
    await store.kv_delete("ns", "a")
    assert await store.kv_get("ns", "a") is None
    await store.kv_delete("ns", "a")  # deleting a missing key is fine
    await store.kv_put("ns", "bytes", bytearray(b"ba"))  # type: ignore[arg-type]
    value = await store.kv_get("ns", "bytes")
    assert value == b"ba" and type(value) is bytes


async def test_kv_keys_by_namespace_and_prefix(store: Store) -> None:
    keys = ["s:alice:1", "s:alice:2", "s:al", "s:bob:1", "id", "s:%", "s:_x", "s:é", "s:z"]
    for k in keys:
        await store.kv_put("ns", k, b"v")
    await store.kv_put("other", "s:alice:3", b"v")
    assert await store.kv_keys("ns") == sorted(keys)
    assert await store.kv_keys("ns", "s:alice:") == ["s:alice:1", "s:alice:2"]
    assert await store.kv_keys("ns", "s:al") == ["s:al", "s:alice:1", "s:alice:2"]
    assert await store.kv_keys("ns", "s:%") == ["s:%"]  # no LIKE wildcards
    assert await store.kv_keys("ns", "s:_") == ["s:_x"]
    assert await store.kv_keys("ns", "S:") == []  # case-sensitive
    assert await store.kv_keys("ns", "s:é") == ["s:é"]
    assert await store.kv_keys("nobody") == []
    assert await store.kv_keys("other", "s:") == ["s:alice:3"]
