"""The embedded default :class:`~notifybot.store.base.Store`: one SQLite file.

All database work runs on one dedicated worker thread that owns the connection, so the event
loop never blocks on disk and calls are serialised in the order they were made. The file is
in WAL mode with ``synchronous=NORMAL``: a write that returned survives the process being
killed; after a power loss or OS crash the last few commits may be rolled back (never torn).

``record_sent`` writes the message, its idempotency key and its ledger entry in one
transaction; a reused message id, idempotency key or entry id raises
:class:`~notifybot.store.errors.DuplicateMessage` and writes nothing. The ledger is
append-only (enforced by triggers); ``forget`` deletes the customer's row, consent state and
trail and window, rewrites ``customer_ref`` on their ledger rows and ``customer_id`` on their
messages to the anonymous token, logs the erasure time, and, with ``secure_delete`` on and a
WAL checkpoint after it, leaves no copy of the erased text in the database files.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from notifybot.clock import Clock, SystemClock
from notifybot.store._sqlite_schema import migrate
from notifybot.store._time import from_micros, to_micros
from notifybot.store.errors import (
    ChargeMismatch,
    DuplicateMessage,
    StoreClosed,
    StoreError,
    StoreIntegrityError,
    StoreUnavailable,
)
from notifybot.store.records import (
    ConsentEvent,
    ConsentKind,
    ConsentState,
    Customer,
    LedgerEntry,
    SentMessage,
)

T = TypeVar("T")
Conn = sqlite3.Connection

_MESSAGE_COLS = "message_id, customer_id, template, category, at_us, status, idempotency_key"
_LEDGER_COLS = (
    "entry_id, message_id, customer_ref, country, category, price_micros, currency, "
    "price_book, in_window, at_us"
)


class SQLiteStore:
    """A :class:`~notifybot.store.base.Store` in the SQLite file at ``path``.

    ``clock`` stamps store-made records (the erasure log). ``busy_timeout`` is how long a
    write waits for another connection's lock before raising
    :class:`~notifybot.store.errors.StoreUnavailable`.
    """

    def __init__(
        self, path: str | Path, *, clock: Clock | None = None, busy_timeout: float = 5.0
    ) -> None:
        self.path = Path(path)
        self._clock: Clock = clock or SystemClock()
        self._busy_timeout = busy_timeout
        self._executor: ThreadPoolExecutor | None = None
        self._conn: Conn | None = None

    # lifecycle

    async def open(self) -> None:
        if self._executor is not None:
            return
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notifybot-sqlite")
        try:
            self._conn = await asyncio.get_running_loop().run_in_executor(executor, self._connect)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        self._executor = executor

    def _connect(self) -> Conn:
        try:
            conn = sqlite3.connect(self.path, timeout=self._busy_timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open {self.path}: {exc}") from exc
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA secure_delete = ON")
            migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    async def close(self) -> None:
        executor, conn = self._executor, self._conn
        if executor is None or conn is None:
            return
        self._executor = self._conn = None
        try:
            await asyncio.get_running_loop().run_in_executor(executor, conn.close)
        finally:
            executor.shutdown(wait=False)

    async def __aenter__(self) -> SQLiteStore:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _run(self, fn: Callable[[Conn], T]) -> T:
        """Run ``fn(connection)`` on the worker thread, translating sqlite3 errors."""
        executor, conn = self._executor, self._conn
        if executor is None or conn is None:
            raise StoreClosed(f"SQLiteStore({str(self.path)!r}) is not open; call open() first")

        def call() -> T:
            try:
                return fn(conn)
            except sqlite3.OperationalError as exc:
                raise StoreUnavailable(f"SQLite: {exc}") from exc
            except sqlite3.IntegrityError as exc:
                raise StoreIntegrityError(f"SQLite: {exc}") from exc
            except sqlite3.Error as exc:
                raise StoreError(f"SQLite: {exc}") from exc

        return await asyncio.get_running_loop().run_in_executor(executor, call)

    # customers

    async def get_customer(self, customer_id: str) -> Customer | None:
        def q(c: Conn) -> Customer | None:
            row = c.execute(
                "SELECT customer_id, phone, country, locale, name FROM customers "
                "WHERE customer_id = ?",
                (customer_id,),
            ).fetchone()
            return None if row is None else Customer(*row)

        return await self._run(q)

    async def put_customer(self, customer: Customer) -> None:
        row = (customer.customer_id, customer.phone, customer.country, customer.locale)
        await self._run(
            lambda c: c.execute(
                "INSERT OR REPLACE INTO customers VALUES (?, ?, ?, ?, ?)", (*row, customer.name)
            )
        )

    # consent

    async def append_consent(self, event: ConsentEvent) -> ConsentState:
        at_us = to_micros(event.at, "consent event time")

        def tx(c: Conn) -> ConsentState:
            with _transaction(c):
                state = _consent_state(c, event.customer_id).apply(event)
                c.execute(
                    "INSERT INTO consent_events (customer_id, kind, source, at_us, evidence) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (event.customer_id, event.kind.value, event.source, at_us, event.evidence),
                )
                since = None if state.since is None else to_micros(state.since)
                c.execute(
                    "INSERT OR REPLACE INTO consent_state VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        event.customer_id,
                        state.opted_in,
                        state.opted_out,
                        state.blocked,
                        since,
                        state.source,
                    ),
                )
                return state

        return await self._run(tx)

    async def consent_state(self, customer_id: str) -> ConsentState:
        return await self._run(lambda c: _consent_state(c, customer_id))

    async def consent_events(self, customer_id: str) -> list[ConsentEvent]:
        def q(c: Conn) -> list[ConsentEvent]:
            rows = c.execute(
                "SELECT customer_id, kind, source, at_us, evidence FROM consent_events "
                "WHERE customer_id = ? ORDER BY seq",
                (customer_id,),
            )
            return [
                ConsentEvent(cid, ConsentKind(kind), src, from_micros(at), ev)
                for cid, kind, src, at, ev in rows
            ]

        return await self._run(q)

    # 24-hour window

    async def last_inbound(self, customer_id: str) -> datetime | None:
        def q(c: Conn) -> datetime | None:
            row = c.execute(
                "SELECT last_inbound_us FROM windows WHERE customer_id = ?", (customer_id,)
            ).fetchone()
            return None if row is None else from_micros(row[0])

        return await self._run(q)

    async def touch_window(self, customer_id: str, at: datetime) -> None:
        at_us = to_micros(at, "window time")
        await self._run(
            lambda c: c.execute(
                "INSERT INTO windows VALUES (?, ?) ON CONFLICT (customer_id) DO UPDATE "
                "SET last_inbound_us = excluded.last_inbound_us "
                "WHERE excluded.last_inbound_us > windows.last_inbound_us",
                (customer_id, at_us),
            )
        )

    # sent messages, idempotency and the ledger

    async def message_for_key(self, idempotency_key: str) -> SentMessage | None:
        def q(c: Conn) -> SentMessage | None:
            row = c.execute(
                f"SELECT {_MESSAGE_COLS} FROM messages WHERE idempotency_key = ?",
                (idempotency_key,),
            ).fetchone()
            return None if row is None else _message(row)

        return await self._run(q)

    async def record_sent(self, message: SentMessage, charge: LedgerEntry) -> None:
        if charge.message_id != message.message_id:
            raise ChargeMismatch(message.message_id, charge.message_id)
        msg_row = (
            message.message_id,
            message.customer_id,
            message.template,
            message.category,
            to_micros(message.at, "message time"),
            message.status,
            message.idempotency_key,
        )
        entry_row = (
            charge.entry_id,
            charge.message_id,
            charge.customer_ref,
            charge.country,
            charge.category,
            charge.price_micros,
            charge.currency,
            charge.price_book,
            charge.in_window,
            to_micros(charge.at, "ledger entry time"),
        )

        def tx(c: Conn) -> None:
            try:
                with _transaction(c):
                    c.execute(f"INSERT INTO messages ({_MESSAGE_COLS}) VALUES ({_q(7)})", msg_row)
                    c.execute(f"INSERT INTO ledger ({_LEDGER_COLS}) VALUES ({_q(10)})", entry_row)
            except sqlite3.IntegrityError as exc:
                # Rolled back; now name what was reused (rows of this attempt are gone).
                raise (_which_duplicate(c, message, charge) or exc) from None

        await self._run(tx)

    async def get_message(self, message_id: str) -> SentMessage | None:
        def q(c: Conn) -> SentMessage | None:
            row = c.execute(
                f"SELECT {_MESSAGE_COLS} FROM messages WHERE message_id = ?", (message_id,)
            ).fetchone()
            return None if row is None else _message(row)

        return await self._run(q)

    async def set_status(self, message_id: str, status: str) -> None:
        await self._run(
            lambda c: c.execute(
                "UPDATE messages SET status = ? WHERE message_id = ?", (status, message_id)
            )
        )

    async def ledger(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> list[LedgerEntry]:
        where: list[str] = []
        args: list[int] = []
        if start is not None:
            where.append("at_us >= ?")
            args.append(to_micros(start, "ledger start"))
        if end is not None:
            where.append("at_us < ?")
            args.append(to_micros(end, "ledger end"))
        sql = f"SELECT {_LEDGER_COLS} FROM ledger"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY at_us, seq"

        def q(c: Conn) -> list[LedgerEntry]:
            return [_entry(row) for row in c.execute(sql, args)]

        return await self._run(q)

    # right to erasure

    async def forget(self, customer_id: str, anonymous_ref: str) -> None:
        at_us = to_micros(self._clock.now(), "clock time")

        def tx(c: Conn) -> None:
            with _transaction(c):
                for table in ("customers", "consent_state", "consent_events", "windows"):
                    c.execute(f"DELETE FROM {table} WHERE customer_id = ?", (customer_id,))
                c.execute(
                    "UPDATE messages SET customer_id = ? WHERE customer_id = ?",
                    (anonymous_ref, customer_id),
                )
                c.execute(
                    "UPDATE ledger SET customer_ref = ? WHERE customer_ref = ?",
                    (anonymous_ref, customer_id),
                )
                c.execute(
                    "INSERT INTO erasures (anonymous_ref, at_us) VALUES (?, ?)",
                    (anonymous_ref, at_us),
                )
            # Move the zeroed pages into the main file and empty the WAL, so no old frame
            # holding the erased data remains (best effort: readers may pin old frames).
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")

        await self._run(tx)

    async def erasures(self) -> list[tuple[str, datetime]]:
        """The erasure log: ``(anonymous_ref, when)`` for every ``forget``, oldest first."""

        def q(c: Conn) -> list[tuple[str, datetime]]:
            rows = c.execute("SELECT anonymous_ref, at_us FROM erasures ORDER BY seq")
            return [(ref, from_micros(at)) for ref, at in rows]

        return await self._run(q)

    # key-value area

    async def kv_get(self, namespace: str, key: str) -> bytes | None:
        def q(c: Conn) -> bytes | None:
            row = c.execute(
                "SELECT value FROM kv WHERE namespace = ? AND key = ?", (namespace, key)
            ).fetchone()
            return None if row is None else bytes(row[0])

        return await self._run(q)

    async def kv_put(self, namespace: str, key: str, value: bytes) -> None:
        blob = bytes(value)
        await self._run(
            lambda c: c.execute(
                "INSERT OR REPLACE INTO kv VALUES (?, ?, ?)", (namespace, key, blob)
            )
        )

    async def kv_delete(self, namespace: str, key: str) -> None:
        await self._run(
            lambda c: c.execute("DELETE FROM kv WHERE namespace = ? AND key = ?", (namespace, key))
        )

    async def kv_keys(self, namespace: str, prefix: str = "") -> list[str]:
        def q(c: Conn) -> list[str]:
            rows = c.execute(
                "SELECT key FROM kv WHERE namespace = ? AND key >= ? "
                "AND substr(key, 1, length(?)) = ? ORDER BY key",
                (namespace, prefix, prefix, prefix),
            )
            return [key for (key,) in rows]

        return await self._run(q)


class _transaction:
    """``with _transaction(conn):`` runs the block in ``BEGIN IMMEDIATE`` … ``COMMIT``,
    rolling back on any exception."""

    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: type[BaseException] | None, *_: Any) -> None:
        if exc_type is not None:
            self._conn.execute("ROLLBACK")
            return
        try:
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise


def _q(n: int) -> str:
    return ", ".join("?" * n)


def _consent_state(c: Conn, customer_id: str) -> ConsentState:
    row = c.execute(
        "SELECT opted_in, opted_out, blocked, since_us, source FROM consent_state "
        "WHERE customer_id = ?",
        (customer_id,),
    ).fetchone()
    if row is None:
        return ConsentState()
    opted_in, opted_out, blocked, since_us, source = row
    since = None if since_us is None else from_micros(since_us)
    return ConsentState(bool(opted_in), bool(opted_out), bool(blocked), since, source)


def _message(row: tuple[Any, ...]) -> SentMessage:
    mid, cid, template, category, at_us, status, key = row
    return SentMessage(mid, cid, template, category, from_micros(at_us), status, key)


def _entry(row: tuple[Any, ...]) -> LedgerEntry:
    entry_id, mid, ref, country, category, price, currency, book, in_window, at_us = row
    return LedgerEntry(
        entry_id,
        mid,
        ref,
        country,
        category,
        price,
        currency,
        book,
        bool(in_window),
        from_micros(at_us),
    )


def _which_duplicate(c: Conn, message: SentMessage, charge: LedgerEntry) -> DuplicateMessage | None:
    """Name the value ``record_sent`` reused, checked in the same order as MemoryStore."""
    checks = (
        ("message_id", "messages WHERE message_id", message.message_id),
        ("idempotency_key", "messages WHERE idempotency_key", message.idempotency_key),
        ("entry_id", "ledger WHERE entry_id", charge.entry_id),
    )
    for field, sql, value in checks:
        if value is not None and c.execute(f"SELECT 1 FROM {sql} = ?", (value,)).fetchone():
            return DuplicateMessage(field, value)
    return None
