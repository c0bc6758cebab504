"""Showing money, distances and dates to a customer in English or Spanish.

Amounts arrive in integer minor units and are formatted with integer arithmetic only
(``divmod``), never through a float, so 1999 centavos is always "19.99".
"""

from __future__ import annotations

import datetime

from examples.ridehail.events import InvalidEvent

#: ISO 4217 minor-unit digits that differ from the usual 2.
_MINOR_DIGITS = {"CLP": 0, "JPY": 0, "KRW": 0, "PYG": 0, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}
#: Spanish-speaking regions that write 1,234.50 (the rest of Spanish writes 1.234,50).
_POINT_DECIMAL_ES = frozenset({"MX", "US", "GT", "HN", "NI", "SV", "PA", "DO", "PR"})

_WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
}
_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
}


def _lang(locale: str | None) -> str:
    lang = (locale or "en").split("-")[0].lower()
    return lang if lang in _WEEKDAYS else "en"


def _separators(locale: str | None) -> tuple[str, str]:
    """(thousands, decimal) separators for ``locale``."""
    if _lang(locale) != "es":
        return ",", "."
    region = locale.split("-")[1].upper() if locale and "-" in locale else ""
    return (",", ".") if region in _POINT_DECIMAL_ES else (".", ",")


def _group(whole: int, sep: str) -> str:
    return f"{whole:,}".replace(",", sep)


def minor_digits(currency: str) -> int:
    return _MINOR_DIGITS.get(currency, 2)


def format_money(minor: int, currency: str, locale: str | None = None) -> str:
    """``format_money(123450, "MXN", "en") == "MXN 1,234.50"``; in ``es``: ``"1.234,50 MXN"``."""
    if type(minor) is not int:
        raise InvalidEvent(f"amounts are integer minor units, not {type(minor).__name__}")
    digits = minor_digits(currency)
    whole, frac = divmod(abs(minor), 10**digits)
    thousands, decimal = _separators(locale)
    number = _group(whole, thousands) + (f"{decimal}{frac:0{digits}d}" if digits else "")
    sign = "-" if minor < 0 else ""
    if _lang(locale) == "es":
        return f"{sign}{number} {currency}"
    return f"{sign}{currency} {number}"


def format_distance(metres: int, locale: str | None = None) -> str:
    """Kilometres with one decimal, rounded half up: ``12_350`` → ``"12.4 km"`` / ``"12,4 km"``."""
    tenths = (metres + 50) // 100
    whole, frac = divmod(tenths, 10)
    _, decimal = _separators(locale)
    return f"{whole}{decimal}{frac} km"


def format_date(day: datetime.date, locale: str | None = None) -> str:
    """``"Thu 12 Mar"`` / ``"jue 12 mar"``."""
    lang = _lang(locale)
    return f"{_WEEKDAYS[lang][day.weekday()]} {day.day} {_MONTHS[lang][day.month - 1]}"


def format_time(at: datetime.time) -> str:
    return f"{at:%H:%M}"
