"""``notifybot billing report`` logic, over a real MemoryStore filled through its API."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

import notifybot.billing as billing
from notifybot.billing import PriceBook, quote
from notifybot.billing.cli import build_report, main
from notifybot.store import LedgerEntry, MemoryStore, SentMessage, Store

BOOK = PriceBook.shipped()
SENDS = [
    # (message id, when, country, inside the window)
    ("m1", datetime(2026, 1, 3, 8, tzinfo=UTC), "US", False),
    ("m2", datetime(2026, 1, 3, 9, tzinfo=UTC), "US", True),
    ("m3", datetime(2026, 1, 20, 9, tzinfo=UTC), "GB", False),
    ("m4", datetime(2026, 2, 1, 9, tzinfo=UTC), "FR", False),
]


async def _filled() -> MemoryStore:
    store = MemoryStore()
    for mid, at, country, inside in SENDS:
        q = quote(BOOK, country=country, category="utility", in_window=inside)
        message = SentMessage(mid, f"cust-{mid}", "tpl", "utility", at)
        charge = LedgerEntry(
            f"l-{mid}",
            mid,
            f"cust-{mid}",
            country,
            "utility",
            q.price_micros,
            q.currency,
            q.book_ref,
            inside,
            at,
        )
        await store.record_sent(message, charge)
    return store


@pytest.fixture
def store() -> MemoryStore:
    return asyncio.run(_filled())


def run(argv: list[str], store: Store) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    seen: list[str] = []

    def factory(path: str) -> Store:
        seen.append(path)
        return store

    code = main(argv, store_factory=factory, stdout=out, stderr=err)
    assert seen in ([], ["db.sqlite3"], [".notifybot/notifybot.db"])
    return code, out.getvalue(), err.getvalue()


def test_report_table_for_one_month(store: MemoryStore) -> None:
    code, out, err = run(
        ["report", "--db", "db.sqlite3", "--month", "2026-01", "--by", "country"], store
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "Billing report by country (2026-01, UTC)"
    rows = [ln.split() for ln in lines if ln[:2] in ("GB", "US", "FR", "TO")]
    assert rows == [
        ["GB", "USD", "1", "1", "0.0398"],
        ["US", "USD", "2", "1", "0.0085"],
        ["TOTAL", "USD", "3", "2", "0.0483"],
    ]


def test_report_json_all_time_by_month(store: MemoryStore) -> None:
    code, out, _ = run(["report", "--json"], store)
    assert code == 0
    data = json.loads(out)
    assert (data["by"], data["period"]) == ("month", "all time")
    assert [(r["key"], r["messages"], r["total_micros"]) for r in data["rows"]] == [
        ("2026-01", 3, 48_300),
        ("2026-02", 1, 76_800),
    ]
    assert data["totals"][0]["total"] == "0.1251"


def test_report_of_an_empty_month(store: MemoryStore) -> None:
    code, out, _ = run(["report", "--month", "2025-12", "--by", "day"], store)
    assert code == 0 and "(no ledger entries)" in out


async def test_build_report_reads_only_the_month(store: MemoryStore) -> None:
    report = await build_report(store, month="2026-02", by="category")
    assert [(r.key, r.messages, r.total_micros) for r in report.rows] == [("utility", 1, 76_800)]


def test_usage_errors_exit_2(store: MemoryStore, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["report", "--month", "2026-1"], store)[0] == 2
    assert "YYYY-MM" in run(["report", "--month", "January"], store)[2]
    assert run(["report", "--by", "week"], store)[0] == 2
    assert run([], store)[0] == 2
    assert "invalid choice: 'week'" in capsys.readouterr().err


def test_missing_database_exits_1(tmp_path: Path) -> None:
    err = io.StringIO()
    code = main(["report", "--db", str(tmp_path / "none.db")], stdout=io.StringIO(), stderr=err)
    assert code == 1
    assert "no database at" in err.getvalue()


def test_public_names() -> None:
    assert sorted(billing.__all__) == sorted(
        [
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
    )
    assert all(hasattr(billing, n) for n in billing.__all__)


def test_package_docstring_example_runs() -> None:
    import doctest

    assert doctest.testmod(billing, raise_on_error=True).attempted == 3
