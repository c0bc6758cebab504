"""Quoting one message against a price book, and the 24-hour window rule."""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from notifybot.billing.errors import UnpricedMessage
from notifybot.billing.money import format_money
from notifybot.billing.phone import is_country_code
from notifybot.billing.pricebook import PriceBook
from notifybot.errors import OutsideSessionWindow

#: The customer-service window: hours after the customer's last message.
WINDOW_HOURS = 24


@attrs.frozen
class Quote:
    """The price of one message, with the book that set it and why.

    ``price_micros`` is an ``int`` >= 0; ``billable`` is true exactly when it is above zero.
    """

    price_micros: int
    currency: str
    book_id: str
    billable: bool
    reason: str
    book_version: int = 1

    @property
    def book_ref(self) -> str:
        """``id@vN`` of the book, as recorded in the ledger."""
        return f"{self.book_id}@v{self.book_version}"


def quote(book: PriceBook, *, country: str | None, category: str, in_window: bool) -> Quote:
    """Price one message of ``category`` to a recipient in ``country``.

    ``country`` is ISO 3166 alpha-2 (``None`` for non-geographic numbers: rest-of-world
    rate). Raises :class:`~notifybot.errors.OutsideSessionWindow` for a window-only category
    (a free-form reply) outside the window, and :class:`UnpricedMessage` for a category the
    book does not price or a malformed country code.
    """
    if country is not None:
        country = country.upper()
        if not is_country_code(country):
            raise UnpricedMessage(book.id, f"{country!r} is not an ISO 3166 alpha-2 country code")

    def free(why: str) -> Quote:
        return Quote(0, book.currency, book.id, False, why, book.version)

    if category in book.window_only:
        if in_window:
            return free(f"{category} inside the {WINDOW_HOURS} h window: free")
        raise OutsideSessionWindow(
            f"{category} messages may only be sent inside the {WINDOW_HOURS} h "
            f"customer-service window; outside it send an approved template "
            f"({', '.join(sorted(book.priced_categories))}) [price book {book.ref}]"
        )
    if category not in book.priced_categories:
        known = sorted(book.priced_categories | book.window_only)
        raise UnpricedMessage(book.id, f"no price for category {category!r} (known: {known})")
    if in_window and category in book.free_in_window:
        return free(f"{category} inside the {WINDOW_HOURS} h window: free")
    micros, own = book.rate(country, category)
    target = country or "a non-geographic number"
    where = f"{country} rate" if own else f"rest-of-world rate (no rate for {target})"
    when = "inside" if in_window else "outside"
    why = (
        f"{category} {when} the {WINDOW_HOURS} h window: "
        f"{format_money(micros, book.currency)} at the {where}"
    )
    return Quote(micros, book.currency, book.id, micros > 0, why, book.version)


def window_closes_at(last_inbound: datetime, hours: int = WINDOW_HOURS) -> datetime:
    """The first instant outside the window opened by ``last_inbound``."""
    return last_inbound + timedelta(hours=hours)


def in_window(last_inbound: datetime | None, now: datetime, hours: int = WINDOW_HOURS) -> bool:
    """Whether ``now`` is inside the customer-service window of ``last_inbound``.

    The window ends at ``last_inbound + hours``, exclusive: at exactly ``last_inbound + 24 h``
    it is closed (a ``last_inbound`` after ``now``, from clock skew, counts as inside). No
    inbound message means no window. Both datetimes must be aware.
    """
    if hours <= 0:
        raise ValueError("the window must last a positive number of hours")
    if now.tzinfo is None or (last_inbound is not None and last_inbound.tzinfo is None):
        raise ValueError("in_window() needs aware datetimes (use tzinfo=UTC)")
    if last_inbound is None:
        return False
    return now < window_closes_at(last_inbound, hours)
