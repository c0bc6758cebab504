"""E.164 phone numbers: parse, validate and find the recipient's country.

All numbering knowledge comes from ``phonenumbers`` (Google's libphonenumber metadata); there
are no hand-written prefix tables here.
"""

from __future__ import annotations

import attrs
import phonenumbers

from notifybot.errors import InvalidPhoneNumber

_NON_GEOGRAPHIC = "001"

#: The ledger's country for a recipient without one (no phone number, or non-geographic):
#: ISO 3166's user-assigned "unknown". Priced at a book's rest-of-world rate; the bot's and the
#: relay's ledgers both use it, so they agree.
UNKNOWN_COUNTRY = "ZZ"  # libphonenumber's region code for +800, +808, +870, +881, …

_POSSIBLE_REASONS = {
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "unknown country calling code",
    phonenumbers.ValidationResult.TOO_SHORT: "too short",
    phonenumbers.ValidationResult.TOO_LONG: "too long",
    phonenumbers.ValidationResult.INVALID_LENGTH: "wrong length for its country",
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "a local-only number (no area code)",
}


@attrs.frozen
class ParsedPhone:
    """A valid phone number in E.164 form and the ISO 3166 alpha-2 country it belongs to.

    ``country`` is ``None`` for non-geographic numbers (for example +800 freephone); price
    books then apply their rest-of-world rate.
    """

    e164: str
    country: str | None


def parse_phone(number: str, *, region: str | None = None) -> ParsedPhone:
    """Parse ``number`` and return it in E.164 form with its country.

    ``number`` must be international (``+`` and country code) unless ``region`` (ISO alpha-2)
    says how to read a national number. Raises :class:`~notifybot.errors.InvalidPhoneNumber`
    with the reason when the text is not a phone number or not a valid (assigned) one.
    """
    text = number.strip()
    try:
        parsed = phonenumbers.parse(text, region.upper() if region else None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"{number!r} is not a phone number: {_parse_reason(exc)}") from exc
    possible = phonenumbers.is_possible_number_with_reason(parsed)
    if possible != phonenumbers.ValidationResult.IS_POSSIBLE:
        why = _POSSIBLE_REASONS.get(possible, "not a possible number")
        raise InvalidPhoneNumber(f"{number!r} is not a valid phone number: {why}")
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber(
            f"{number!r} is not a valid phone number: no number range of country code "
            f"+{parsed.country_code} is assigned to it"
        )
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    code = phonenumbers.region_code_for_number(parsed)
    country = None if code in (None, _NON_GEOGRAPHIC) else str(code)
    return ParsedPhone(e164=str(e164), country=country)


def is_country_code(code: str) -> bool:
    """Whether ``code`` is an ISO 3166 alpha-2 region that libphonenumber knows."""
    return code in phonenumbers.SUPPORTED_REGIONS


def _parse_reason(exc: phonenumbers.NumberParseException) -> str:
    reasons = {
        phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: (
            "missing or unknown country code (write it as +<country code><number>)"
        ),
        phonenumbers.NumberParseException.NOT_A_NUMBER: "it does not look like a number",
        phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the prefix",
        phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
        phonenumbers.NumberParseException.TOO_LONG: "too long",
    }
    return reasons.get(exc.error_type, str(exc))
