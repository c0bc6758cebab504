"""Regression: composite store keys used NUL as separator, and SQLite's length()/substr()
stop at NUL, so prefix look-ups (``kv_keys``) silently found nothing: ``bot.forget`` left the
customer's inbound ids behind on SQLite. Keys now use U+001F and ids refuse control chars."""

from __future__ import annotations

from pathlib import Path

import pytest

from notifybot import Bot, BusinessProfile, ConfigurationError, Envelope, EnvelopeError
from notifybot.clock import ManualClock
from notifybot.envelope import EnvelopeType
from notifybot.store.sqlite import SQLiteStore
from notifybot.testing import FakeCustomer


async def test_forget_removes_inbound_ids_on_sqlite(tmp_path: Path) -> None:
    bot = Bot(
        BusinessProfile(name="Shop"),
        templates={"ping": "ping"},
        store=SQLiteStore(tmp_path / "bot.db"),
        clock=ManualClock(),
    )
    async with bot:
        await FakeCustomer(bot, "ana").send("hi")
        assert len(await bot.store.kv_keys("inbound-seen", "ana")) == 1
        await bot.forget("ana")
        assert await bot.store.kv_keys("inbound-seen", "ana") == []


def test_control_characters_are_refused_in_ids() -> None:
    with pytest.raises(EnvelopeError):
        Envelope("m\x00", "a", "b", 1, EnvelopeType.SIGNAL, 0, b"")


async def test_customer_id_with_nul_is_refused(tmp_path: Path) -> None:
    bot = Bot(BusinessProfile(name="Shop"), templates={"ping": "ping"}, clock=ManualClock())
    async with bot:
        with pytest.raises(ConfigurationError):
            await bot.add_customer("ana\x00x")
