"""Fixtures for the store tests: ``store`` is every Store implementation in turn."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from notifybot.clock import ManualClock
from notifybot.store import MemoryStore, Store
from notifybot.store.postgres import PostgresStore
from notifybot.store.sqlite import SQLiteStore

STORE_KINDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


async def _drop_schema(dsn: str, schema: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        await conn.close()


@pytest.fixture
def pg_schema(postgres_dsn: str) -> Iterator[tuple[str, str]]:
    """``(dsn, schema)``: a fresh schema name for one test, dropped (with its tables) after.

    Synchronous so that async fixtures can request it with ``getfixturevalue``.
    """
    schema = f"nb_test_{secrets.token_hex(6)}"
    try:
        yield postgres_dsn, schema
    finally:
        asyncio.run(_drop_schema(postgres_dsn, schema))


@pytest.fixture(params=STORE_KINDS)
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> AsyncIterator[Store]:
    s: Store
    if request.param == "memory":
        s = MemoryStore()
    elif request.param == "sqlite":
        s = SQLiteStore(tmp_path / "store.db", clock=clock)
    else:
        dsn, schema = request.getfixturevalue("pg_schema")
        s = PostgresStore(dsn, schema=schema, clock=clock)
    await s.open()
    try:
        yield s
    finally:
        await s.close()
