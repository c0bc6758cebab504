"""The ``Store`` protocol: one interface over all durable state.

Consent (with its audit trail), customers, the 24-hour windows, the billing ledger, sent
messages with their idempotency keys, and a namespaced key-value area used by the crypto
session store. Implementations: :class:`~notifybot.store.memory.MemoryStore` (tests) and
:class:`~notifybot.store.sqlite.SQLiteStore` (the embedded default).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from notifybot.store.records import (
    ConsentEvent,
    ConsentState,
    Customer,
    LedgerEntry,
    SentMessage,
)


@runtime_checkable
class Store(Protocol):
    """Durable state behind a bot. All methods are coroutines; none blocks the event loop."""

    async def open(self) -> None:
        """Create tables / connect. Idempotent."""

    async def close(self) -> None:
        """Release resources. Idempotent."""

    # customers
    async def get_customer(self, customer_id: str) -> Customer | None: ...

    async def put_customer(self, customer: Customer) -> None: ...

    # consent
    async def append_consent(self, event: ConsentEvent) -> ConsentState:
        """Record ``event`` in the audit trail and return the new state."""
        ...

    async def consent_state(self, customer_id: str) -> ConsentState: ...

    async def consent_events(self, customer_id: str) -> list[ConsentEvent]: ...

    # 24-hour window
    async def last_inbound(self, customer_id: str) -> datetime | None: ...

    async def touch_window(self, customer_id: str, at: datetime) -> None: ...

    # sent messages, idempotency and the ledger (recorded together, atomically)
    async def message_for_key(self, idempotency_key: str) -> SentMessage | None: ...

    async def record_sent(self, message: SentMessage, charge: LedgerEntry) -> None:
        """Atomically record the message, its idempotency key and its ledger entry."""

    async def get_message(self, message_id: str) -> SentMessage | None: ...

    async def set_status(self, message_id: str, status: str) -> None: ...

    async def ledger(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> list[LedgerEntry]:
        """Ledger entries with ``start <= at < end``, oldest first."""
        ...

    # right to erasure
    async def forget(self, customer_id: str, anonymous_ref: str) -> None:
        """Erase the customer's personal data; ledger rows keep ``anonymous_ref``."""

    # key-value area (crypto sessions, identity keys, …)
    async def kv_get(self, namespace: str, key: str) -> bytes | None: ...

    async def kv_put(self, namespace: str, key: str, value: bytes) -> None: ...

    async def kv_delete(self, namespace: str, key: str) -> None: ...

    async def kv_keys(self, namespace: str, prefix: str = "") -> list[str]: ...
