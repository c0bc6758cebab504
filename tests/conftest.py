"""Shared fixtures for notifybot's own tests."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from notifybot.clock import ManualClock

# Speed is measured by bench/, never asserted by tests: no per-example deadline (a loaded CI
# machine must not turn a slow example into a failure).
settings.register_profile(
    "notifybot", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("notifybot")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def postgres_dsn() -> str:
    """The PostgreSQL DSN for tests that need a real server.

    Skipped when ``NOTIFYBOT_TEST_POSTGRES_DSN`` is unset, unless ``NOTIFYBOT_REQUIRE_POSTGRES``
    is set (CI), in which case a missing server fails the test.
    """
    dsn = os.environ.get("NOTIFYBOT_TEST_POSTGRES_DSN")
    if not dsn:
        if os.environ.get("NOTIFYBOT_REQUIRE_POSTGRES"):
            pytest.fail("NOTIFYBOT_REQUIRE_POSTGRES is set but NOTIFYBOT_TEST_POSTGRES_DSN is not")
        pytest.skip("set NOTIFYBOT_TEST_POSTGRES_DSN to run PostgreSQL tests")
    return dsn
