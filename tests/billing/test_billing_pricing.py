"""Quotes and the 24-hour window rule (time from a ManualClock, never sleeps)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifybot.billing import (
    PriceBook,
    Quote,
    UnpricedMessage,
    in_window,
    quote,
    window_closes_at,
)
from notifybot.clock import ManualClock
from notifybot.errors import OutsideSessionWindow, Refusal

Y2018 = PriceBook.shipped("whatsapp-2018")
Y2025 = PriceBook.shipped("per-message-2025")


def test_2018_free_inside_the_window() -> None:
    q = quote(Y2018, country="US", category="utility", in_window=True)
    assert q == Quote(0, "USD", "whatsapp-2018", False, "utility inside the 24 h window: free", 1)
    assert quote(Y2018, country="US", category="service", in_window=True).price_micros == 0


def test_2018_template_outside_the_window_is_billed_by_country() -> None:
    us = quote(Y2018, country="US", category="utility", in_window=False)
    de = quote(Y2018, country="de", category="utility", in_window=False)
    assert (us.price_micros, us.billable, us.book_ref) == (8500, True, "whatsapp-2018@v1")
    assert "USD 0.0085 at the US rate" in us.reason
    assert de.price_micros == Y2018.countries["DE"]["utility"]


def test_rest_of_world_rate() -> None:
    assert "IS" not in Y2018.countries
    iceland = quote(Y2018, country="IS", category="utility", in_window=False)
    freephone = quote(Y2018, country=None, category="utility", in_window=False)
    assert iceland.price_micros == freephone.price_micros == Y2018.rest_of_world["utility"]
    assert "rest-of-world rate (no rate for IS)" in iceland.reason
    assert "non-geographic" in freephone.reason


def test_free_form_reply_outside_the_window_is_refused() -> None:
    with pytest.raises(OutsideSessionWindow, match="only be sent inside the 24 h") as info:
        quote(Y2018, country="US", category="service", in_window=False)
    assert isinstance(info.value, Refusal)


def test_2018_has_no_marketing() -> None:
    with pytest.raises(UnpricedMessage, match="no price for category 'marketing'") as info:
        quote(Y2018, country="US", category="marketing", in_window=False)
    assert isinstance(info.value, Refusal) and info.value.code == "unpriced"


@pytest.mark.parametrize("country", ["ZZ", "USA", "", "1"])
def test_malformed_country_is_refused(country: str) -> None:
    with pytest.raises(UnpricedMessage, match="not an ISO 3166"):
        quote(Y2018, country=country, category="utility", in_window=False)


@pytest.mark.parametrize(
    ("category", "inside", "expected"),
    [
        ("utility", True, 0),
        ("utility", False, 22_000),
        ("marketing", True, 52_900),  # marketing is always charged
        ("marketing", False, 52_900),
        ("authentication", True, 35_800),  # authentication is charged too
        ("authentication", False, 35_800),
        ("service", True, 0),
    ],
)
def test_2025_per_message_categories(category: str, inside: bool, expected: int) -> None:
    q = quote(Y2025, country="GB", category=category, in_window=inside)
    assert q.price_micros == expected
    assert q.billable is (expected > 0)


@given(
    book=st.sampled_from([Y2018, Y2025]),
    country=st.none() | st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)),
    inside=st.booleans(),
    data=st.data(),
)
def test_every_quote_is_a_non_negative_int_and_free_means_not_billable(
    book: PriceBook, country: str | None, inside: bool, data: st.DataObject
) -> None:
    categories = sorted(book.priced_categories | book.window_only)
    category = data.draw(st.sampled_from(categories))
    if category in book.window_only and not inside:
        with pytest.raises(OutsideSessionWindow):
            quote(book, country=country, category=category, in_window=inside)
        return
    q = quote(book, country=country, category=category, in_window=inside)
    assert type(q.price_micros) is int
    assert q.price_micros >= 0
    assert q.billable is (q.price_micros > 0)
    assert (q.currency, q.book_id, q.book_version) == (book.currency, book.id, book.version)
    if inside and category in book.free_in_window | book.window_only:
        assert q.price_micros == 0 and not q.billable
    else:
        assert q.price_micros == book.rate(country, category)[0] > 0


def test_window_boundary_is_exactly_24_hours(clock: ManualClock) -> None:
    last = clock.now()
    assert in_window(last, clock.now())
    clock.advance(timedelta(hours=24) - timedelta(microseconds=1))
    assert in_window(last, clock.now())
    clock.advance(timedelta(microseconds=1))
    assert clock.now() == window_closes_at(last) == last + timedelta(hours=24)
    assert not in_window(last, clock.now())  # at last + 24 h it is OUTSIDE
    clock.advance(hours=1000)
    assert not in_window(last, clock.now())


def test_window_other_lengths_and_edge_cases(clock: ManualClock) -> None:
    now = clock.now()
    assert not in_window(None, now)
    assert in_window(now - timedelta(hours=47), now, hours=48)
    assert not in_window(now - timedelta(hours=48), now, hours=48)
    assert in_window(now + timedelta(seconds=5), now)  # clock skew: inbound "from the future"
    with pytest.raises(ValueError, match="aware"):
        in_window(datetime(2026, 1, 1), now)
    with pytest.raises(ValueError, match="aware"):
        in_window(now, datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="positive"):
        in_window(now, now, hours=0)


def test_window_and_quote_together(clock: ManualClock) -> None:
    """A customer writes; a reply an hour later is free, a template a day later is billed."""
    last_inbound = clock.now()
    clock.advance(hours=1)
    reply = quote(
        Y2018, country="FR", category="utility", in_window=in_window(last_inbound, clock.now())
    )
    clock.set(datetime(2026, 1, 2, 9, 0, tzinfo=UTC))  # exactly 24 h after the inbound message
    later = quote(
        Y2018, country="FR", category="utility", in_window=in_window(last_inbound, clock.now())
    )
    assert (reply.price_micros, reply.billable) == (0, False)
    assert (later.price_micros, later.billable) == (76_800, True)
