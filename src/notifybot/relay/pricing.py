"""The relay's ledger priced with the same price books as the bot (so both agree)."""

from __future__ import annotations

from datetime import datetime

from notifybot.billing import UNKNOWN_COUNTRY, PriceBookSet, quote
from notifybot.relay.routing import Pricer


def billing_pricer(books: PriceBookSet | None = None) -> Pricer:
    """A relay pricer over ``books`` (the default 2018 book when None).

    The country ``ZZ`` (no phone number registered) takes the rest-of-world rate, as the bot
    does for a customer without a phone number.
    """
    price_books = books or PriceBookSet.default()

    def price(country: str, category: str, in_window: bool, at: datetime) -> int:
        book = price_books.book_for(at)
        where = None if country == UNKNOWN_COUNTRY else country
        return quote(book, country=where, category=category, in_window=in_window).price_micros

    return price
