"""Store throughput: record_sent/s and consent_state/s for each Store implementation.

Usage::

    python bench/bench_store.py [--n 5000] [--postgres DSN]

One task awaits one call at a time (latency-bound, as one sender would). SQLite uses a file
in a temporary folder (WAL, synchronous=NORMAL); PostgreSQL (when ``--postgres`` or
``NOTIFYBOT_TEST_POSTGRES_DSN`` gives a DSN) uses a temporary schema, dropped afterwards.
Ratios are against MemoryStore. Figures, not assertions: nothing here is part of the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from notifybot.store import (
    ConsentEvent,
    ConsentKind,
    LedgerEntry,
    MemoryStore,
    SentMessage,
    Store,
)
from notifybot.store.sqlite import SQLiteStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)
CUSTOMERS = 100


async def rate(n: int, op: Callable[[int], Awaitable[object]]) -> float:
    """Calls per second of ``op(i)`` for ``i`` in ``range(n)``, awaited one after another."""
    start = time.perf_counter()
    for i in range(n):
        await op(i)
    return n / (time.perf_counter() - start)


async def measure(store: Store, n: int) -> tuple[float, float]:
    """(record_sent/s, consent_state/s) on an opened, empty store."""
    for c in range(CUSTOMERS):
        await store.append_consent(ConsentEvent(f"c{c}", ConsentKind.OPT_IN, "bench", T0))

    async def send(i: int) -> None:
        when = T0 + timedelta(milliseconds=i)
        cust = f"c{i % CUSTOMERS}"
        await store.record_sent(
            SentMessage(f"m{i}", cust, "receipt", "utility", when, "sent", f"k{i}"),
            LedgerEntry(f"e{i}", f"m{i}", cust, "FR", "utility", 8000, "USD", "pb", False, when),
        )

    sends = await rate(n, send)
    reads = await rate(n, lambda i: store.consent_state(f"c{i % CUSTOMERS}"))
    assert len(await store.ledger()) == n
    return sends, reads


async def run(n: int, dsn: str | None) -> list[tuple[str, float, float]]:
    rows = []
    memory = MemoryStore()
    rows.append(("MemoryStore", *await measure(memory, n)))
    with tempfile.TemporaryDirectory() as folder:
        async with SQLiteStore(Path(folder) / "bench.db") as sqlite:
            rows.append(("SQLiteStore", *await measure(sqlite, n)))
    if dsn:
        import asyncpg  # type: ignore[import-untyped]

        from notifybot.store.postgres import PostgresStore

        schema = f"nb_bench_{secrets.token_hex(4)}"
        try:
            async with PostgresStore(dsn, schema=schema) as pg:
                rows.append(("PostgresStore", *await measure(pg, n)))
        finally:
            conn = await asyncpg.connect(dsn)
            await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            await conn.close()
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="calls per measurement")
    parser.add_argument("--postgres", default=os.environ.get("NOTIFYBOT_TEST_POSTGRES_DSN"))
    args = parser.parse_args(argv)
    rows = asyncio.run(run(args.n, args.postgres))
    base_send, base_read = rows[0][1], rows[0][2]
    print(f"n={args.n} calls each, sequential awaits, {CUSTOMERS} customers")
    ratio = "vs memory"
    print(f"{'store':<14} {'record_sent/s':>14} {ratio:>10} {'consent_state/s':>16} {ratio:>10}")
    for name, sends, reads in rows:
        print(
            f"{name:<14} {sends:>14,.0f} {sends / base_send:>10.3f} "
            f"{reads:>16,.0f} {reads / base_read:>10.3f}"
        )
    if not args.postgres:
        print("(PostgreSQL skipped: pass --postgres DSN or set NOTIFYBOT_TEST_POSTGRES_DSN)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
