"""Dated, versioned price books in integer micro-units, and choosing the one in force.

A price book is a JSON document (see ``docs/billing.md``)::

    {"id": "whatsapp-2018", "version": 1, "effective_from": "2018-08-01",
     "currency": "USD", "unit": "micros",
     "free_in_window": ["utility"], "window_only": ["service"],
     "rest_of_world": {"utility": 30000},
     "countries": {"US": {"utility": 8500}, "GB": {"utility": 39800}}}

Prices are integers in micro-units of ``currency`` (1 US cent = 10,000 micro-units); no float
is ever read. Books ship inside the package (``notifybot/billing/pricebooks/*.json``) and a
user file can replace them (:meth:`PriceBook.load`).
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs

from notifybot.billing.errors import NoPriceBookInForce, PriceBookError
from notifybot.billing.phone import is_country_code

#: The book a bot uses unless configured otherwise: the 2018 per-country notification model.
DEFAULT_BOOK_ID = "whatsapp-2018"

_PACKAGE = "notifybot.billing"
_FOLDER = "pricebooks"
_ID = re.compile(r"[a-z0-9][a-z0-9.-]*\Z")
_CATEGORY = re.compile(r"[a-z][a-z_]*\Z")
_CURRENCY = re.compile(r"[A-Z]{3}\Z")
_KEYS = {
    "id",
    "version",
    "effective_from",
    "currency",
    "unit",
    "free_in_window",
    "window_only",
    "rest_of_world",
    "countries",
    "description",
}
_REQUIRED = _KEYS - {"description", "free_in_window", "window_only"}

Rates = Mapping[str, int]


def _freeze_row(value: Mapping[str, int]) -> Rates:
    return MappingProxyType(dict(value))


def _freeze_rates(value: Mapping[str, Mapping[str, int]]) -> Mapping[str, Rates]:
    return MappingProxyType({k: _freeze_row(v) for k, v in value.items()})


def _to_tuple(books: Iterable[PriceBook]) -> tuple[PriceBook, ...]:
    return tuple(books)


@attrs.frozen
class PriceBook:
    """Prices by country (ISO 3166 alpha-2) and category, valid from ``effective_from``.

    ``free_in_window`` categories cost nothing inside the 24-hour customer-service window;
    ``window_only`` categories (free-form replies) are free there and refused outside it.
    Countries without their own rates pay ``rest_of_world``.
    """

    id: str
    version: int
    effective_from: date
    currency: str
    rest_of_world: Rates = attrs.field(converter=_freeze_row, hash=False)
    countries: Mapping[str, Rates] = attrs.field(converter=_freeze_rates, hash=False)
    free_in_window: frozenset[str] = frozenset()
    window_only: frozenset[str] = frozenset()
    description: str = ""
    source: str = attrs.field(default="", eq=False)

    @property
    def ref(self) -> str:
        """``id@vN``: what a ledger entry records as its ``price_book``."""
        return f"{self.id}@v{self.version}"

    @property
    def priced_categories(self) -> frozenset[str]:
        """Categories that have a price (every country prices the same set)."""
        return frozenset(self.rest_of_world)

    def rate(self, country: str | None, category: str) -> tuple[int, bool]:
        """The price of ``category`` for ``country`` and whether it is the country's own rate
        (``False``: the rest-of-world rate). ``KeyError`` if the category is not priced."""
        own = self.countries.get(country) if country else None
        if own is not None:
            return own[category], True
        return self.rest_of_world[category], False

    @classmethod
    def load(cls, path: str | Path) -> PriceBook:
        """Read and validate a price book file (raises :class:`PriceBookError`)."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise PriceBookError(str(p), "", f"cannot read the file ({exc.strerror})") from exc
        return cls.from_json(text, source=str(p))

    @classmethod
    def shipped(cls, book_id: str = DEFAULT_BOOK_ID) -> PriceBook:
        """A price book shipped with notifybot, by id (see :func:`shipped_ids`)."""
        name = f"{book_id}.json"
        if book_id not in shipped_ids():
            raise PriceBookError(name, "", f"no shipped price book; shipped: {shipped_ids()}")
        res = resources.files(_PACKAGE).joinpath(_FOLDER, name)
        return cls.from_json(res.read_text(encoding="utf-8"), source=f"<shipped {name}>")

    @classmethod
    def from_json(cls, text: str, *, source: str = "<string>") -> PriceBook:
        """Parse and validate a price book from JSON text. Floats are refused."""
        try:
            data = json.loads(text, parse_float=_no_float(source), parse_constant=_no_float(source))
        except json.JSONDecodeError as exc:
            where = f"line {exc.lineno} column {exc.colno}"
            raise PriceBookError(source, where, f"not valid JSON: {exc.msg}") from exc
        return cls.from_dict(data, source=source)

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "<dict>") -> PriceBook:
        """Validate a decoded price book (raises :class:`PriceBookError`)."""
        return _Validator(source).book(data)


def _no_float(source: str) -> Any:
    def refuse(token: str) -> Any:
        raise PriceBookError(
            source, "", f"number {token} is not an integer; prices are integer micro-units"
        )

    return refuse


class _Validator:
    """Checks one decoded document, naming the field at fault."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> PriceBookError:
        return PriceBookError(self.source, where, problem)

    def book(self, data: Any) -> PriceBook:
        if not isinstance(data, dict):
            raise self.fail("", "the document must be a JSON object")
        if unknown := sorted(set(data) - _KEYS):
            raise self.fail(unknown[0], f"unknown field (known: {', '.join(sorted(_KEYS))})")
        if missing := sorted(_REQUIRED - set(data)):
            raise self.fail(missing[0], "required field is missing")
        book_id = self.text(data, "id", _ID, "lowercase letters, digits, '.' and '-'")
        version = data["version"]
        if type(version) is not int or version < 1:
            raise self.fail("version", f"must be a positive integer, not {version!r}")
        currency = self.text(data, "currency", _CURRENCY, "an ISO 4217 code such as USD")
        if data["unit"] != "micros":
            raise self.fail("unit", 'must be "micros" (1 US cent = 10,000 micro-units)')
        try:
            effective = date.fromisoformat(data["effective_from"])
        except (TypeError, ValueError):
            raise self.fail("effective_from", "must be a date written YYYY-MM-DD") from None
        row = self.rates("rest_of_world", data["rest_of_world"], None)
        if not row:
            raise self.fail("rest_of_world", "must price at least one category")
        countries = data["countries"]
        if not isinstance(countries, dict):
            raise self.fail("countries", "must be an object of country -> rates")
        table: dict[str, dict[str, int]] = {}
        for country, rates in countries.items():
            where = f"countries.{country}"
            if not is_country_code(country):
                raise self.fail(where, "not an ISO 3166 alpha-2 country code (e.g. US, GB)")
            table[country] = self.rates(where, rates, set(row))
        free = self.categories(data, "free_in_window")
        window_only = self.categories(data, "window_only")
        if stray := sorted(free - set(row)):
            raise self.fail("free_in_window", f"category {stray[0]!r} has no price")
        if both := sorted(window_only & set(row)):
            raise self.fail("window_only", f"category {both[0]!r} is priced, so not window-only")
        description = data.get("description", "")
        if not isinstance(description, str):
            raise self.fail("description", "must be a string")
        return PriceBook(
            id=book_id,
            version=version,
            effective_from=effective,
            currency=currency,
            rest_of_world=row,
            countries=table,
            free_in_window=free,
            window_only=window_only,
            description=description,
            source=self.source,
        )

    def text(self, data: dict[str, Any], key: str, pattern: re.Pattern[str], what: str) -> str:
        value = data[key]
        if not isinstance(value, str) or not pattern.match(value):
            raise self.fail(key, f"must be {what}, not {value!r}")
        return value

    def rates(self, where: str, rates: Any, expected: set[str] | None) -> dict[str, int]:
        if not isinstance(rates, dict):
            raise self.fail(where, "must be an object of category -> integer micro-units")
        for category, micros in rates.items():
            if not _CATEGORY.match(category):
                raise self.fail(f"{where}.{category}", "a category is lowercase letters and '_'")
            if type(micros) is not int or micros < 0:
                raise self.fail(
                    f"{where}.{category}", f"must be a non-negative integer, not {micros!r}"
                )
        if expected is not None and set(rates) != expected:
            diff = sorted(set(rates) ^ expected)
            raise self.fail(where, f"must price exactly {sorted(expected)} (differs in {diff})")
        return dict(rates)

    def categories(self, data: dict[str, Any], key: str) -> frozenset[str]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
            raise self.fail(key, "must be a list of category names")
        return frozenset(value)


def shipped_ids() -> list[str]:
    """Ids of the price books shipped with notifybot."""
    folder = resources.files(_PACKAGE).joinpath(_FOLDER)
    return sorted(
        p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")
    )


@attrs.frozen
class PriceBookSet:
    """Price books ordered by ``effective_from``; :meth:`book_for` picks the one in force."""

    books: tuple[PriceBook, ...] = attrs.field(converter=_to_tuple)

    def __attrs_post_init__(self) -> None:
        if not self.books:
            raise PriceBookError("<set>", "", "a price book set needs at least one book")
        ordered = tuple(sorted(self.books, key=lambda b: b.effective_from))
        object.__setattr__(self, "books", ordered)
        for a, b in itertools.pairwise(ordered):
            if a.effective_from == b.effective_from:
                raise PriceBookError(
                    "<set>",
                    "",
                    f"{a.ref} and {b.ref} both start on {a.effective_from}; "
                    "which one is in force would be ambiguous",
                )
        refs = [b.ref for b in ordered]
        if len(set(refs)) != len(refs):
            raise PriceBookError("<set>", "", f"a book id and version appear twice: {refs}")

    @classmethod
    def default(cls) -> PriceBookSet:
        """Only the default book (:data:`DEFAULT_BOOK_ID`), in force from its start date on."""
        return cls([PriceBook.shipped(DEFAULT_BOOK_ID)])

    @classmethod
    def shipped(cls) -> PriceBookSet:
        """Every shipped book, each in force from its date until the next one starts."""
        return cls(PriceBook.shipped(i) for i in shipped_ids())

    @classmethod
    def load(cls, paths: Iterable[str | Path]) -> PriceBookSet:
        """A set made of user price book files."""
        return cls(PriceBook.load(p) for p in paths)

    def book_for(self, at: datetime) -> PriceBook:
        """The book in force at ``at`` (an aware datetime; the UTC date decides)."""
        if at.tzinfo is None:
            raise ValueError("book_for() needs an aware datetime (use tzinfo=UTC)")
        day = at.astimezone(UTC).date()
        starts = [b.effective_from for b in self.books]
        i = bisect.bisect_right(starts, day)
        if i == 0:
            raise NoPriceBookInForce(day, starts[0])
        return self.books[i - 1]

    def get(self, book_id: str, version: int | None = None) -> PriceBook:
        """A book of this set by id (the highest version unless ``version`` is given)."""
        found = [b for b in self.books if b.id == book_id and version in (None, b.version)]
        if not found:
            raise KeyError(f"no price book {book_id!r} in this set")
        return max(found, key=lambda b: b.version)
