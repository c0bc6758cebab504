"""Billing throughput: quotes per second and ledger entries summarised per second.

Run: ``python bench/billing_bench.py`` (prints figures; not part of the test run).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from notifybot.billing import PriceBook, format_table, parse_phone, quote, summarize
from notifybot.store.records import LedgerEntry


def _rate(label: str, n: int, seconds: float) -> None:
    print(f"{label:<34} {n:>9,} in {seconds:7.3f} s  = {n / seconds:>12,.0f}/s")


def main() -> None:
    rng = random.Random(7)
    book = PriceBook.shipped("per-message-2025")
    countries = [*sorted(book.countries), "IS", None]
    categories = ["utility", "marketing", "authentication"]

    n = 200_000
    args = [(rng.choice(countries), rng.choice(categories), rng.random() < 0.5) for _ in range(n)]
    t = time.perf_counter()
    quotes = [quote(book, country=c, category=k, in_window=w) for c, k, w in args]
    _rate("quote()", n, time.perf_counter() - t)

    numbers = ["+12025550123", "+442079460958", "+33612345678", "+919876543210"] * 5_000
    t = time.perf_counter()
    for num in numbers:
        parse_phone(num)
    _rate("parse_phone()", len(numbers), time.perf_counter() - t)

    start = datetime(2026, 1, 1, tzinfo=UTC)
    entries = [
        LedgerEntry(
            f"e{i}",
            f"m{i}",
            "c",
            c or "",
            k,
            q.price_micros,
            q.currency,
            q.book_ref,
            w,
            start + timedelta(seconds=i * 13),
        )
        for i, ((c, k, w), q) in enumerate(zip(args, quotes, strict=True))
    ]
    for by in ("month", "country", "category", "day"):
        t = time.perf_counter()
        report = summarize(entries, by)  # type: ignore[arg-type]
        format_table(report)
        _rate(f"summarize+format_table by {by}", len(entries), time.perf_counter() - t)


if __name__ == "__main__":
    main()
