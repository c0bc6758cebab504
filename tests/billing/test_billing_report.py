"""Ledger reports: grouping, integer money, aligned table and JSON."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifybot.billing import (
    ReportRow,
    format_amount,
    format_money,
    format_table,
    summarize,
    to_dict,
    to_json,
)
from notifybot.billing.report import GROUPINGS, Grouping, group_key, month_range
from notifybot.store.records import LedgerEntry

_n = 0


def entry(
    at: datetime,
    price: int,
    *,
    country: str = "US",
    category: str = "utility",
    currency: str = "USD",
) -> LedgerEntry:
    global _n
    _n += 1
    return LedgerEntry(
        entry_id=f"e{_n}",
        message_id=f"m{_n}",
        customer_ref="c1",
        country=country,
        category=category,
        price_micros=price,
        currency=currency,
        price_book="whatsapp-2018@v1",
        in_window=price == 0,
        at=at,
    )


def at(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


LEDGER = [
    entry(at(2026, 1, 5, 10), 0, country="FR"),
    entry(at(2026, 1, 5, 11), 76_800, country="FR"),
    entry(at(2026, 1, 6, 9), 8_500),
    entry(at(2026, 1, 31, 23), 8_500),
    entry(at(2026, 2, 1, 0), 85_800, country="DE", category="authentication"),
    entry(at(2026, 2, 1, 1), 60_000, country="DE", currency="EUR"),
]


def test_by_country() -> None:
    report = summarize(LEDGER, "country")
    assert report.rows == (
        ReportRow("DE", "EUR", 1, 1, 60_000),
        ReportRow("DE", "USD", 1, 1, 85_800),
        ReportRow("FR", "USD", 2, 1, 76_800),
        ReportRow("US", "USD", 2, 2, 17_000),
    )
    # currencies are never added together
    assert report.totals == (
        ReportRow("TOTAL", "EUR", 1, 1, 60_000),
        ReportRow("TOTAL", "USD", 5, 4, 179_600),
    )


def test_by_month_day_and_category() -> None:
    months = summarize(LEDGER, "month")
    assert [(r.key, r.currency, r.messages, r.total_micros) for r in months.rows] == [
        ("2026-01", "USD", 4, 93_800),
        ("2026-02", "EUR", 1, 60_000),
        ("2026-02", "USD", 1, 85_800),
    ]
    days = summarize(LEDGER, "day")
    assert [r.key for r in days.rows] == [
        "2026-01-05",
        "2026-01-06",
        "2026-01-31",
        "2026-02-01",
        "2026-02-01",
    ]
    cats = summarize(LEDGER, "category")
    assert {(r.key, r.currency): r.billable for r in cats.rows} == {
        ("authentication", "USD"): 1,
        ("utility", "EUR"): 1,
        ("utility", "USD"): 3,
    }


def test_months_and_days_are_utc() -> None:
    # 23:30 on 31 January in UTC-2 is 01:30 on 1 February in UTC.
    e = entry(datetime(2026, 1, 31, 23, 30, tzinfo=timezone(timedelta(hours=-2))), 1)
    assert group_key(e, "month") == "2026-02"
    assert group_key(e, "day") == "2026-02-01"


def test_month_range() -> None:
    assert month_range("2026-01") == (at(2026, 1, 1), at(2026, 2, 1))
    assert month_range("2025-12") == (at(2025, 12, 1), at(2026, 1, 1))
    for bad in ["2026-1", "2026-13", "26-01", "2026/01", "2026-01-01"]:
        with pytest.raises(ValueError, match="YYYY-MM"):
            month_range(bad)


@pytest.mark.parametrize(
    ("micros", "text"),
    [
        (0, "0.0000"),
        (8_500, "0.0085"),
        (1_000_000, "1.0000"),
        (49, "0.0000"),
        (50, "0.0001"),
        (149, "0.0001"),
        (150, "0.0002"),  # half rounds away from zero
        (-150, "-0.0002"),
        (-49, "0.0000"),  # no "-0.0000"
        (123_456_789_012_345_678_901, "123456789012345.6789"),  # beyond float precision
    ],
)
def test_format_amount(micros: int, text: str) -> None:
    assert format_amount(micros) == text


def test_format_amount_refuses_floats_and_other_places() -> None:
    with pytest.raises(TypeError, match="integer micro-units"):
        format_amount(0.0085)  # type: ignore[arg-type]
    assert format_amount(1_234_567, places=2) == "1.23"
    assert format_amount(1_235_000, places=0) == "1"
    assert format_money(8_500, "USD") == "USD 0.0085"


def test_a_sum_that_floats_get_wrong() -> None:
    """Three charges of 0.00005, 0.00005 and 0.00025 USD total exactly 0.00035, shown as
    0.0004. Summing floats and formatting them shows 0.0003."""
    ledger = [entry(at(2026, 3, 1), p) for p in (50, 50, 250)]
    (row,) = summarize(ledger, "month").rows
    assert row.total_micros == 350
    assert format_amount(row.total_micros) == "0.0004"
    as_floats = sum(p / 1_000_000 for p in (50, 50, 250))
    assert f"{as_floats:.4f}" == "0.0003"  # what the float path would have printed
    assert "0.0004" in format_table(summarize(ledger, "month"))


def test_table_is_aligned() -> None:
    text = format_table(summarize(LEDGER, "country", period="2026-01"))
    lines = text.splitlines()
    assert lines[0] == "Billing report by country (2026-01, UTC)"
    assert lines[1].split() == ["country", "currency", "messages", "billable", "amount"]
    body = [ln for ln in lines[2:] if not ln.startswith("-")]
    assert body[0].split() == ["DE", "EUR", "1", "1", "0.0600"]
    assert body[-1].split() == ["TOTAL", "USD", "5", "4", "0.1796"]
    # every numeric column ends at the same offset as its header
    header = lines[1]
    for name in ("messages", "billable", "amount"):
        end = header.index(name) + len(name)
        for ln in body:
            assert ln[end - 1] != " " and (end == len(ln) or ln[end] == " "), (name, ln)


def test_empty_report() -> None:
    report = summarize([], "day")
    assert report.rows == () and report.totals == ()
    assert "(no ledger entries)" in format_table(report)
    assert to_dict(report) == {"by": "day", "period": "all time", "rows": [], "totals": []}


def test_json() -> None:
    data = json.loads(to_json(summarize(LEDGER, "month", period="all time")))
    assert data["by"] == "month"
    assert data["rows"][0] == {
        "key": "2026-01",
        "currency": "USD",
        "messages": 4,
        "billable": 3,
        "total_micros": 93_800,
        "total": "0.0938",
    }
    assert [t["currency"] for t in data["totals"]] == ["EUR", "USD"]


def test_bad_entries_and_groupings() -> None:
    with pytest.raises(ValueError, match="bad price"):
        summarize([entry(at(2026, 1, 1), -1)], "month")
    with pytest.raises(ValueError, match="cannot group by 'week'"):
        summarize(LEDGER, "week")  # type: ignore[arg-type]


entries_strategy = st.lists(
    st.builds(
        entry,
        at=st.datetimes(
            min_value=datetime(2018, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
        ),
        price=st.integers(min_value=0, max_value=10**12),
        country=st.sampled_from(["US", "GB", "FR", "IN", ""]),
        category=st.sampled_from(["utility", "marketing", "authentication"]),
        currency=st.sampled_from(["USD", "EUR"]),
    ),
    max_size=60,
)


@given(entries=entries_strategy, by=st.sampled_from(GROUPINGS))
def test_totals_equal_the_sum_of_entries_in_any_grouping(
    entries: list[LedgerEntry], by: Grouping
) -> None:
    report = summarize(entries, by)
    for cur in {e.currency for e in entries}:
        mine = [e for e in entries if e.currency == cur]
        rows = [r for r in report.rows if r.currency == cur]
        (total,) = [t for t in report.totals if t.currency == cur]
        assert (
            sum(r.total_micros for r in rows)
            == total.total_micros
            == sum(e.price_micros for e in mine)
        )
        assert sum(r.messages for r in rows) == total.messages == len(mine)
        assert total.billable == sum(1 for e in mine if e.price_micros > 0)
        assert Counter(group_key(e, by) for e in mine) == {r.key: r.messages for r in rows}
    assert all(type(r.total_micros) is int for r in (*report.rows, *report.totals))


@given(st.integers(min_value=-(10**18), max_value=10**18))
def test_format_amount_matches_decimal_half_up(micros: int) -> None:
    exact = (Decimal(micros) / Decimal(1_000_000)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    expected = format(exact, "f")
    if exact == 0:
        expected = "0.0000"
    assert format_amount(micros) == expected
