"""Billing: E.164 numbers, dated price books in integer micro-units, quotes, the 24-hour
window rule, and ledger reports.

>>> from notifybot.billing import PriceBook, quote
>>> q = quote(PriceBook.shipped(), country="US", category="utility", in_window=False)
>>> q.price_micros, q.billable
(8500, True)
"""

from notifybot.billing.errors import NoPriceBookInForce, PriceBookError, UnpricedMessage
from notifybot.billing.money import MICROS_PER_CENT, MICROS_PER_UNIT, format_amount, format_money
from notifybot.billing.phone import UNKNOWN_COUNTRY, ParsedPhone, parse_phone
from notifybot.billing.pricebook import DEFAULT_BOOK_ID, PriceBook, PriceBookSet, shipped_ids
from notifybot.billing.pricing import WINDOW_HOURS, Quote, in_window, quote, window_closes_at
from notifybot.billing.report import (
    Grouping,
    Report,
    ReportRow,
    format_table,
    summarize,
    to_dict,
    to_json,
)

__all__ = [
    "DEFAULT_BOOK_ID",
    "MICROS_PER_CENT",
    "MICROS_PER_UNIT",
    "UNKNOWN_COUNTRY",
    "WINDOW_HOURS",
    "Grouping",
    "NoPriceBookInForce",
    "ParsedPhone",
    "PriceBook",
    "PriceBookError",
    "PriceBookSet",
    "Quote",
    "Report",
    "ReportRow",
    "UnpricedMessage",
    "format_amount",
    "format_money",
    "format_table",
    "in_window",
    "parse_phone",
    "quote",
    "shipped_ids",
    "summarize",
    "to_dict",
    "to_json",
    "window_closes_at",
]
