"""The PostgreSQL schema, as ordered migrations recorded in ``notifybot_schema``.

Each migration runs in one transaction holding an advisory lock, so many workers starting at
once migrate exactly once. Append new migrations; never edit a released one. Text keys of the
kv area use the ``"C"`` collation so they sort by code point, as Python does. The ledger is
append-only, enforced by triggers (only ``customer_ref`` may change, for erasure).
"""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

from notifybot.store.errors import StoreSchemaError

_V1 = (
    """CREATE TABLE customers (
        customer_id text PRIMARY KEY,
        phone text, country text, locale text, name text
    )""",
    """CREATE TABLE consent_state (
        customer_id text PRIMARY KEY,
        opted_in boolean NOT NULL DEFAULT false,
        opted_out boolean NOT NULL DEFAULT false,
        blocked boolean NOT NULL DEFAULT false,
        since timestamptz, source text NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE consent_events (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('opt_in', 'opt_out', 'block', 'unblock')),
        source text NOT NULL, at timestamptz NOT NULL, evidence text NOT NULL
    )""",
    "CREATE INDEX consent_events_by_customer ON consent_events (customer_id, seq)",
    "CREATE TABLE windows (customer_id text PRIMARY KEY, last_inbound timestamptz NOT NULL)",
    """CREATE TABLE messages (
        message_id text PRIMARY KEY,
        customer_id text NOT NULL, template text, category text NOT NULL,
        at timestamptz NOT NULL, status text NOT NULL,
        idempotency_key text UNIQUE
    )""",
    "CREATE INDEX messages_by_customer ON messages (customer_id)",
    """CREATE TABLE ledger (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        entry_id text NOT NULL UNIQUE,
        message_id text NOT NULL UNIQUE REFERENCES messages (message_id),
        customer_ref text NOT NULL, country text NOT NULL, category text NOT NULL,
        price_micros bigint NOT NULL, currency text NOT NULL, price_book text NOT NULL,
        in_window boolean NOT NULL, at timestamptz NOT NULL
    )""",
    "CREATE INDEX ledger_by_time ON ledger (at, seq)",
    "CREATE INDEX ledger_by_customer ON ledger (customer_ref)",
    """CREATE FUNCTION notifybot_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the ledger is append-only: only customer_ref may change'
            USING ERRCODE = 'restrict_violation';
    END $$""",
    """CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
        FOR EACH ROW EXECUTE FUNCTION notifybot_ledger_append_only()""",
    """CREATE TRIGGER ledger_no_rewrite BEFORE UPDATE ON ledger FOR EACH ROW
        WHEN ((OLD.seq, OLD.entry_id, OLD.message_id, OLD.country, OLD.category,
               OLD.price_micros, OLD.currency, OLD.price_book, OLD.in_window, OLD.at)
              IS DISTINCT FROM
              (NEW.seq, NEW.entry_id, NEW.message_id, NEW.country, NEW.category,
               NEW.price_micros, NEW.currency, NEW.price_book, NEW.in_window, NEW.at))
        EXECUTE FUNCTION notifybot_ledger_append_only()""",
    """CREATE TABLE kv (
        namespace text NOT NULL, key text COLLATE "C" NOT NULL, value bytea NOT NULL,
        PRIMARY KEY (namespace, key)
    )""",
    """CREATE TABLE erasures (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        anonymous_ref text NOT NULL, at timestamptz NOT NULL
    )""",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1,)
SCHEMA_VERSION = len(MIGRATIONS)


async def migrate(conn: asyncpg.Connection) -> int:
    """Apply every pending migration in the connection's current schema; return the version."""
    async with conn.transaction():
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext('notifybot:' || current_schema()))"
        )
        await conn.execute("CREATE TABLE IF NOT EXISTS notifybot_schema (version integer NOT NULL)")
        version = await conn.fetchval("SELECT max(version) FROM notifybot_schema") or 0
        if version > SCHEMA_VERSION:
            raise StoreSchemaError(
                f"database schema version {version} is newer than this notifybot "
                f"understands ({SCHEMA_VERSION}); upgrade notifybot"
            )
        for number in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[number - 1]:
                await conn.execute(statement)
            await conn.execute("INSERT INTO notifybot_schema (version) VALUES ($1)", number)
    return SCHEMA_VERSION
