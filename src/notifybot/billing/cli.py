"""``notifybot billing report``: ledger totals from a store, as a table or JSON.

``main`` takes the arguments after ``billing``; the top-level CLI dispatches to it.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO, cast

from notifybot.billing.report import (
    GROUPINGS,
    Grouping,
    Report,
    format_table,
    month_range,
    summarize,
    to_json,
)
from notifybot.store.base import Store

#: Builds a store from the ``--db`` path (tests pass one that returns a MemoryStore).
StoreFactory = Callable[[str], Store]

#: Where ``--db`` points by default.
DEFAULT_DB = ".notifybot/notifybot.db"


async def build_report(store: Store, *, month: str | None = None, by: Grouping = "month") -> Report:
    """Read the ledger of ``store`` (one UTC month, or everything) and summarise it."""
    if month is None:
        entries = await store.ledger()
        return summarize(entries, by, period="all time")
    start, end = month_range(month)
    return summarize(await store.ledger(start, end), by, period=month)


def _sqlite_store(path: str) -> Store:
    """Open the embedded SQLite store (imported lazily: only this command needs it)."""
    if not Path(path).exists():
        raise FileNotFoundError(f"no database at {path} (give one with --db PATH)")
    module = importlib.import_module("notifybot.store.sqlite")
    return cast(Store, module.SQLiteStore(path))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="notifybot billing", description="Billing tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    report = sub.add_parser("report", help="totals of the billing ledger")
    report.add_argument("--db", default=DEFAULT_DB, help=f"SQLite database (default {DEFAULT_DB})")
    report.add_argument("--month", help="only this UTC month, written YYYY-MM")
    report.add_argument("--by", choices=GROUPINGS, default="month", help="group rows by")
    report.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def main(
    argv: list[str],
    *,
    store_factory: StoreFactory | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run ``notifybot billing <argv>``; returns the exit status (0 ok, 1 failed, 2 usage)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse printed the usage error (or --help)
        return exc.code if isinstance(exc.code, int) else 2
    if args.month is not None:
        try:
            month_range(args.month)
        except ValueError as exc:
            print(f"notifybot billing: error: {exc}", file=err)
            return 2
    factory = store_factory or _sqlite_store

    async def run() -> Report:
        store = factory(args.db)
        await store.open()
        try:
            return await build_report(store, month=args.month, by=args.by)
        finally:
            await store.close()

    try:
        report = asyncio.run(run())
    except (OSError, ImportError, ValueError) as exc:
        print(f"notifybot billing: error: {exc}", file=err)
        return 1
    out.write(to_json(report) if args.json else format_table(report))
    return 0
