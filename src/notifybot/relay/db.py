"""The relay's SQLite storage: one connection, used only from one worker thread.

:class:`RelayDb` owns the connection and a single-thread executor; :meth:`RelayDb.run` runs
one :class:`Tables` method there, so every method is one serialised transaction and the event
loop never blocks on disk. Tokens are stored as SHA-256 hashes only. Times are milliseconds.

A queued item may carry ``expires_ms`` (its envelope's expiry): from that instant it is never
fetched again, and :meth:`Tables.deliverable` / :meth:`Tables.expire_all` delete it and, in
the same transaction, queue an ``expired`` status for the business that sent it (so a crash
cannot lose the report). A database made before expiries existed gains the column when it is
opened.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

import attrs

from notifybot.relay.routing import (
    Decision,
    ExpiredItem,
    Facts,
    LedgerRow,
    QueueRow,
    expiry_reports,
)

P = ParamSpec("P")
T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS businesses (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, profile TEXT NOT NULL,
  webhook_url TEXT, webhook_secret TEXT, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
  hash TEXT PRIMARY KEY, kind TEXT NOT NULL, owner TEXT NOT NULL, device_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS devices (
  account TEXT NOT NULL, device_id INTEGER NOT NULL, phone TEXT, country TEXT,
  created_ms INTEGER NOT NULL, PRIMARY KEY (account, device_id));
CREATE TABLE IF NOT EXISTS identities (
  address TEXT NOT NULL, device_id INTEGER NOT NULL, registration_id INTEGER NOT NULL,
  identity_key TEXT NOT NULL, signed_prekey TEXT NOT NULL, PRIMARY KEY (address, device_id));
CREATE TABLE IF NOT EXISTS one_time_prekeys (
  address TEXT NOT NULL, device_id INTEGER NOT NULL, key_id INTEGER NOT NULL,
  public TEXT NOT NULL, PRIMARY KEY (address, device_id, key_id));
CREATE TABLE IF NOT EXISTS queue (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, rkey TEXT NOT NULL, item_id TEXT NOT NULL,
  kind TEXT NOT NULL, sender TEXT NOT NULL, payload TEXT NOT NULL, created_ms INTEGER NOT NULL,
  expires_ms INTEGER, UNIQUE (rkey, item_id));
CREATE INDEX IF NOT EXISTS queue_by_rkey ON queue (rkey, seq);
CREATE TABLE IF NOT EXISTS blocks (
  account TEXT NOT NULL, business TEXT NOT NULL, at_ms INTEGER NOT NULL,
  PRIMARY KEY (account, business));
CREATE TABLE IF NOT EXISTS windows (
  business TEXT NOT NULL, account TEXT NOT NULL, last_inbound_ms INTEGER NOT NULL,
  PRIMARY KEY (business, account));
CREATE TABLE IF NOT EXISTS templates (
  business TEXT NOT NULL, name TEXT NOT NULL, language TEXT NOT NULL, doc TEXT NOT NULL,
  status TEXT NOT NULL, category TEXT NOT NULL, reports INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (business, name, language));
CREATE TABLE IF NOT EXISTS ledger (
  business TEXT NOT NULL, message_id TEXT NOT NULL, account TEXT NOT NULL,
  country TEXT NOT NULL, category TEXT NOT NULL, in_window INTEGER NOT NULL,
  price_micros INTEGER NOT NULL, at_ms INTEGER NOT NULL, PRIMARY KEY (business, message_id));
CREATE TABLE IF NOT EXISTS reports (
  id INTEGER PRIMARY KEY AUTOINCREMENT, business TEXT NOT NULL, account TEXT NOT NULL,
  device_id INTEGER NOT NULL, message_id TEXT NOT NULL, template TEXT NOT NULL,
  detail TEXT NOT NULL, at_ms INTEGER NOT NULL);
"""

#: Run after any migration: indexes on columns an older database may have lacked.
_INDEXES = """
CREATE INDEX IF NOT EXISTS queue_expiring ON queue (rkey, expires_ms)
  WHERE expires_ms IS NOT NULL;
CREATE INDEX IF NOT EXISTS queue_by_expiry ON queue (expires_ms) WHERE expires_ms IS NOT NULL;
"""


@attrs.frozen
class Principal:
    """Who a token belongs to: a business (``owner`` = business id) or a device."""

    kind: str  # "business" | "device"
    owner: str
    device_id: int

    @property
    def queue(self) -> str:
        return f"b:{self.owner}" if self.kind == "business" else f"d:{self.owner}:{self.device_id}"


@attrs.frozen
class QueuedItem:
    seq: int
    item_id: str
    kind: str
    sender: str
    payload: str


@attrs.frozen
class Bundle:
    registration_id: int
    identity_key: str
    signed_prekey: dict[str, Any]
    one_time_prekey: dict[str, Any] | None
    remaining: int


class Tables:
    """The queries, each one transaction. Only ever called on the database thread."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    @contextmanager
    def _tx(self) -> Iterator[None]:
        """One ``BEGIN IMMEDIATE`` transaction: reads and writes inside it are atomic."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # businesses and tokens
    def add_business(self, bid: str, name: str, token_hash: str, now_ms: int) -> None:
        profile = json.dumps({"name": name})
        with self._tx():
            self.conn.execute(
                "INSERT INTO businesses (id, name, profile, created_ms) VALUES (?, ?, ?, ?)",
                (bid, name, profile, now_ms),
            )
            self.conn.execute("INSERT INTO tokens VALUES (?, 'business', ?, 1)", (token_hash, bid))

    def profile(self, bid: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT profile FROM businesses WHERE id = ?", (bid,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def set_profile(self, bid: str, profile: dict[str, Any]) -> None:
        with self._tx():
            self.conn.execute(
                "UPDATE businesses SET profile = ?, name = ? WHERE id = ?",
                (json.dumps(profile), profile["name"], bid),
            )

    def set_webhook(self, bid: str, url: str | None, secret: str | None) -> None:
        with self._tx():
            self.conn.execute(
                "UPDATE businesses SET webhook_url = ?, webhook_secret = ? WHERE id = ?",
                (url, secret, bid),
            )

    def webhook(self, bid: str) -> tuple[str, str] | None:
        row = self.conn.execute(
            "SELECT webhook_url, webhook_secret FROM businesses WHERE id = ?", (bid,)
        ).fetchone()
        return None if row is None or row[0] is None else (row[0], row[1])

    def principal(self, token_hash: str) -> Principal | None:
        row = self.conn.execute(
            "SELECT kind, owner, device_id FROM tokens WHERE hash = ?", (token_hash,)
        ).fetchone()
        return None if row is None else Principal(row[0], row[1], row[2])

    # devices and keys
    def add_device(
        self, account: str, device_id: int, phone: str | None, country: str | None,
        token_hash: str, now_ms: int,
    ) -> bool:  # fmt: skip
        """False when the device already exists."""
        try:
            with self._tx():
                self.conn.execute(
                    "INSERT INTO devices VALUES (?, ?, ?, ?, ?)",
                    (account, device_id, phone, country, now_ms),
                )
                self.conn.execute(
                    "INSERT INTO tokens VALUES (?, 'device', ?, ?)",
                    (token_hash, account, device_id),
                )
        except sqlite3.IntegrityError:
            return False
        return True

    def account_exists(self, account: str) -> bool:
        q = "SELECT 1 FROM devices WHERE account = ? LIMIT 1"
        return self.conn.execute(q, (account,)).fetchone() is not None

    def business_exists(self, bid: str) -> bool:
        q = "SELECT 1 FROM businesses WHERE id = ?"
        return self.conn.execute(q, (bid,)).fetchone() is not None

    def put_keys(
        self, address: str, device_id: int, registration_id: int, identity_key: str,
        signed_prekey: dict[str, Any], one_time: Iterable[tuple[int, str]],
    ) -> int:  # fmt: skip
        """Replace the device's keys (a new identity invalidates old one-time prekeys)."""
        with self._tx():
            self.conn.execute(
                "INSERT OR REPLACE INTO identities VALUES (?, ?, ?, ?, ?)",
                (address, device_id, registration_id, identity_key, json.dumps(signed_prekey)),
            )
            self.conn.execute(
                "DELETE FROM one_time_prekeys WHERE address = ? AND device_id = ?",
                (address, device_id),
            )
            self._insert_prekeys(address, device_id, one_time)
        return self.prekey_count(address, device_id)

    def _insert_prekeys(
        self, address: str, device_id: int, keys: Iterable[tuple[int, str]]
    ) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO one_time_prekeys VALUES (?, ?, ?, ?)",
            [(address, device_id, kid, pub) for kid, pub in keys],
        )

    def add_prekeys(self, address: str, device_id: int, keys: list[tuple[int, str]]) -> int | None:
        """Add one-time prekeys; ``None`` when the device has uploaded no identity yet."""
        with self._tx():
            if (
                self.conn.execute(
                    "SELECT 1 FROM identities WHERE address = ? AND device_id = ?",
                    (address, device_id),
                ).fetchone()
                is None
            ):
                return None
            self._insert_prekeys(address, device_id, keys)
        return self.prekey_count(address, device_id)

    def prekey_count(self, address: str, device_id: int) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM one_time_prekeys WHERE address = ? AND device_id = ?",
            (address, device_id),
        ).fetchone()
        return int(row[0])

    def key_devices(self, address: str) -> list[int]:
        rows = self.conn.execute(
            "SELECT device_id FROM identities WHERE address = ? ORDER BY device_id", (address,)
        ).fetchall()
        return [r[0] for r in rows]

    def take_bundle(self, address: str, device_id: int) -> Bundle | None:
        """The device's bundle, consuming (at most once, atomically) one one-time prekey."""
        with self._tx():
            row = self.conn.execute(
                "SELECT registration_id, identity_key, signed_prekey FROM identities "
                "WHERE address = ? AND device_id = ?",
                (address, device_id),
            ).fetchone()
            if row is None:
                return None
            taken = self.conn.execute(
                "DELETE FROM one_time_prekeys WHERE rowid = (SELECT rowid FROM one_time_prekeys "
                "WHERE address = ? AND device_id = ? ORDER BY key_id LIMIT 1) "
                "RETURNING key_id, public",
                (address, device_id),
            ).fetchone()
        otpk = None if taken is None else {"id": taken[0], "public": taken[1]}
        remaining = self.prekey_count(address, device_id)
        return Bundle(row[0], row[1], json.loads(row[2]), otpk, remaining)

    # routing
    def _facts(self, business: str, accounts: set[str], templates: bool) -> Facts:
        devices: dict[str, set[int]] = {a: set() for a in accounts}
        countries: dict[str, str] = {}
        blocked: set[str] = set()
        windows: dict[str, int] = {}
        for account in accounts:
            for dev, country in self.conn.execute(
                "SELECT device_id, country FROM devices WHERE account = ? ORDER BY device_id",
                (account,),
            ):
                devices[account].add(dev)
                if country and account not in countries:
                    countries[account] = country
            if self.conn.execute(
                "SELECT 1 FROM blocks WHERE account = ? AND business = ?", (account, business)
            ).fetchone():
                blocked.add(account)
            row = self.conn.execute(
                "SELECT last_inbound_ms FROM windows WHERE business = ? AND account = ?",
                (business, account),
            ).fetchone()
            if row is not None:
                windows[account] = row[0]
        approved: dict[str, str] = {}
        if templates:
            for name, category in self.conn.execute(
                "SELECT name, category FROM templates WHERE business = ? AND status = 'approved'",
                (business,),
            ):
                approved[name] = category
        return Facts(devices, blocked, approved, windows, countries, frozenset())

    def route_business_batch(
        self, business: str, accounts: set[str], now_ms: int, decide: Callable[[Facts], Decision]
    ) -> Decision:
        """Read the facts, decide, and write queue and ledger rows, in one transaction."""
        with self._tx():
            decision = decide(self._facts(business, accounts, templates=True))
            self._enqueue(decision.queue, now_ms)
            self.conn.executemany(
                "INSERT OR IGNORE INTO ledger VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [attrs.astuple(r) for r in decision.ledger],
            )
        return decision

    def route_device_batch(
        self, account: str, businesses: set[str], now_ms: int, decide: Callable[[Facts], Decision]
    ) -> Decision:
        with self._tx():
            known = {b for b in businesses if self.business_exists(b)}
            facts = Facts({}, frozenset(), {}, {}, {}, known)
            decision = decide(facts)
            self._enqueue(decision.queue, now_ms)
            self.conn.executemany(
                "INSERT INTO windows VALUES (?, ?, ?) ON CONFLICT (business, account) "
                "DO UPDATE SET last_inbound_ms = max(last_inbound_ms, excluded.last_inbound_ms)",
                [(b, account, now_ms) for b in set(decision.touched)],
            )
        return decision

    # queues
    def _enqueue(self, rows: Iterable[QueueRow], now_ms: int) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO queue (rkey, item_id, kind, sender, payload, created_ms, "
            "expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(r.rkey, r.item_id, r.kind, r.sender, r.payload, now_ms, r.expires_ms)
             for r in rows],
        )  # fmt: skip

    def enqueue(self, rows: list[QueueRow], now_ms: int) -> None:
        with self._tx():
            self._enqueue(rows, now_ms)

    def fetch(self, rkey: str, after_seq: int, limit: int, now_ms: int) -> list[QueuedItem]:
        """The next items of ``rkey`` after ``after_seq`` that have not expired at ``now_ms``."""
        rows = self.conn.execute(
            "SELECT seq, item_id, kind, sender, payload FROM queue WHERE rkey = ? AND seq > ? "
            "AND (expires_ms IS NULL OR expires_ms > ?) ORDER BY seq LIMIT ?",
            (rkey, after_seq, now_ms, limit),
        ).fetchall()
        return [QueuedItem(*r) for r in rows]

    def deliverable(
        self, rkey: str, after_seq: int, limit: int, now_ms: int
    ) -> tuple[list[QueuedItem], list[QueueRow]]:
        """What a connection sends next: first the items of ``rkey`` expired at ``now_ms``
        are deleted and reported (the status rows queued, returned second), then
        :meth:`fetch`."""
        reports: list[QueueRow] = []
        if self.conn.execute(
            "SELECT 1 FROM queue WHERE rkey = ? AND expires_ms <= ? LIMIT 1", (rkey, now_ms)
        ).fetchone():
            with self._tx():
                expired = self.conn.execute(
                    "DELETE FROM queue WHERE rkey = ? AND expires_ms <= ? "
                    "RETURNING rkey, item_id, kind, sender, payload",
                    (rkey, now_ms),
                ).fetchall()
                reports = expiry_reports((ExpiredItem(*r) for r in expired), now_ms)
                self._enqueue(reports, now_ms)
        return self.fetch(rkey, after_seq, limit, now_ms), reports

    def expire_all(self, now_ms: int, limit: int = 1000) -> tuple[int, list[QueueRow]]:
        """Delete up to ``limit`` items of any queue expired at ``now_ms`` and queue their
        reports: how many were deleted, and the status rows queued."""
        with self._tx():
            expired = self.conn.execute(
                "DELETE FROM queue WHERE seq IN (SELECT seq FROM queue WHERE expires_ms <= ? "
                "ORDER BY expires_ms LIMIT ?) RETURNING rkey, item_id, kind, sender, payload",
                (now_ms, limit),
            ).fetchall()
            reports = expiry_reports((ExpiredItem(*r) for r in expired), now_ms)
            self._enqueue(reports, now_ms)
        return len(expired), reports

    def ack(self, rkey: str, item_id: str) -> QueuedItem | None:
        with self._tx():
            row = self.conn.execute(
                "DELETE FROM queue WHERE rkey = ? AND item_id = ? "
                "RETURNING seq, item_id, kind, sender, payload",
                (rkey, item_id),
            ).fetchone()
        return None if row is None else QueuedItem(*row)

    def queue_size(self, rkey: str) -> int:
        row = self.conn.execute("SELECT count(*) FROM queue WHERE rkey = ?", (rkey,)).fetchone()
        return int(row[0])

    # blocks
    def set_block(self, account: str, business: str, blocked: bool, now_ms: int) -> int:
        """Record a block (dropping the business's queued envelopes: returns how many)."""
        with self._tx():
            if not blocked:
                self.conn.execute(
                    "DELETE FROM blocks WHERE account = ? AND business = ?", (account, business)
                )
                return 0
            self.conn.execute(
                "INSERT OR IGNORE INTO blocks VALUES (?, ?, ?)", (account, business, now_ms)
            )
            cur = self.conn.execute(
                "DELETE FROM queue WHERE kind = 'envelope' AND sender = ? AND rkey IN "
                "(SELECT 'd:' || account || ':' || device_id FROM devices WHERE account = ?)",
                (business, account),
            )
            return cur.rowcount

    def blocks(self, account: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT business FROM blocks WHERE account = ? ORDER BY business", (account,)
        ).fetchall()
        return [r[0] for r in rows]

    def is_blocked(self, account: str, business: str) -> bool:
        q = "SELECT 1 FROM blocks WHERE account = ? AND business = ?"
        return self.conn.execute(q, (account, business)).fetchone() is not None

    # templates
    def put_template(self, business: str, doc: dict[str, Any]) -> None:
        with self._tx():
            self.conn.execute(
                "INSERT OR REPLACE INTO templates VALUES (?, ?, ?, ?, ?, ?, 0)",
                (business, doc["name"], doc["language"], json.dumps(doc), doc["status"],
                 doc["category"]),
            )  # fmt: skip

    def templates(self, business: str, name: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT doc, status FROM templates WHERE business = ? AND name = ? ORDER BY language",
            (business, name),
        ).fetchall()
        return [{**json.loads(doc), "status": status} for doc, status in rows]

    def add_report(
        self, business: str, account: str, device_id: int, message_id: str, template: str,
        detail: str, now_ms: int, suspend_after: int,
    ) -> tuple[int, str] | None:  # fmt: skip
        """Record a mismatch report; suspend the template after ``suspend_after`` reports.

        ``None`` when the message was not one the business sent this account."""
        with self._tx():
            if (
                self.conn.execute(
                    "SELECT 1 FROM ledger WHERE business = ? AND message_id = ? AND account = ?",
                    (business, message_id, account),
                ).fetchone()
                is None
            ):
                return None
            cur = self.conn.execute(
                "INSERT INTO reports (business, account, device_id, message_id, template, "
                "detail, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (business, account, device_id, message_id, template, detail, now_ms),
            )
            self.conn.execute(
                "UPDATE templates SET reports = reports + 1, status = CASE WHEN reports + 1 >= ? "
                "AND status = 'approved' THEN 'suspended' ELSE status END "
                "WHERE business = ? AND name = ?",
                (suspend_after, business, template),
            )
            row = self.conn.execute(
                "SELECT status FROM templates WHERE business = ? AND name = ? LIMIT 1",
                (business, template),
            ).fetchone()
        assert cur.lastrowid is not None
        return cur.lastrowid, "unknown" if row is None else row[0]

    # receipts and the ledger
    def sent_to(self, business: str, message_id: str, account: str) -> bool:
        return (
            self.conn.execute(
                "SELECT 1 FROM ledger WHERE business = ? AND message_id = ? AND account = ?",
                (business, message_id, account),
            ).fetchone()
            is not None
        )

    def ledger(self, business: str) -> list[LedgerRow]:
        rows = self.conn.execute(
            "SELECT business, message_id, account, country, category, in_window, price_micros, "
            "at_ms FROM ledger WHERE business = ? ORDER BY at_ms, rowid",
            (business,),
        ).fetchall()
        return [LedgerRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7]) for r in rows]


class RelayDb:
    """The connection and its single worker thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._executor: ThreadPoolExecutor | None = None
        self._tables: Tables | None = None

    async def open(self) -> None:
        if self._executor is not None:
            return
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="relay-db")
        self._tables = await self._submit(self._connect)

    def _connect(self) -> Tables:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=True)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executescript(_SCHEMA)
        columns = {row[1] for row in conn.execute("PRAGMA table_info(queue)")}
        if "expires_ms" not in columns:  # a database made before expiries existed
            conn.execute("ALTER TABLE queue ADD COLUMN expires_ms INTEGER")
        conn.executescript(_INDEXES)
        return Tables(conn)

    async def close(self) -> None:
        if self._executor is None:
            return
        tables = self._tables
        if tables is not None:
            await self._submit(tables.conn.close)
        self._executor.shutdown(wait=True)
        self._executor = None
        self._tables = None

    async def _submit(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if self._executor is None:
            raise RuntimeError("RelayDb is not open")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` (a bound :class:`Tables` method) on the database thread."""
        return await self._submit(fn, *args, **kwargs)

    @property
    def tables(self) -> Tables:
        """The query object, to pass methods to :meth:`run` (``db.run(db.tables.fetch, ...)``)."""
        if self._tables is None:
            raise RuntimeError("RelayDb is not open")
        return self._tables
