"""Throughput of the whole send pipeline (render → policy → consent → window/billing → seal →
transport → ledger) for the airline boarding pass, per store.

    .venv/bin/python bench/bench_pipeline.py [N]

Prints notifications/s for MemoryStore and SQLiteStore (memory transport, plaintext sealer),
and the ratio between them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from examples.airline.bot import build_bot
from examples.airline.events import CheckedIn, Flight, Passenger

from notifybot import ManualClock, Store
from notifybot.store import MemoryStore
from notifybot.store.sqlite import SQLiteStore

FLIGHT = Flight("AC", 834, "YUL", "FRA", dt.datetime(2026, 8, 14, 18, 30), gate="B12")


async def run(store: Store, n: int, customers: int = 100) -> float:
    bot = build_bot(clock=ManualClock(), store=store)
    async with bot:
        for i in range(customers):
            await bot.receive(f"c{i}", "hi")
            await bot.add_customer(f"c{i}", phone="+33612345678")
        events = [
            CheckedIn(Passenger(f"c{i % customers}", "Doe", "Jo", f"P{i:05d}"), FLIGHT, "Y", "23C",
                      i % 9999 + 1, dt.datetime(2026, 8, 14, 17, 50))
            for i in range(n)
        ]
        start = time.perf_counter()
        for event in events:
            result = await bot.notify("boarding_pass", event)
            assert result.ok and not result.duplicate, result
        elapsed = time.perf_counter() - start
    return n / elapsed


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    memory = asyncio.run(run(MemoryStore(), n))
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = asyncio.run(run(SQLiteStore(Path(tmp) / "bench.db"), n))
    print(f"pipeline, {n} boarding passes (memory transport, plaintext sealer)")
    print(f"{'store':<12}{'notifications/s':>18}{'µs each':>10}")
    for name, rate in (("memory", memory), ("sqlite", sqlite)):
        print(f"{name:<12}{rate:>18,.0f}{1e6 / rate:>10.0f}")
    print(f"sqlite / memory: {sqlite / memory:.2f}")


if __name__ == "__main__":
    main()
