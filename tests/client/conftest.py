"""Fixtures: a real relay on loopback with SQLite and a ManualClock (see world.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.world import World

from notifybot.clock import ManualClock


@pytest.fixture
async def world(aiohttp_server: Any, tmp_path: Path, clock: ManualClock) -> AsyncIterator[World]:
    w = World(aiohttp_server, tmp_path, clock)
    await w.start()
    yield w
    await w.close()
