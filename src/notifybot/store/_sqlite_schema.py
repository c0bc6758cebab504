"""The SQLite schema, as an ordered list of migrations tracked by ``PRAGMA user_version``.

Migration ``n`` (1-based) brings a database from version ``n - 1`` to ``n``. Each runs in one
``BEGIN IMMEDIATE`` transaction together with the ``user_version`` bump, so a crash leaves the
database at the old version or the new one, never in between. Append new migrations; never
edit a released one.

Instants are stored as integer microseconds since the Unix epoch (``*_us`` columns), which
round-trips every aware ``datetime`` exactly.

The ledger is append-only, enforced by triggers: rows cannot be deleted, and the only column
an UPDATE may change is ``customer_ref`` (rewritten to an anonymous token when a customer is
forgotten, so totals survive erasure).
"""

from __future__ import annotations

import sqlite3

from notifybot.store.errors import StoreSchemaError

_V1 = (
    """CREATE TABLE customers (
        customer_id TEXT PRIMARY KEY,
        phone TEXT, country TEXT, locale TEXT, name TEXT
    )""",
    """CREATE TABLE consent_state (
        customer_id TEXT PRIMARY KEY,
        opted_in INTEGER NOT NULL, opted_out INTEGER NOT NULL, blocked INTEGER NOT NULL,
        since_us INTEGER, source TEXT NOT NULL
    )""",
    """CREATE TABLE consent_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        customer_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('opt_in', 'opt_out', 'block', 'unblock')),
        source TEXT NOT NULL, at_us INTEGER NOT NULL, evidence TEXT NOT NULL
    )""",
    "CREATE INDEX consent_events_by_customer ON consent_events (customer_id, seq)",
    """CREATE TABLE windows (
        customer_id TEXT PRIMARY KEY, last_inbound_us INTEGER NOT NULL
    )""",
    """CREATE TABLE messages (
        message_id TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL, template TEXT, category TEXT NOT NULL,
        at_us INTEGER NOT NULL, status TEXT NOT NULL,
        idempotency_key TEXT UNIQUE
    )""",
    "CREATE INDEX messages_by_customer ON messages (customer_id)",
    """CREATE TABLE ledger (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        entry_id TEXT NOT NULL UNIQUE,
        message_id TEXT NOT NULL UNIQUE REFERENCES messages (message_id),
        customer_ref TEXT NOT NULL, country TEXT NOT NULL, category TEXT NOT NULL,
        price_micros INTEGER NOT NULL, currency TEXT NOT NULL, price_book TEXT NOT NULL,
        in_window INTEGER NOT NULL CHECK (in_window IN (0, 1)),
        at_us INTEGER NOT NULL
    )""",
    "CREATE INDEX ledger_by_time ON ledger (at_us, seq)",
    "CREATE INDEX ledger_by_customer ON ledger (customer_ref)",
    """CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger BEGIN
        SELECT RAISE(ABORT, 'the ledger is append-only: rows cannot be deleted');
    END""",
    """CREATE TRIGGER ledger_no_rewrite BEFORE UPDATE ON ledger
    WHEN NEW.seq IS NOT OLD.seq OR NEW.entry_id IS NOT OLD.entry_id
        OR NEW.message_id IS NOT OLD.message_id OR NEW.country IS NOT OLD.country
        OR NEW.category IS NOT OLD.category OR NEW.price_micros IS NOT OLD.price_micros
        OR NEW.currency IS NOT OLD.currency OR NEW.price_book IS NOT OLD.price_book
        OR NEW.in_window IS NOT OLD.in_window OR NEW.at_us IS NOT OLD.at_us
    BEGIN
        SELECT RAISE(ABORT, 'the ledger is append-only: only customer_ref may change');
    END""",
    """CREATE TABLE kv (
        namespace TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
        PRIMARY KEY (namespace, key)
    ) WITHOUT ROWID""",
    """CREATE TABLE erasures (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        anonymous_ref TEXT NOT NULL, at_us INTEGER NOT NULL
    )""",
)

#: Every migration, in order; ``len(MIGRATIONS)`` is the current schema version.
MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1,)
SCHEMA_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the database header."""
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every pending migration (each atomically) and return the resulting version.

    ``conn`` must be in autocommit mode (``isolation_level=None``). Safe when several
    processes open the same file at once: the version is re-read under the write lock.
    """
    while True:
        version = user_version(conn)
        if version > SCHEMA_VERSION:
            raise StoreSchemaError(
                f"database schema version {version} is newer than this notifybot "
                f"understands ({SCHEMA_VERSION}); upgrade notifybot"
            )
        if version == SCHEMA_VERSION:
            return version
        conn.execute("BEGIN IMMEDIATE")
        try:
            if user_version(conn) == version:  # nobody migrated while we waited for the lock
                for statement in MIGRATIONS[version]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
