"""Billing errors, placed in the :mod:`notifybot.errors` tree.

::

    Refusal
    └── UnpricedMessage          the book has no price for this category / country code
    ConfigurationError (ValueError)
    ├── PriceBookError           a price book file is missing, malformed or inconsistent
    └── NoPriceBookInForce       no book of the set is in force on the date asked
"""

from __future__ import annotations

from datetime import date

from notifybot.errors import ConfigurationError, Refusal


class UnpricedMessage(Refusal):
    """The price book cannot price this message (unknown category or malformed country).

    Permanent: the same message would be refused again, and nothing is charged.
    """

    code = "unpriced"

    def __init__(self, book_id: str, detail: str) -> None:
        self.book_id = book_id
        super().__init__(f"price book {book_id!r} cannot price this message: {detail}")


class PriceBookError(ConfigurationError):
    """A price book file is missing, not JSON, or fails validation.

    ``source`` names the file (or shipped resource) and ``where`` the offending field.
    """

    def __init__(self, source: str, where: str, problem: str) -> None:
        self.source = source
        self.where = where
        self.problem = problem
        at = f" at {where}" if where else ""
        super().__init__(f"bad price book {source}{at}: {problem}")


class NoPriceBookInForce(ConfigurationError):
    """No price book of the set was in force on the date asked."""

    def __init__(self, day: date, earliest: date | None) -> None:
        self.day = day
        self.earliest = earliest
        hint = f"; the earliest book starts on {earliest.isoformat()}" if earliest else ""
        super().__init__(f"no price book in force on {day.isoformat()}{hint}")
