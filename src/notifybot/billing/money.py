"""Integer micro-units of a currency, and showing them without ever using a float."""

from __future__ import annotations

#: Micro-units in one unit of currency (so 1 US cent = 10,000 micro-units).
MICROS_PER_UNIT = 1_000_000
#: Micro-units in one US cent (or one hundredth of any currency unit).
MICROS_PER_CENT = 10_000


def format_amount(micros: int, places: int = 4) -> str:
    """``micros`` as a decimal amount with ``places`` decimals, rounded half away from zero.

    ``format_amount(8500) == "0.0085"``; ``format_amount(150) == "0.0002"``.
    """
    if type(micros) is not int:
        raise TypeError(f"amounts are integer micro-units, not {type(micros).__name__}")
    if not 0 <= places <= 6:
        raise ValueError("places must be between 0 and 6")
    step = 10 ** (6 - places)
    q, r = divmod(abs(micros), step)
    if 2 * r >= step:
        q += 1
    whole, frac = divmod(q, 10**places)
    sign = "-" if micros < 0 and q else ""
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"


def format_money(micros: int, currency: str, places: int = 4) -> str:
    """``"USD 0.0085"``: the currency code and :func:`format_amount`."""
    return f"{currency} {format_amount(micros, places)}"
