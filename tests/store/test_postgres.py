"""PostgresStore beyond the contract: shared use, start-up migration, append-only ledger."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
import pytest

from notifybot.errors import ConfigurationError
from notifybot.store import LedgerEntry, SentMessage
from notifybot.store._postgres_schema import SCHEMA_VERSION
from notifybot.store.errors import StoreClosed, StoreSchemaError
from notifybot.store.postgres import PostgresStore

pytestmark = pytest.mark.postgres
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def sent(n: int) -> tuple[SentMessage, LedgerEntry]:
    msg = SentMessage(f"m{n}", "c1", "receipt", "utility", T0, "sent", f"k{n}")
    return msg, LedgerEntry(f"e{n}", f"m{n}", "c1", "FR", "utility", 100, "USD", "pb", False, T0)


async def test_workers_starting_together_migrate_once_and_share(
    pg_schema: tuple[str, str],
) -> None:
    dsn, schema = pg_schema
    stores = [PostgresStore(dsn, schema=schema, max_size=2) for _ in range(4)]
    await asyncio.gather(*(s.open() for s in stores))
    try:
        await asyncio.gather(*(s.record_sent(*sent(n)) for n, s in enumerate(stores)))
        # Concurrent writers commit in any order; all four land.
        assert sorted(e.entry_id for e in await stores[0].ledger()) == ["e0", "e1", "e2", "e3"]
        assert await stores[3].message_for_key("k0") == sent(0)[0]
    finally:
        await asyncio.gather(*(s.close() for s in stores))
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        assert await conn.fetch("SELECT version FROM notifybot_schema") == [(SCHEMA_VERSION,)]
    finally:
        await conn.close()


async def test_ledger_is_append_only_in_the_database(pg_schema: tuple[str, str]) -> None:
    dsn, schema = pg_schema
    async with PostgresStore(dsn, schema=schema) as store:
        await store.record_sent(*sent(1))
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        for sql in (
            "UPDATE ledger SET price_micros = 0",
            "UPDATE ledger SET at = now()",
            "DELETE FROM ledger",
        ):
            with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
                await conn.execute(sql)
        await conn.execute("UPDATE ledger SET customer_ref = 'anon'")
    finally:
        await conn.close()
    async with PostgresStore(dsn, schema=schema) as store:
        (entry,) = await store.ledger()
        assert (entry.price_micros, entry.customer_ref) == (100, "anon")


async def test_newer_schema_is_refused(pg_schema: tuple[str, str]) -> None:
    dsn, schema = pg_schema
    async with PostgresStore(dsn, schema=schema):
        pass
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        await conn.execute("INSERT INTO notifybot_schema VALUES ($1)", SCHEMA_VERSION + 1)
    finally:
        await conn.close()
    store = PostgresStore(dsn, schema=schema)
    with pytest.raises(StoreSchemaError, match="newer"):
        await store.open()
    with pytest.raises(StoreClosed):
        await store.kv_get("ns", "k")


def test_schema_name_is_checked() -> None:
    with pytest.raises(ConfigurationError):
        PostgresStore("postgresql://localhost/x", schema="x; DROP TABLE y")
