from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifybot.billing import PriceBookSet, quote
from notifybot.errors import OutsideSessionWindow
from notifybot.relay.pricing import billing_pricer

AT = datetime(2026, 8, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("country", ["FR", "US", "MX", "IN"])
@pytest.mark.parametrize("in_window", [True, False])
def test_relay_prices_like_the_bot(country: str, in_window: bool) -> None:
    book = PriceBookSet.default().book_for(AT)
    expected = quote(book, country=country, category="utility", in_window=in_window)
    assert billing_pricer()(country, "utility", in_window, AT) == expected.price_micros


def test_unknown_country_is_rest_of_world() -> None:
    book = PriceBookSet.default().book_for(AT)
    rest = quote(book, country=None, category="utility", in_window=False).price_micros
    assert billing_pricer()("ZZ", "utility", False, AT) == rest > 0


def test_service_outside_window_is_refused() -> None:
    with pytest.raises(OutsideSessionWindow):
        billing_pricer()("FR", "service", False, AT)
