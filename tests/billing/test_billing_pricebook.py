"""Price books: shipped data, validation with typed errors, selection by date."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest

from notifybot.billing import (
    DEFAULT_BOOK_ID,
    MICROS_PER_CENT,
    NoPriceBookInForce,
    PriceBook,
    PriceBookError,
    PriceBookSet,
    shipped_ids,
)
from notifybot.billing.phone import is_country_code
from notifybot.errors import ConfigurationError


def _raw(book_id: str) -> dict[str, Any]:
    path = Path(__file__).parents[2] / "src/notifybot/billing/pricebooks" / f"{book_id}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _write(tmp_path: Path, data: Any, name: str = "book.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_shipped_books() -> None:
    assert shipped_ids() == ["per-message-2025", "whatsapp-2018"]
    assert DEFAULT_BOOK_ID == "whatsapp-2018"
    assert PriceBook.shipped().id == "whatsapp-2018"


def test_2018_book_is_per_country_within_half_a_cent_to_nine_cents() -> None:
    book = PriceBook.shipped("whatsapp-2018")
    assert (book.currency, book.effective_from, book.ref) == (
        "USD",
        date(2018, 8, 1),
        "whatsapp-2018@v1",
    )
    assert book.priced_categories == {"utility"}
    assert book.free_in_window == {"utility"} and book.window_only == {"service"}
    assert len(book.countries) >= 30
    rows = [*book.countries.values(), book.rest_of_world]
    for row in rows:
        micros = row["utility"]
        assert type(micros) is int
        assert MICROS_PER_CENT // 2 <= micros <= 9 * MICROS_PER_CENT
    assert book.countries["US"]["utility"] == 8500  # 0.85 US cents
    assert all(is_country_code(c) for c in book.countries)


def test_2025_book_prices_three_categories_per_country() -> None:
    book = PriceBook.shipped("per-message-2025")
    assert book.effective_from == date(2025, 7, 1)
    assert book.priced_categories == {"utility", "marketing", "authentication"}
    assert book.free_in_window == {"utility"}
    for country, row in book.countries.items():
        assert set(row) == book.priced_categories, country
        assert all(type(v) is int and v > 0 for v in row.values())
        assert row["marketing"] > row["utility"], country


def test_book_is_immutable() -> None:
    book = PriceBook.shipped()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        book.currency = "EUR"  # type: ignore[misc]
    with pytest.raises(TypeError):
        book.countries["US"]["utility"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        book.countries["XX"] = {}  # type: ignore[index]


def test_user_file_overrides_shipped_book(tmp_path: Path) -> None:
    data = _raw("whatsapp-2018")
    data.update(version=2, currency="EUR")
    data["countries"]["FR"] = {"utility": 65_000}
    book = PriceBook.load(_write(tmp_path, data))
    assert (book.ref, book.currency, book.countries["FR"]["utility"]) == (
        "whatsapp-2018@v2",
        "EUR",
        65_000,
    )
    assert book.source.endswith("book.json")


def _mutate(change: Any) -> dict[str, Any]:
    data = _raw("per-message-2025")
    change(data)
    return data


BAD_BOOKS = [
    ("float price", lambda d: d["countries"]["US"].update(utility=0.004), "not an integer"),
    ("negative price", lambda d: d["rest_of_world"].update(utility=-1), "rest_of_world.utility"),
    ("string price", lambda d: d["countries"]["US"].update(utility="40"), "countries.US.utility"),
    ("bool price", lambda d: d["countries"]["US"].update(utility=True), "non-negative integer"),
    ("UK is not ISO", lambda d: d["countries"].update(UK=d["countries"]["GB"]), "countries.UK"),
    ("lowercase country", lambda d: d["countries"].update(us=d["countries"]["US"]), "alpha-2"),
    ("missing field", lambda d: d.pop("currency"), "at currency: required"),
    ("typo field", lambda d: d.update(efective_from="2025-07-01"), "unknown field"),
    ("dollars", lambda d: d.update(unit="USD"), "micros"),
    ("bad date", lambda d: d.update(effective_from="1 July 2025"), "YYYY-MM-DD"),
    ("version 0", lambda d: d.update(version=0), "positive integer"),
    ("currency case", lambda d: d.update(currency="usd"), "ISO 4217"),
    ("bad id", lambda d: d.update(id="Per Message"), "at id"),
    ("category missing", lambda d: d["countries"]["DE"].pop("marketing"), "countries.DE"),
    ("extra category", lambda d: d["countries"]["DE"].update(promo=1), "differs in ['promo']"),
    ("free unpriced", lambda d: d.update(free_in_window=["service2"]), "has no price"),
    ("window-only priced", lambda d: d.update(window_only=["utility"]), "not window-only"),
    ("empty rest of world", lambda d: d.update(rest_of_world={}), "at least one"),
    ("countries list", lambda d: d.update(countries=[]), "at countries"),
]


@pytest.mark.parametrize(("name", "change", "message"), BAD_BOOKS, ids=[b[0] for b in BAD_BOOKS])
def test_bad_book_files_raise_explained_errors(
    tmp_path: Path, name: str, change: Any, message: str
) -> None:
    path = _write(tmp_path, _mutate(change))
    with pytest.raises(
        PriceBookError, match=message.replace("[", r"\[").replace("]", r"\]")
    ) as info:
        PriceBook.load(path)
    assert isinstance(info.value, ConfigurationError)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "at line 1 column 2: not valid JSON"),
        ('{"id": NaN}', "NaN is not an integer"),
        ("[1, 2]", "must be a JSON object"),
    ],
)
def test_unparseable_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(PriceBookError, match=message):
        PriceBook.load(_write(tmp_path, text))


def test_missing_file_and_unknown_shipped_book(tmp_path: Path) -> None:
    with pytest.raises(PriceBookError, match="cannot read the file"):
        PriceBook.load(tmp_path / "nope.json")
    with pytest.raises(PriceBookError, match="no shipped price book"):
        PriceBook.shipped("whatsapp-2099")


def _at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_book_for_picks_the_book_in_force_by_utc_date() -> None:
    books = PriceBookSet.shipped()
    assert [b.ref for b in books.books] == ["whatsapp-2018@v1", "per-message-2025@v1"]
    last_2018 = _at(2025, 7, 1) - timedelta(microseconds=1)
    assert books.book_for(last_2018).id == "whatsapp-2018"
    assert books.book_for(_at(2025, 7, 1)).id == "per-message-2025"
    assert books.book_for(_at(2018, 8, 1)).id == "whatsapp-2018"
    # 01:00 in UTC+2 on 1 July is still 30 June in UTC.
    plus2 = datetime(2025, 7, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    assert books.book_for(plus2).id == "whatsapp-2018"


def test_before_the_first_book_there_is_no_price() -> None:
    with pytest.raises(NoPriceBookInForce, match=r"2018-07-31.*earliest book starts on 2018-08-01"):
        PriceBookSet.shipped().book_for(_at(2018, 7, 31, 23, 59))


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        PriceBookSet.default().book_for(datetime(2026, 1, 1))


def test_default_set_uses_the_2018_book_for_any_later_date() -> None:
    assert PriceBookSet.default().book_for(_at(2030, 1, 1)).ref == "whatsapp-2018@v1"


def test_new_version_takes_over_from_its_date(tmp_path: Path) -> None:
    data = _raw("whatsapp-2018")
    data.update(version=2, effective_from="2019-01-01")
    data["countries"]["US"] = {"utility": 9000}
    v2 = PriceBook.load(_write(tmp_path, data))
    books = PriceBookSet([v2, PriceBook.shipped()])
    assert books.book_for(_at(2018, 12, 31, 23)).countries["US"]["utility"] == 8500
    assert books.book_for(_at(2019, 1, 1)).countries["US"]["utility"] == 9000
    assert books.get("whatsapp-2018") is v2
    assert books.get("whatsapp-2018", 1).version == 1
    with pytest.raises(KeyError):
        books.get("nope")


def test_ambiguous_sets_are_refused(tmp_path: Path) -> None:
    data = _raw("whatsapp-2018")
    data["id"] = "my-book"
    other = PriceBook.load(_write(tmp_path, data))
    with pytest.raises(PriceBookError, match="both start on 2018-08-01"):
        PriceBookSet([PriceBook.shipped(), other])
    data.update(id="whatsapp-2018", effective_from="2019-01-01")
    same_version = PriceBook.load(_write(tmp_path, data))
    with pytest.raises(PriceBookError, match="appear twice"):
        PriceBookSet([PriceBook.shipped(), same_version])
    with pytest.raises(PriceBookError, match="at least one"):
        PriceBookSet([])


def test_load_set_from_user_files(tmp_path: Path) -> None:
    a = _write(tmp_path, _raw("whatsapp-2018"), "a.json")
    b = _write(tmp_path, _raw("per-message-2025"), "b.json")
    books = PriceBookSet.load([b, a])
    assert books.book_for(_at(2026, 1, 1)).id == "per-message-2025"
