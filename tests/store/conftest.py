"""Fixtures for the store tests: ``store`` is every Store implementation in turn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from notifybot.clock import ManualClock
from notifybot.store import MemoryStore, Store
from notifybot.store.sqlite import SQLiteStore

STORE_KINDS = ["memory", "sqlite"]


async def make_store(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> Store:
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        return SQLiteStore(tmp_path / "store.db", clock=clock)
    raise AssertionError(kind)


@pytest.fixture(params=STORE_KINDS)
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> AsyncIterator[Store]:
    s = await make_store(request.param, request, tmp_path, clock)
    await s.open()
    try:
        yield s
    finally:
        await s.close()
