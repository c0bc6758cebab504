"""E.164 parsing: country from libphonenumber metadata, explained refusals."""

from __future__ import annotations

import phonenumbers
import pytest

from notifybot.billing import ParsedPhone, parse_phone
from notifybot.errors import InvalidPhoneNumber, Refusal


@pytest.mark.parametrize(
    ("text", "e164", "country"),
    [
        ("+1 202 555 0123", "+12025550123", "US"),
        ("+1 (416) 555-0123", "+14165550123", "CA"),  # same +1 code, country from the prefix
        ("+44 20 7946 0958", "+442079460958", "GB"),
        ("+44 1534 123456", "+441534123456", "JE"),  # Jersey shares +44
        ("+7 495 123-45-67", "+74951234567", "RU"),
        ("+7 701 123 4567", "+77011234567", "KZ"),  # Kazakhstan shares +7
        ("+33 6 12 34 56 78", "+33612345678", "FR"),
        ("  +4915123456789 ", "+4915123456789", "DE"),
        ("+91 98765 43210", "+919876543210", "IN"),
    ],
)
def test_valid_numbers_give_e164_and_country(text: str, e164: str, country: str) -> None:
    assert parse_phone(text) == ParsedPhone(e164=e164, country=country)


def test_national_number_with_region() -> None:
    assert parse_phone("06 12 34 56 78", region="fr") == ParsedPhone("+33612345678", "FR")


def test_non_geographic_number_has_no_country() -> None:
    assert parse_phone("+800 1234 5678") == ParsedPhone("+80012345678", None)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("hello", "not a phone number"),
        ("0612345678", "country code"),  # national form without a region
        ("+1", "not a phone number"),
        ("+999 1234567", "country code"),
        ("+33 6 12", "too short"),
        ("+33 6 12 34 56 78 90 12 34", "too long"),
        ("+44 7700 900123", "no number range"),  # possible length, but an unassigned range
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(text: str, why: str) -> None:
    with pytest.raises(InvalidPhoneNumber, match=why) as info:
        parse_phone(text)
    assert isinstance(info.value, Refusal)
    assert info.value.code == "invalid_phone_number"
    assert repr(text) in str(info.value)


@pytest.mark.parametrize("region", sorted(phonenumbers.SUPPORTED_REGIONS))
def test_every_region_example_number_parses_to_a_region_of_its_code(region: str) -> None:
    """Some regions share number ranges (MF/BL, EH/MA), so the country found is one of the
    regions of the calling code, and usually the region itself."""
    example = phonenumbers.example_number(region)
    if example is None:
        pytest.skip(f"libphonenumber has no example number for {region}")
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    parsed = parse_phone(e164)
    assert parsed.e164 == e164
    assert example.country_code is not None
    assert parsed.country in phonenumbers.region_codes_for_country_code(example.country_code)


def test_most_regions_map_back_to_themselves() -> None:
    regions = [r for r in phonenumbers.SUPPORTED_REGIONS if phonenumbers.example_number(r)]
    same = 0
    for region in regions:
        example = phonenumbers.example_number(region)
        assert example is not None
        e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        same += parse_phone(e164).country == region
    assert same >= len(regions) - 5
