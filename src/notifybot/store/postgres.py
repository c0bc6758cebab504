"""A :class:`~notifybot.store.base.Store` in PostgreSQL, shared by many workers (asyncpg).

Same contract as :class:`~notifybot.store.memory.MemoryStore`: ``record_sent`` writes the
message, its idempotency key and its ledger entry in one transaction (a reused id or key
raises :class:`~notifybot.store.errors.DuplicateMessage` and writes nothing); the ledger is
append-only (triggers); ``forget`` deletes personal rows and rewrites ``customer_ref`` /
``customer_id`` to the anonymous token. ``schema`` (created if missing) isolates one
deployment, or one test, from another.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

from notifybot.clock import Clock, SystemClock
from notifybot.errors import ConfigurationError
from notifybot.store._postgres_schema import migrate
from notifybot.store._time import require_aware
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
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_MESSAGE_COLS = "message_id, customer_id, template, category, at, status, idempotency_key"
_LEDGER_COLS = (
    "entry_id, message_id, customer_ref, country, category, price_micros, currency, "
    "price_book, in_window, at"
)


class PostgresStore:
    """A :class:`~notifybot.store.base.Store` in the PostgreSQL database at ``dsn``."""

    def __init__(
        self,
        dsn: str,
        *,
        schema: str | None = None,
        clock: Clock | None = None,
        min_size: int = 1,
        max_size: int = 10,
    ) -> None:
        if schema is not None and not _SCHEMA_NAME.fullmatch(schema):
            raise ConfigurationError(f"schema name {schema!r} must match {_SCHEMA_NAME.pattern}")
        self._dsn = dsn
        self._schema = schema
        self._clock: Clock = clock or SystemClock()
        self._sizes = (min_size, max_size)
        self._pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        if self._pool is not None:
            return
        async with _errors():
            if self._schema is not None:
                conn = await asyncpg.connect(self._dsn)
                try:  # IF NOT EXISTS alone races when several workers start together
                    async with conn.transaction():
                        await conn.execute(
                            "SELECT pg_advisory_xact_lock(hashtext('notifybot-schema:' || $1))",
                            self._schema,
                        )
                        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {self._schema}")
                finally:
                    await conn.close()
            settings = {"search_path": self._schema} if self._schema else {}
            pool = await asyncpg.create_pool(
                self._dsn,
                min_size=self._sizes[0],
                max_size=self._sizes[1],
                server_settings=settings,
            )
            try:
                async with pool.acquire() as conn:
                    await migrate(conn)
            except BaseException:
                await pool.close()
                raise
        self._pool = pool

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def __aenter__(self) -> PostgresStore:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _run(self, fn: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        if self._pool is None:
            raise StoreClosed("PostgresStore is not open; call open() first")
        async with _errors(), self._pool.acquire() as conn:
            return await fn(conn)

    async def _tx(self, fn: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        async def in_tx(conn: asyncpg.Connection) -> T:
            async with conn.transaction():
                return await fn(conn)

        return await self._run(in_tx)

    # customers

    async def get_customer(self, customer_id: str) -> Customer | None:
        row = await self._run(
            lambda c: c.fetchrow(
                "SELECT customer_id, phone, country, locale, name FROM customers "
                "WHERE customer_id = $1",
                customer_id,
            )
        )
        return None if row is None else Customer(*row)

    async def put_customer(self, customer: Customer) -> None:
        await self._run(
            lambda c: c.execute(
                "INSERT INTO customers VALUES ($1, $2, $3, $4, $5) ON CONFLICT (customer_id) "
                "DO UPDATE SET phone = $2, country = $3, locale = $4, name = $5",
                customer.customer_id,
                customer.phone,
                customer.country,
                customer.locale,
                customer.name,
            )
        )

    # consent

    async def append_consent(self, event: ConsentEvent) -> ConsentState:
        require_aware(event.at, "consent event time")

        async def tx(c: asyncpg.Connection) -> ConsentState:
            await c.execute(
                "INSERT INTO consent_state (customer_id) VALUES ($1) ON CONFLICT DO NOTHING",
                event.customer_id,
            )
            row = await c.fetchrow(
                "SELECT opted_in, opted_out, blocked, since, source FROM consent_state "
                "WHERE customer_id = $1 FOR UPDATE",
                event.customer_id,
            )
            state = ConsentState(*row).apply(event)
            await c.execute(
                "INSERT INTO consent_events (customer_id, kind, source, at, evidence) "
                "VALUES ($1, $2, $3, $4, $5)",
                event.customer_id,
                event.kind.value,
                event.source,
                event.at,
                event.evidence,
            )
            await c.execute(
                "UPDATE consent_state SET opted_in = $2, opted_out = $3, blocked = $4, "
                "since = $5, source = $6 WHERE customer_id = $1",
                event.customer_id,
                state.opted_in,
                state.opted_out,
                state.blocked,
                state.since,
                state.source,
            )
            return state

        return await self._tx(tx)

    async def consent_state(self, customer_id: str) -> ConsentState:
        row = await self._run(
            lambda c: c.fetchrow(
                "SELECT opted_in, opted_out, blocked, since, source FROM consent_state "
                "WHERE customer_id = $1",
                customer_id,
            )
        )
        return ConsentState() if row is None else ConsentState(*row)

    async def consent_events(self, customer_id: str) -> list[ConsentEvent]:
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT customer_id, kind, source, at, evidence FROM consent_events "
                "WHERE customer_id = $1 ORDER BY seq",
                customer_id,
            )
        )
        return [ConsentEvent(r[0], ConsentKind(r[1]), r[2], r[3], r[4]) for r in rows]

    # 24-hour window

    async def last_inbound(self, customer_id: str) -> datetime | None:
        value: datetime | None = await self._run(
            lambda c: c.fetchval(
                "SELECT last_inbound FROM windows WHERE customer_id = $1", customer_id
            )
        )
        return value

    async def touch_window(self, customer_id: str, at: datetime) -> None:
        require_aware(at, "window time")
        await self._run(
            lambda c: c.execute(
                "INSERT INTO windows VALUES ($1, $2) ON CONFLICT (customer_id) DO UPDATE "
                "SET last_inbound = excluded.last_inbound "
                "WHERE excluded.last_inbound > windows.last_inbound",
                customer_id,
                at,
            )
        )

    # sent messages, idempotency and the ledger

    async def message_for_key(self, idempotency_key: str) -> SentMessage | None:
        row = await self._run(
            lambda c: c.fetchrow(
                f"SELECT {_MESSAGE_COLS} FROM messages WHERE idempotency_key = $1",
                idempotency_key,
            )
        )
        return None if row is None else SentMessage(*row)

    async def record_sent(self, message: SentMessage, charge: LedgerEntry) -> None:
        require_aware(message.at, "message time")
        require_aware(charge.at, "ledger entry time")
        if charge.message_id != message.message_id:
            raise ChargeMismatch(message.message_id, charge.message_id)

        async def attempt(c: asyncpg.Connection) -> None:
            try:
                async with c.transaction():
                    await c.execute(
                        f"INSERT INTO messages ({_MESSAGE_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7)",
                        *attrs_tuple(message),
                    )
                    await c.execute(
                        f"INSERT INTO ledger ({_LEDGER_COLS}) "
                        "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
                        *attrs_tuple(charge),
                    )
            except asyncpg.UniqueViolationError as exc:
                # Rolled back; name what was reused, in MemoryStore's order.
                raise (await _which_duplicate(c, message, charge) or exc) from None

        await self._run(attempt)

    async def get_message(self, message_id: str) -> SentMessage | None:
        row = await self._run(
            lambda c: c.fetchrow(
                f"SELECT {_MESSAGE_COLS} FROM messages WHERE message_id = $1", message_id
            )
        )
        return None if row is None else SentMessage(*row)

    async def set_status(self, message_id: str, status: str) -> None:
        await self._run(
            lambda c: c.execute(
                "UPDATE messages SET status = $2 WHERE message_id = $1", message_id, status
            )
        )

    async def ledger(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> list[LedgerEntry]:
        if start is not None:
            require_aware(start, "ledger start")
        if end is not None:
            require_aware(end, "ledger end")
        rows = await self._run(
            lambda c: c.fetch(
                f"SELECT {_LEDGER_COLS} FROM ledger WHERE ($1::timestamptz IS NULL OR at >= $1) "
                "AND ($2::timestamptz IS NULL OR at < $2) ORDER BY at, seq",
                start,
                end,
            )
        )
        return [LedgerEntry(*r) for r in rows]

    # right to erasure

    async def forget(self, customer_id: str, anonymous_ref: str) -> None:
        now = require_aware(self._clock.now(), "clock time")

        async def tx(c: asyncpg.Connection) -> None:
            for table in ("customers", "consent_state", "consent_events", "windows"):
                await c.execute(f"DELETE FROM {table} WHERE customer_id = $1", customer_id)
            await c.execute(
                "UPDATE messages SET customer_id = $2 WHERE customer_id = $1",
                customer_id,
                anonymous_ref,
            )
            await c.execute(
                "UPDATE ledger SET customer_ref = $2 WHERE customer_ref = $1",
                customer_id,
                anonymous_ref,
            )
            await c.execute(
                "INSERT INTO erasures (anonymous_ref, at) VALUES ($1, $2)", anonymous_ref, now
            )

        await self._tx(tx)

    async def erasures(self) -> list[tuple[str, datetime]]:
        """The erasure log: ``(anonymous_ref, when)`` for every ``forget``, oldest first."""
        rows = await self._run(
            lambda c: c.fetch("SELECT anonymous_ref, at FROM erasures ORDER BY seq")
        )
        return [(r[0], r[1]) for r in rows]

    # key-value area

    async def kv_get(self, namespace: str, key: str) -> bytes | None:
        value: bytes | None = await self._run(
            lambda c: c.fetchval(
                "SELECT value FROM kv WHERE namespace = $1 AND key = $2", namespace, key
            )
        )
        return value

    async def kv_put(self, namespace: str, key: str, value: bytes) -> None:
        await self._run(
            lambda c: c.execute(
                "INSERT INTO kv VALUES ($1, $2, $3) ON CONFLICT (namespace, key) "
                "DO UPDATE SET value = excluded.value",
                namespace,
                key,
                bytes(value),
            )
        )

    async def kv_delete(self, namespace: str, key: str) -> None:
        await self._run(
            lambda c: c.execute("DELETE FROM kv WHERE namespace = $1 AND key = $2", namespace, key)
        )

    async def kv_keys(self, namespace: str, prefix: str = "") -> list[str]:
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT key FROM kv WHERE namespace = $1 AND key >= $2 "
                "AND left(key, length($2)) = $2 ORDER BY key",
                namespace,
                prefix,
            )
        )
        return [r[0] for r in rows]


def attrs_tuple(record: SentMessage | LedgerEntry) -> tuple[Any, ...]:
    """The record's fields in declaration order (the column order used above)."""
    return tuple(getattr(record, a.name) for a in type(record).__attrs_attrs__)


async def _which_duplicate(
    c: asyncpg.Connection, message: SentMessage, charge: LedgerEntry
) -> DuplicateMessage | None:
    checks = (
        ("message_id", "messages WHERE message_id", message.message_id),
        ("idempotency_key", "messages WHERE idempotency_key", message.idempotency_key),
        ("entry_id", "ledger WHERE entry_id", charge.entry_id),
    )
    for field, sql, value in checks:
        if value is not None and await c.fetchval(f"SELECT 1 FROM {sql} = $1", value):
            return DuplicateMessage(field, value)
    return None


@asynccontextmanager
async def _errors() -> AsyncIterator[None]:
    """Translate asyncpg and connection failures into the store error tree."""
    try:
        yield
    except (
        OSError,
        asyncpg.PostgresConnectionError,
        asyncpg.InterfaceError,
        asyncpg.SerializationError,
        asyncpg.DeadlockDetectedError,
        asyncpg.CannotConnectNowError,
    ) as exc:
        raise StoreUnavailable(f"PostgreSQL: {exc}") from exc
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise StoreIntegrityError(f"PostgreSQL: {exc}") from exc
    except asyncpg.PostgresError as exc:
        raise StoreError(f"PostgreSQL: {exc}") from exc
