"""SQLiteStore beyond the contract: durability, crashes, WAL, migrations, sharing a file."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import notifybot
from notifybot.clock import ManualClock
from notifybot.store import ConsentEvent, ConsentKind, Customer, LedgerEntry, SentMessage
from notifybot.store._sqlite_schema import SCHEMA_VERSION
from notifybot.store.errors import StoreClosed, StoreSchemaError
from notifybot.store.sqlite import SQLiteStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def sent(n: int, customer: str = "c1") -> tuple[SentMessage, LedgerEntry]:
    when = T0 + timedelta(seconds=n)
    msg = SentMessage(f"m{n}", customer, "receipt", "utility", when, "sent", f"k{n}")
    entry = LedgerEntry(
        f"e{n}", f"m{n}", customer, "FR", "utility", 100 + n, "USD", "pb", False, when
    )
    return msg, entry


def files_bytes(folder: Path, prefix: str) -> bytes:
    """Everything on disk for a database: the main file, its WAL and shared-memory index."""
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.name.startswith(prefix))


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


async def test_data_survives_close_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    async with SQLiteStore(path) as store:
        await store.put_customer(Customer("c1", "+33612345678", "FR", "fr", "Amélie"))
        await store.append_consent(ConsentEvent("c1", ConsentKind.OPT_IN, "first_contact", T0))
        await store.touch_window("c1", T0)
        await store.record_sent(*sent(1))
        await store.set_status("m1", "delivered")
        await store.kv_put("identity", "key", b"\x01\x02")
    async with SQLiteStore(path) as store:
        assert await store.get_customer("c1") == Customer(
            "c1", "+33612345678", "FR", "fr", "Amélie"
        )
        assert (await store.consent_state("c1")).opted_in
        assert len(await store.consent_events("c1")) == 1
        assert await store.last_inbound("c1") == T0
        msg = await store.get_message("m1")
        assert msg is not None and msg.status == "delivered"
        assert await store.ledger() == [sent(1)[1]]
        assert await store.kv_get("identity", "key") == b"\x01\x02"


CHILD = """
import asyncio, os, signal, sys
from datetime import UTC, datetime, timedelta
from notifybot.store import LedgerEntry, SentMessage
from notifybot.store.sqlite import SQLiteStore

async def main(path, count):
    store = SQLiteStore(path)
    await store.open()
    n = 0
    while count == 0 or n < count:
        n += 1
        when = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(seconds=n)
        await store.record_sent(
            SentMessage(f"m{n}", "c1", "receipt", "utility", when, "sent", f"k{n}"),
            LedgerEntry(f"e{n}", f"m{n}", "c1", "FR", "utility", 100, "USD", "pb", False, when),
        )
        sys.stdout.write(f"m{n}\\n")
        sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)  # right after record_sent returned; no close()

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


@pytest.mark.parametrize(
    "count",
    [pytest.param(25, id="self-kill-after-record_sent"), pytest.param(0, id="killed-mid-stream")],
)
async def test_sigkill_loses_nothing_acknowledged(tmp_path: Path, count: int) -> None:
    path = tmp_path / "crash.db"
    src = str(Path(notifybot.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": src}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        str(path),
        str(count),
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    acked: list[str] = []
    while len(acked) < (count or 40):
        line = await proc.stdout.readline()
        assert line, "child exited early"
        acked.append(line.decode().strip())
    if count == 0:
        proc.send_signal(signal.SIGKILL)
    assert await proc.wait() == -signal.SIGKILL
    # The child may have committed and acknowledged more before the kill landed; every line
    # it printed counts (each is one small write to the pipe, so never a torn line).
    rest = (await proc.stdout.read()).decode()
    acked += [line for line in rest.split("\n") if line]

    async with SQLiteStore(path) as store:
        ledger = await store.ledger()
        for mid in acked:
            assert await store.get_message(mid) is not None, mid
        recorded = {e.message_id for e in ledger}
        assert set(acked) <= recorded
        # Anything recorded beyond the acknowledged ones is whole: message and charge together.
        extra = recorded - set(acked)
        assert len(extra) <= 1
        for mid in extra:
            assert await store.get_message(mid) is not None
    with raw(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        messages = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
        assert messages == len(ledger)


async def test_pragmas_wal_normal_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    async with SQLiteStore(path) as store:
        pragmas = await store._run(
            lambda c: [
                c.execute(f"PRAGMA {p}").fetchone()[0]
                for p in ("journal_mode", "synchronous", "foreign_keys", "user_version")
            ]
        )
        assert pragmas == ["wal", 1, 1, SCHEMA_VERSION]  # synchronous 1 = NORMAL
        worker = await store._run(lambda c: threading.current_thread())
        assert worker is not threading.current_thread()
        assert worker.name.startswith("notifybot-sqlite")
    with raw(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_two_stores_on_one_file_see_each_others_writes(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    async with SQLiteStore(path) as a, SQLiteStore(path) as b:
        await a.record_sent(*sent(1))
        assert await b.message_for_key("k1") == sent(1)[0]
        await b.touch_window("c1", T0)
        assert await a.last_inbound("c1") == T0
        await b.kv_put("ns", "x", b"1")
        assert await a.kv_keys("ns") == ["x"]
        # Writes interleaved from both connections all land.
        await asyncio.gather(
            *(s.record_sent(*sent(n)) for n, s in [(2, a), (3, b), (4, a), (5, b)])
        )
        assert [e.entry_id for e in await a.ledger()] == ["e1", "e2", "e3", "e4", "e5"]


async def test_ledger_is_append_only_in_the_database(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    async with SQLiteStore(path) as store:
        await store.record_sent(*sent(1))
    with raw(path) as conn:
        for sql in (
            "UPDATE ledger SET price_micros = 0",
            "UPDATE ledger SET at_us = 0",
            "UPDATE ledger SET in_window = 1",
            "DELETE FROM ledger",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)
        conn.execute("UPDATE ledger SET customer_ref = 'anon'")  # what forget() does
    async with SQLiteStore(path) as store:
        (entry,) = await store.ledger()
        assert entry.price_micros == 101 and entry.customer_ref == "anon"


async def test_forget_leaves_no_copy_in_the_files(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "bot.db"
    async with SQLiteStore(path, clock=clock) as store:
        for n in range(200):  # enough rows to spread over several pages
            await store.put_customer(
                Customer(f"other-{n}", f"+3460000{n:04d}", "ES", "es", "x" * 50)
            )
        await store.put_customer(
            Customer("cust-zq81", "+33699887766", "FR", "fr", "Zéphyrine Quartz")
        )
        await store.append_consent(
            ConsentEvent(
                "cust-zq81", ConsentKind.OPT_IN, "first_contact", T0, "hello from Zéphyrine"
            )
        )
        await store.touch_window("cust-zq81", T0)
        await store.record_sent(*sent(1, customer="cust-zq81"))
        clock.advance(hours=1)
        await store.forget("cust-zq81", "anon-1")
        assert await store.erasures() == [("anon-1", clock.now())]
        data = files_bytes(tmp_path, "bot.db")
    for secret in ("cust-zq81", "+33699887766", "Zéphyrine", "hello from"):
        assert secret.encode() not in data, secret
    assert b"anon-1" in data


async def test_migrates_a_fresh_file_once(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    raw(path).close()  # an empty, version-0 database
    async with SQLiteStore(path) as store:
        await store.kv_put("ns", "k", b"v")
    async with SQLiteStore(path) as store:  # reopening does not re-run migrations
        assert await store.kv_get("ns", "k") == b"v"
    with raw(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    with raw(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    store = SQLiteStore(path)
    with pytest.raises(StoreSchemaError, match="newer"):
        await store.open()
    with pytest.raises(StoreClosed):
        await store.kv_get("ns", "k")


async def test_use_before_open_and_after_close(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "bot.db")
    with pytest.raises(StoreClosed, match="open"):
        await store.get_customer("c1")
    await store.open()
    await store.open()  # idempotent
    await store.close()
    await store.close()  # idempotent
    with pytest.raises(StoreClosed):
        await store.ledger()
