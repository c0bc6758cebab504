"""IATA Resolution 792 Bar Coded Boarding Pass (BCBP), format "M": encode and decode.

The string this module produces is what an airline puts in the PDF417 / Aztec / QR barcode of a
boarding pass. This module covers the *mandatory* items of format "M" for one to four legs; the
conditional items of each leg (and the optional security data at the end) are carried through
as raw text, unparsed, so a pass read from a real barcode re-encodes byte for byte.

Layout (widths in characters; "leg" items repeat once per leg)::

    unique   format code                      1   always "M"
             number of legs encoded           1   "1" .. "4"
             passenger name                  20   SURNAME/GIVEN, left-justified, space-padded
             electronic ticket indicator      1   "E" for an e-ticket
    per leg  operating carrier PNR code       7   left-justified, space-padded
             from city airport code           3   e.g. "YUL"
             to city airport code             3   e.g. "FRA"
             operating carrier designator     3   "AC " (IATA, 2) or ICAO (3), left-justified
             flight number                    5   4 digits (leading zeros) + optional suffix letter
             date of flight                   3   Julian day of the year, "001" .. "366"
             compartment code                 1   e.g. "F", "J", "Y"
             seat number                      4   3 digits + letter ("001A"), or "INF "
             check-in sequence number         5   4 digits + optional letter ("0025 ")
             passenger status                 1   e.g. "1"
             field size of variable size      2   hex length of this leg's conditional items
             field                                ("00" when there are none)
             conditional items             0-255  passed through as raw text
    after    security data                    *   optional, starts with "^", passed through

The published example ``M1DESMARAIS/LUC       EABC123 YULFRAAC 0834 226F001A0025 100`` is
passenger DESMARAIS/LUC, PNR ABC123, Air Canada flight 834 from Montreal (YUL) to Frankfurt
(FRA) on day 226, first class (F), seat 1A, check-in sequence 25, status 1.

Every invalid value raises :class:`BCBPError`, which names the field and the reason.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from typing import Final

import attrs

from notifybot.errors import Refusal

__all__ = ["MAX_LEGS", "BCBPError", "BoardingPass", "Leg", "decode", "encode", "julian_day"]

FORMAT_CODE: Final = "M"
#: Resolution 792 allows at most four legs in one barcode.
MAX_LEGS: Final = 4
NAME_WIDTH: Final = 20
PNR_WIDTH: Final = 7
#: Largest conditional section one leg can carry (its size field is two hex digits).
MAX_CONDITIONAL: Final = 0xFF

_NAME = re.compile(r"[A-Z](?:[A-Z /.'-]*[A-Z/.'-])?")
_PNR = re.compile(r"[A-Z0-9]{1,7}")
_AIRPORT = re.compile(r"[A-Z]{3}")
_CARRIER = re.compile(r"[A-Z0-9]{2,3}")
_LETTER = re.compile(r"[A-Z]")
_SEAT = re.compile(r"[0-9]{3}[A-Z]|INF")
_STATUS = re.compile(r"[A-Z0-9]")
_TICKET = re.compile(r"[A-Z ]")
_PRINTABLE = re.compile(r"[\x20-\x7e]*")


class BCBPError(Refusal, ValueError):
    """A boarding pass value or barcode string that does not follow Resolution 792.

    ``field`` names the item (``"legs[0].flight_number"``), ``reason`` says what is wrong, and
    ``offset`` is the character position in the decoded string, when there is one. It is a
    permanent refusal (sending the same pass again fails the same way) and a ``ValueError``.
    """

    code = "bcbp_invalid"

    def __init__(self, field: str, reason: str, *, offset: int | None = None) -> None:
        self.field = field
        self.reason = reason
        self.offset = offset
        where = f" (at character {offset})" if offset is not None else ""
        super().__init__(f"{field}: {reason}{where}")


def _check(field: str, value: object, pattern: re.Pattern[str], expected: str) -> None:
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise BCBPError(field, f"must be {expected}, got {value!r}")


def _check_int(field: str, value: object, low: int, high: int) -> None:
    if type(value) is not int or not low <= value <= high:
        raise BCBPError(field, f"must be a whole number from {low} to {high}, got {value!r}")


def _check_raw(field: str, value: object, limit: int | None) -> None:
    if not isinstance(value, str) or _PRINTABLE.fullmatch(value) is None:
        raise BCBPError(field, f"must be printable ASCII text, got {value!r}")
    if limit is not None and len(value) > limit:
        raise BCBPError(field, f"is {len(value)} characters long; at most {limit} fit")


def julian_day(date: datetime.date) -> int:
    """The day of the year of ``date`` (1 January is 1), as the "date of flight" item wants."""
    return date.timetuple().tm_yday


@attrs.frozen(kw_only=True)
class Leg:
    """One flight leg: the mandatory per-leg items, plus its conditional items as raw text."""

    pnr: str
    origin: str
    destination: str
    carrier: str
    flight_number: int
    julian_day: int
    compartment: str
    seat: str
    sequence: int
    status: str
    flight_suffix: str = ""
    sequence_suffix: str = ""
    conditional: str = ""

    def __attrs_post_init__(self) -> None:
        _check("pnr", self.pnr, _PNR, "1 to 7 capital letters or digits")
        _check("origin", self.origin, _AIRPORT, "a 3-letter airport code")
        _check("destination", self.destination, _AIRPORT, "a 3-letter airport code")
        _check("carrier", self.carrier, _CARRIER, "a 2- or 3-character airline designator")
        _check_int("flight_number", self.flight_number, 1, 9999)
        if self.flight_suffix:
            _check("flight_suffix", self.flight_suffix, _LETTER, "empty or one capital letter")
        _check_int("julian_day", self.julian_day, 1, 366)
        _check("compartment", self.compartment, _LETTER, "one capital letter")
        _check("seat", self.seat, _SEAT, 'three digits and a letter ("001A") or "INF"')
        _check_int("sequence", self.sequence, 0, 9999)
        if self.sequence_suffix:
            _check("sequence_suffix", self.sequence_suffix, _LETTER, "empty or one capital letter")
        _check("status", self.status, _STATUS, "one capital letter or digit")
        _check_raw("conditional", self.conditional, MAX_CONDITIONAL)

    def date_in(self, year: int) -> datetime.date:
        """The flight date in ``year`` (the barcode carries the day of the year only)."""
        start = datetime.date(year, 1, 1)
        date = start + datetime.timedelta(days=self.julian_day - 1)
        if date.year != year:
            raise BCBPError("julian_day", f"day {self.julian_day} does not exist in {year}")
        return date


def _as_legs(legs: Iterable[Leg]) -> tuple[Leg, ...]:
    try:
        return tuple(legs)
    except TypeError:
        raise BCBPError("legs", f"must be a sequence of Leg, got {legs!r}") from None


@attrs.frozen(kw_only=True)
class BoardingPass:
    """A format "M" boarding pass: a passenger and one to four legs."""

    name: str
    legs: tuple[Leg, ...] = attrs.field(converter=_as_legs)
    electronic_ticket: str = "E"
    security: str = ""

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or len(self.name) > NAME_WIDTH:
            raise BCBPError("name", f"must be at most {NAME_WIDTH} characters, got {self.name!r}")
        _check("name", self.name, _NAME, "SURNAME/GIVEN in capital letters, no outer spaces")
        _check("electronic_ticket", self.electronic_ticket, _TICKET,
               'one capital letter ("E" for an e-ticket) or a space')
        if not 1 <= len(self.legs) <= MAX_LEGS:
            raise BCBPError("legs", f"must hold 1 to {MAX_LEGS} legs, got {len(self.legs)}")
        for i, leg in enumerate(self.legs):
            if not isinstance(leg, Leg):
                raise BCBPError(f"legs[{i}]", f"must be a Leg, got {type(leg).__name__}")
        _check_raw("security", self.security, None)
        if self.security and not self.security.startswith("^"):
            raise BCBPError("security", f'must be empty or start with "^", got {self.security!r}')

    @property
    def surname(self) -> str:
        """The part of the name before the first "/"."""
        return self.name.partition("/")[0]

    @property
    def given_name(self) -> str:
        """The part of the name after the first "/" (may be empty)."""
        return self.name.partition("/")[2]

    @classmethod
    def for_flight(
        cls,
        surname: str,
        given_name: str,
        pnr: str,
        origin: str,
        destination: str,
        carrier: str,
        flight_number: int | str,
        date: datetime.date,
        compartment: str,
        seat: str,
        sequence: int,
        status: str = "1",
        *,
        truncate_name: bool = False,
    ) -> BoardingPass:
        """A one-leg e-ticket pass from everyday values.

        Text is upper-cased and accents are dropped ("Désmarais" becomes "DESMARAIS");
        ``flight_number`` may be ``834`` or ``"834A"``; ``seat`` is written like ``"1A"`` or
        ``"23C"``; the Julian day is computed from ``date``. A name longer than 20 characters
        is an error unless ``truncate_name`` is true, which cuts it as airlines do.
        """
        name = f"{_ascii_upper(surname)}/{_ascii_upper(given_name)}"
        if truncate_name:
            name = name[:NAME_WIDTH].rstrip(" ")
        number, suffix = _parse_friendly_flight(flight_number)
        leg = Leg(
            pnr=_ascii_upper(pnr),
            origin=_ascii_upper(origin),
            destination=_ascii_upper(destination),
            carrier=_ascii_upper(carrier),
            flight_number=number,
            flight_suffix=suffix,
            julian_day=julian_day(date),
            compartment=_ascii_upper(compartment),
            seat=_parse_friendly_seat(seat),
            sequence=sequence,
            status=_ascii_upper(status),
        )
        return cls(name=name, legs=(leg,))


def _ascii_upper(text: str) -> str:
    """Upper-case ``text`` and drop accents; other non-ASCII letters are left for validation."""
    decomposed = unicodedata.normalize("NFKD", text.strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def _parse_friendly_flight(value: int | str) -> tuple[int, str]:
    if isinstance(value, int):
        return value, ""
    match = re.fullmatch(r"([0-9]{1,4})([A-Z]?)", _ascii_upper(value))
    if match is None:
        raise BCBPError("flight_number", f"must be 1 to 4 digits and an optional letter, "
                        f"got {value!r}")
    return int(match[1]), match[2]


def _parse_friendly_seat(value: str) -> str:
    text = _ascii_upper(value)
    if text == "INF":
        return text
    match = re.fullmatch(r"([0-9]{1,3})([A-Z])", text)
    if match is None:
        raise BCBPError("seat", f'must be a row and a letter like "1A" or "23C", got {value!r}')
    return f"{int(match[1]):03d}{match[2]}"


def encode(bp: BoardingPass) -> str:
    """The barcode string of ``bp`` (already validated when it was built)."""
    parts = [FORMAT_CODE, str(len(bp.legs)), bp.name.ljust(NAME_WIDTH), bp.electronic_ticket]
    for leg in bp.legs:
        parts += [
            leg.pnr.ljust(PNR_WIDTH),
            leg.origin,
            leg.destination,
            leg.carrier.ljust(3),
            f"{leg.flight_number:04d}{leg.flight_suffix or ' '}",
            f"{leg.julian_day:03d}",
            leg.compartment,
            leg.seat.ljust(4),
            f"{leg.sequence:04d}{leg.sequence_suffix or ' '}",
            leg.status,
            f"{len(leg.conditional):02X}",
            leg.conditional,
        ]
    parts.append(bp.security)
    return "".join(parts)


class _Reader:
    """Takes fixed-width items off the front of a barcode string, remembering where each was."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def take(self, width: int, field: str) -> tuple[str, int]:
        start, end = self.pos, self.pos + width
        if end > len(self.text):
            raise BCBPError(field, f"the data ends after {len(self.text)} characters; "
                            f"this item needs {width}", offset=start)
        self.pos = end
        return self.text[start:end], start


def _digits(raw: str, at: int, field: str, expected: str) -> int:
    if not raw.isascii() or not raw.isdigit():
        raise BCBPError(field, f"must be {expected}, got {raw!r}", offset=at)
    return int(raw)


def _number_and_suffix(raw: str, at: int, field: str) -> tuple[int, str]:
    """Split a "4 digits + optional letter" item such as ``"0834 "`` or ``"0025A"``."""
    number = _digits(raw[:4], at, field, "4 digits then a letter or a space")
    suffix = raw[4]
    if suffix != " " and _LETTER.fullmatch(suffix) is None:
        raise BCBPError(field, f"must be 4 digits then a letter or a space, got {raw!r}", offset=at)
    return number, suffix.strip()


def _read_leg(reader: _Reader, index: int) -> Leg:
    prefix = f"legs[{index}]."
    offsets: dict[str, int] = {}

    def take(width: int, name: str) -> str:
        raw, offsets[name] = reader.take(width, prefix + name)
        return raw

    pnr = take(PNR_WIDTH, "pnr").rstrip(" ")
    origin, destination = take(3, "origin"), take(3, "destination")
    carrier = take(3, "carrier").rstrip(" ")
    flight = take(5, "flight_number")
    day = take(3, "julian_day")
    compartment = take(1, "compartment")
    seat = take(4, "seat")
    seq = take(5, "sequence")
    status = take(1, "status")
    size_raw = take(2, "conditional_size")
    if re.fullmatch(r"[0-9A-F]{2}", size_raw) is None:
        raise BCBPError(prefix + "conditional_size", f"must be 2 hex digits (0-9, A-F), "
                        f"got {size_raw!r}", offset=offsets["conditional_size"])
    conditional = take(int(size_raw, 16), "conditional")

    number, flight_suffix = _number_and_suffix(flight, offsets["flight_number"],
                                               prefix + "flight_number")
    sequence, sequence_suffix = _number_and_suffix(seq, offsets["sequence"], prefix + "sequence")
    julian = _digits(day, offsets["julian_day"], prefix + "julian_day", "3 digits")
    try:
        return Leg(
            pnr=pnr, origin=origin, destination=destination, carrier=carrier,
            flight_number=number, flight_suffix=flight_suffix, julian_day=julian,
            compartment=compartment, seat="INF" if seat == "INF " else seat,
            sequence=sequence, sequence_suffix=sequence_suffix, status=status,
            conditional=conditional,
        )
    except BCBPError as err:
        name = err.field.removesuffix("_suffix")
        raise BCBPError(prefix + err.field, err.reason, offset=offsets.get(name)) from err


def decode(text: str) -> BoardingPass:
    """Parse a format "M" barcode string; any deviation raises :class:`BCBPError`."""
    bad = re.search(r"[^\x20-\x7e]", text)
    if bad is not None:
        raise BCBPError("data", f"{bad[0]!r} is not printable ASCII", offset=bad.start())
    reader = _Reader(text)
    fmt, at = reader.take(1, "format_code")
    if fmt != FORMAT_CODE:
        raise BCBPError("format_code", f'must be "M", got {fmt!r}', offset=at)
    count_raw, at = reader.take(1, "number_of_legs")
    count = _digits(count_raw, at, "number_of_legs", f"a digit from 1 to {MAX_LEGS}")
    if not 1 <= count <= MAX_LEGS:
        raise BCBPError("number_of_legs", f"must be 1 to {MAX_LEGS}, got {count}", offset=at)
    name, name_at = reader.take(NAME_WIDTH, "name")
    ticket, ticket_at = reader.take(1, "electronic_ticket")
    legs = []
    for index in range(count):
        if reader.pos == len(text):
            raise BCBPError("number_of_legs", f"says {count} legs but the data ends after "
                            f"{index}", offset=1)
        legs.append(_read_leg(reader, index))
    security = text[reader.pos:]
    if security and not security.startswith("^"):
        raise BCBPError("data", f"unexpected text {security[:10]!r} after the {count} leg(s) "
                        f"that number_of_legs announces", offset=reader.pos)
    try:
        return BoardingPass(name=name.rstrip(" "), legs=tuple(legs), electronic_ticket=ticket,
                            security=security)
    except BCBPError as err:
        at = {"name": name_at, "electronic_ticket": ticket_at}.get(err.field, reader.pos)
        raise BCBPError(err.field, err.reason, offset=at) from err

