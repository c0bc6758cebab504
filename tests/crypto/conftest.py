"""Fixtures for the crypto tests. ``make_store`` is the one place to add another Store."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.crypto.support import YieldingStore

from notifybot.store import MemoryStore
from notifybot.store.base import Store


@pytest.fixture(params=["memory", "yielding"])
def make_store(request: pytest.FixtureRequest) -> Callable[[], Store]:
    return {"memory": MemoryStore, "yielding": YieldingStore}[request.param]
