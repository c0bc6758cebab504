"""The IATA BCBP encoder/decoder of the airline example."""

from __future__ import annotations

import datetime

import attrs
import pytest
from examples.airline.bcbp import (
    MAX_LEGS,
    BCBPError,
    BoardingPass,
    Leg,
    decode,
    encode,
    julian_day,
)
from hypothesis import given
from hypothesis import strategies as st

from notifybot.errors import NotifybotError, Refusal

#: The example published with Resolution 792.
PUBLISHED = "M1DESMARAIS/LUC       EABC123 YULFRAAC 0834 226F001A0025 100"


def _leg(**changes: object) -> Leg:
    values: dict[str, object] = {
        "pnr": "ABC123", "origin": "YUL", "destination": "FRA", "carrier": "AC",
        "flight_number": 834, "julian_day": 226, "compartment": "F", "seat": "001A",
        "sequence": 25, "status": "1",
    }
    values.update(changes)
    return Leg(**values)  # type: ignore[arg-type]


# --- the published example -------------------------------------------------------------------


def test_published_example_decodes_to_its_documented_items() -> None:
    bp = decode(PUBLISHED)
    assert bp.name == "DESMARAIS/LUC"
    assert (bp.surname, bp.given_name) == ("DESMARAIS", "LUC")
    assert bp.electronic_ticket == "E"
    assert bp.security == ""
    (leg,) = bp.legs
    assert leg.pnr == "ABC123"
    assert (leg.origin, leg.destination) == ("YUL", "FRA")
    assert (leg.carrier, leg.flight_number, leg.flight_suffix) == ("AC", 834, "")
    assert leg.julian_day == 226
    assert leg.compartment == "F"
    assert leg.seat == "001A"
    assert (leg.sequence, leg.sequence_suffix) == (25, "")
    assert leg.status == "1"
    assert leg.conditional == ""


def test_published_example_reencodes_byte_for_byte() -> None:
    assert encode(decode(PUBLISHED)) == PUBLISHED
    assert len(PUBLISHED) == 60


def test_for_flight_builds_the_published_example_from_everyday_values() -> None:
    bp = BoardingPass.for_flight(
        "Desmarais", "Luc", "abc123", "yul", "fra", "AC", 834,
        datetime.date(2023, 8, 14), "F", "1A", 25,
    )
    assert encode(bp) == PUBLISHED


# --- helpers -------------------------------------------------------------------------------


def test_julian_day_counts_from_one_and_knows_leap_years() -> None:
    assert julian_day(datetime.date(2025, 1, 1)) == 1
    assert julian_day(datetime.date(2023, 8, 14)) == 226
    assert julian_day(datetime.date(2024, 8, 14)) == 227
    assert julian_day(datetime.date(2024, 12, 31)) == 366


def test_date_in_maps_the_day_back_to_a_date() -> None:
    assert _leg(julian_day=226).date_in(2023) == datetime.date(2023, 8, 14)
    assert _leg(julian_day=366).date_in(2024) == datetime.date(2024, 12, 31)
    with pytest.raises(BCBPError, match="day 366 does not exist in 2023"):
        _leg(julian_day=366).date_in(2023)


def test_for_flight_normalises_friendly_inputs() -> None:
    bp = BoardingPass.for_flight(
        "Désmarais", "Lüc", "XYZ9", "cdg", "nrt", "af", "276a",
        datetime.date(2026, 3, 2), "y", "23c", 7, status="0",
    )
    (leg,) = bp.legs
    assert bp.name == "DESMARAIS/LUC"
    assert (leg.flight_number, leg.flight_suffix, leg.julian_day) == (276, "A", 61)
    assert leg.seat == "023C"
    assert encode(bp) == "M1DESMARAIS/LUC       EXYZ9   CDGNRTAF 0276A061Y023C0007 000"


def test_for_flight_infant_seat() -> None:
    bp = BoardingPass.for_flight(
        "Roy", "Emma", "ABC123", "YUL", "FRA", "AC", 834, datetime.date(2023, 8, 14),
        "F", "INF", 26,
    )
    assert bp.legs[0].seat == "INF"
    text = encode(bp)
    assert text[48:52] == "INF "
    assert decode(text) == bp


def test_for_flight_refuses_a_long_name_unless_told_to_truncate() -> None:
    args = ("Wolfeschlegelsteinhausen", "Hubert", "ABC123", "YUL", "FRA", "AC", 834,
            datetime.date(2023, 8, 14), "F", "1A", 25)
    with pytest.raises(BCBPError, match="name: must be at most 20 characters") as info:
        BoardingPass.for_flight(*args)
    assert info.value.field == "name"
    bp = BoardingPass.for_flight(*args, truncate_name=True)
    assert bp.name == "WOLFESCHLEGELSTEINHA"
    assert decode(encode(bp)) == bp


@pytest.mark.parametrize(
    ("field", "kwargs", "message"),
    [
        ("flight_number", {"flight_number": "AC834"}, "1 to 4 digits and an optional letter"),
        ("flight_number", {"flight_number": "12345"}, "1 to 4 digits and an optional letter"),
        ("flight_number", {"flight_number": 0}, "from 1 to 9999, got 0"),
        ("seat", {"seat": "A1"}, 'like "1A" or "23C"'),
        ("seat", {"seat": "1234A"}, 'like "1A" or "23C"'),
        ("pnr", {"pnr": "ABCD1234"}, "1 to 7 capital letters or digits"),
        ("carrier", {"carrier": "A"}, "2- or 3-character airline designator"),
        ("origin", {"origin": "MONTREAL"}, "3-letter airport code"),
        ("sequence", {"sequence": 10000}, "from 0 to 9999"),
        ("status", {"status": "12"}, "one capital letter or digit"),
    ],
)
def test_for_flight_rejects_bad_values(field: str, kwargs: dict[str, object], message: str) -> None:
    values: dict[str, object] = {
        "surname": "Desmarais", "given_name": "Luc", "pnr": "ABC123", "origin": "YUL",
        "destination": "FRA", "carrier": "AC", "flight_number": 834,
        "date": datetime.date(2023, 8, 14), "compartment": "F", "seat": "1A", "sequence": 25,
    }
    values.update(kwargs)
    with pytest.raises(BCBPError, match=message) as info:
        BoardingPass.for_flight(**values)  # type: ignore[arg-type]
    assert info.value.field == field


# --- several legs, conditional items and security data --------------------------------------


def test_two_legs_with_conditional_items_on_the_first() -> None:
    first = _leg(conditional=">5180WW6225BAC 00141234560032A0141234567890 1AC AC 1234567890123 20K")
    second = _leg(pnr="DEF456", origin="FRA", destination="GVA", carrier="LH",
                  flight_number=3664, flight_suffix="A", julian_day=227, compartment="J",
                  seat="012C", sequence=3, sequence_suffix="B")
    bp = BoardingPass(name="DESMARAIS/LUC", legs=[first, second], security="^164GIWVC5EH7JNT")
    text = encode(bp)
    assert text == (
        "M2DESMARAIS/LUC       E"
        "ABC123 YULFRAAC 0834 226F001A0025 1" + f"{len(first.conditional):02X}"
        + first.conditional
        + "DEF456 FRAGVALH 3664A227J012C0003B100"
        + "^164GIWVC5EH7JNT"
    )
    assert decode(text) == bp
    assert isinstance(bp.legs, tuple)


def test_security_data_passes_through() -> None:
    text = PUBLISHED + "^100"
    bp = decode(text)
    assert bp.security == "^100"
    assert encode(bp) == text


# --- round trips over generated passes -------------------------------------------------------

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ALNUM = _UPPER + "0123456789"
_PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)

_legs = st.builds(
    Leg,
    pnr=st.text(_ALNUM, min_size=1, max_size=7),
    origin=st.text(_UPPER, min_size=3, max_size=3),
    destination=st.text(_UPPER, min_size=3, max_size=3),
    carrier=st.text(_ALNUM, min_size=2, max_size=3),
    flight_number=st.integers(1, 9999),
    flight_suffix=st.sampled_from(["", *_UPPER]),
    julian_day=st.integers(1, 366),
    compartment=st.sampled_from(_UPPER),
    seat=st.one_of(
        st.just("INF"),
        st.builds(lambda r, c: f"{r:03d}{c}", st.integers(0, 999), st.sampled_from(_UPPER)),
    ),
    sequence=st.integers(0, 9999),
    sequence_suffix=st.sampled_from(["", *_UPPER]),
    status=st.sampled_from(_ALNUM),
    conditional=st.text(_PRINTABLE, max_size=255),
)
_names = st.from_regex(r"[A-Z]{1,9}/[A-Z][A-Z .'-]{0,7}[A-Z]", fullmatch=True)
_passes = st.builds(
    BoardingPass,
    name=_names,
    legs=st.lists(_legs, min_size=1, max_size=MAX_LEGS).map(tuple),
    electronic_ticket=st.sampled_from(["E", " "]),
    security=st.one_of(st.just(""), st.text(_PRINTABLE, max_size=40).map(lambda s: "^" + s)),
)


@given(_passes)
def test_round_trip(bp: BoardingPass) -> None:
    text = encode(bp)
    assert decode(text) == bp
    assert encode(decode(text)) == text
    expected = 23 + sum(37 + len(leg.conditional) for leg in bp.legs) + len(bp.security)
    assert len(text) == expected
    assert text[1] == str(len(bp.legs))


@given(st.text(max_size=120))
def test_decoding_any_text_gives_a_pass_or_a_bcbp_error(text: str) -> None:
    try:
        bp = decode(text)
    except BCBPError as err:
        assert err.field and err.reason
    else:
        assert encode(bp) == text


@given(st.integers(0, len(PUBLISHED) - 1), _PRINTABLE)
def test_one_changed_character_gives_a_pass_or_a_bcbp_error(at: int, char: str) -> None:
    text = PUBLISHED[:at] + char + PUBLISHED[at + 1:]
    try:
        bp = decode(text)
    except BCBPError as err:
        assert err.offset is not None
    else:
        assert encode(bp) == text


# --- bad barcode strings ---------------------------------------------------------------------


def _edit(at: int, new: str) -> str:
    return PUBLISHED[:at] + new + PUBLISHED[at + len(new):]


@pytest.mark.parametrize(
    ("text", "field", "message", "offset"),
    [
        ("", "format_code", "data ends after 0 characters", 0),
        (_edit(0, "S"), "format_code", 'must be "M", got \'S\'', 0),
        (_edit(1, "0"), "number_of_legs", "must be 1 to 4, got 0", 1),
        (_edit(1, "5"), "number_of_legs", "must be 1 to 4, got 5", 1),
        (_edit(1, "X"), "number_of_legs", "a digit from 1 to 4", 1),
        (_edit(1, "2"), "number_of_legs", "says 2 legs but the data ends after 1", 1),
        (PUBLISHED[:40], "legs[0].flight_number", "data ends after 40 characters", 39),
        (PUBLISHED[:-2], "legs[0].conditional_size", "data ends after 58 characters", 58),
        (_edit(2, " "), "name", "SURNAME/GIVEN", 2),
        (_edit(2, "d"), "name", "SURNAME/GIVEN", 2),
        (_edit(22, "e"), "electronic_ticket", '("E" for an e-ticket) or a space', 22),
        (_edit(23, "abc"), "legs[0].pnr", "capital letters or digits", 23),
        (_edit(23, "       "), "legs[0].pnr", "capital letters or digits", 23),
        (_edit(30, "Y1L"), "legs[0].origin", "3-letter airport code", 30),
        (_edit(33, "FR "), "legs[0].destination", "3-letter airport code", 33),
        (_edit(36, "A  "), "legs[0].carrier", "airline designator", 36),
        (_edit(39, "08A4"), "legs[0].flight_number", "4 digits then a letter or a space", 39),
        (_edit(39, "834  "), "legs[0].flight_number", "4 digits then a letter or a space", 39),
        (_edit(39, "08341"), "legs[0].flight_number", "4 digits then a letter or a space", 39),
        (_edit(39, "0000"), "legs[0].flight_number", "from 1 to 9999, got 0", 39),
        (_edit(44, "000"), "legs[0].julian_day", "from 1 to 366, got 0", 44),
        (_edit(44, "367"), "legs[0].julian_day", "from 1 to 366, got 367", 44),
        (_edit(44, "2 6"), "legs[0].julian_day", "must be 3 digits", 44),
        (_edit(47, "1"), "legs[0].compartment", "one capital letter", 47),
        (_edit(48, "1A  "), "legs[0].seat", 'three digits and a letter ("001A") or "INF"', 48),
        (_edit(52, "25   "), "legs[0].sequence", "4 digits then a letter or a space", 52),
        (_edit(57, "*"), "legs[0].status", "one capital letter or digit", 57),
        (_edit(58, "0G"), "legs[0].conditional_size", "2 hex digits", 58),
        (_edit(58, "0a"), "legs[0].conditional_size", "2 hex digits", 58),
        (_edit(58, "05"), "legs[0].conditional", "data ends after 60 characters", 60),
        (PUBLISHED + "DEF456 FRAGVALH 3664A227J012C0003B100", "data", "after the 1 leg(s)", 60),
        (PUBLISHED + "XYZ", "data", "unexpected text 'XYZ' after the 1 leg(s)", 60),
        (_edit(5, "É"), "data", "not printable ASCII", 5),
        (PUBLISHED + "\n", "data", "not printable ASCII", 60),
    ],
)
def test_bad_strings_raise_bcbp_error_naming_the_field(
    text: str, field: str, message: str, offset: int
) -> None:
    with pytest.raises(BCBPError) as info:
        decode(text)
    err = info.value
    assert err.field == field
    assert message in err.reason
    assert str(err).startswith(f"{field}: ")
    assert err.offset == offset
    assert str(err).endswith(f"(at character {offset})")


# --- bad values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"pnr": ""}, "pnr", "1 to 7 capital letters or digits"),
        ({"pnr": "ABCDEFGH"}, "pnr", "1 to 7 capital letters or digits"),
        ({"origin": "yul"}, "origin", "3-letter airport code"),
        ({"carrier": "ACAB"}, "carrier", "airline designator"),
        ({"flight_number": 10000}, "flight_number", "from 1 to 9999"),
        ({"flight_number": "834"}, "flight_number", "whole number"),
        ({"flight_number": True}, "flight_number", "whole number"),
        ({"flight_suffix": "AB"}, "flight_suffix", "empty or one capital letter"),
        ({"julian_day": 0}, "julian_day", "from 1 to 366, got 0"),
        ({"julian_day": 367}, "julian_day", "from 1 to 366, got 367"),
        ({"compartment": "FJ"}, "compartment", "one capital letter"),
        ({"seat": "1A"}, "seat", "three digits and a letter"),
        ({"sequence": -1}, "sequence", "from 0 to 9999"),
        ({"sequence_suffix": "1"}, "sequence_suffix", "empty or one capital letter"),
        ({"status": ""}, "status", "one capital letter or digit"),
        ({"conditional": "x" * 256}, "conditional", "256 characters long; at most 255"),
        ({"conditional": "caf\u00e9"}, "conditional", "printable ASCII"),
    ],
)
def test_bad_leg_values_raise(changes: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(BCBPError, match=message) as info:
        _leg(**changes)
    assert info.value.field == field
    assert info.value.offset is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "DESMARAIS/LUCIEN-ALEXANDRE"}, "name", "at most 20 characters"),
        ({"name": ""}, "name", "SURNAME/GIVEN"),
        ({"name": "desmarais/luc"}, "name", "SURNAME/GIVEN"),
        ({"name": "DESMARAIS/LUC "}, "name", "no outer spaces"),
        ({"legs": ()}, "legs", "1 to 4 legs, got 0"),
        ({"legs": (_leg(),) * 5}, "legs", "1 to 4 legs, got 5"),
        ({"legs": 3}, "legs", "must be a sequence of Leg"),
        ({"legs": ("leg",)}, "legs[0]", "must be a Leg, got str"),
        ({"electronic_ticket": "EE"}, "electronic_ticket", "or a space"),
        ({"security": "164GIWVC5EH7JNT"}, "security", 'start with "\\^"'),
    ],
)
def test_bad_pass_values_raise(changes: dict[str, object], field: str, message: str) -> None:
    values: dict[str, object] = {"name": "DESMARAIS/LUC", "legs": (_leg(),)}
    values.update(changes)
    with pytest.raises(BCBPError, match=message) as info:
        BoardingPass(**values)  # type: ignore[arg-type]
    assert info.value.field == field


def test_bcbp_error_is_a_permanent_refusal_and_a_value_error() -> None:
    err = BCBPError("seat", "bad", offset=48)
    assert isinstance(err, ValueError)
    assert isinstance(err, Refusal) and isinstance(err, NotifybotError)
    assert not err.retryable
    assert err.code == "bcbp_invalid"
    assert str(err) == "seat: bad (at character 48)"


def test_passes_are_frozen_values() -> None:
    bp = decode(PUBLISHED)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        bp.name = "X"  # type: ignore[misc]
    assert bp == decode(PUBLISHED)
    assert hash(bp) == hash(decode(PUBLISHED))
