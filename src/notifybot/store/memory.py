"""An in-memory :class:`~notifybot.store.base.Store` (tests, demos; nothing survives exit).

It is the reference behaviour the other stores are tested against
(``tests/store/test_store_contract.py``).
"""

from __future__ import annotations

from datetime import datetime

import attrs

from notifybot.store._time import require_aware
from notifybot.store.errors import ChargeMismatch, DuplicateMessage
from notifybot.store.records import (
    ConsentEvent,
    ConsentState,
    Customer,
    LedgerEntry,
    SentMessage,
)


class MemoryStore:
    """Keeps everything in dictionaries."""

    def __init__(self) -> None:
        self._customers: dict[str, Customer] = {}
        self._consent: dict[str, ConsentState] = {}
        self._events: dict[str, list[ConsentEvent]] = {}
        self._windows: dict[str, datetime] = {}
        self._messages: dict[str, SentMessage] = {}
        self._keys: dict[str, str] = {}
        self._ledger: list[LedgerEntry] = []
        self._entry_ids: set[str] = set()
        self._kv: dict[tuple[str, str], bytes] = {}

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def get_customer(self, customer_id: str) -> Customer | None:
        return self._customers.get(customer_id)

    async def put_customer(self, customer: Customer) -> None:
        self._customers[customer.customer_id] = customer

    async def append_consent(self, event: ConsentEvent) -> ConsentState:
        require_aware(event.at, "consent event time")
        state = self._consent.get(event.customer_id, ConsentState()).apply(event)
        self._events.setdefault(event.customer_id, []).append(event)
        self._consent[event.customer_id] = state
        return state

    async def consent_state(self, customer_id: str) -> ConsentState:
        return self._consent.get(customer_id, ConsentState())

    async def consent_events(self, customer_id: str) -> list[ConsentEvent]:
        return list(self._events.get(customer_id, ()))

    async def last_inbound(self, customer_id: str) -> datetime | None:
        return self._windows.get(customer_id)

    async def touch_window(self, customer_id: str, at: datetime) -> None:
        require_aware(at, "window time")
        prev = self._windows.get(customer_id)
        if prev is None or at > prev:
            self._windows[customer_id] = at

    async def message_for_key(self, idempotency_key: str) -> SentMessage | None:
        mid = self._keys.get(idempotency_key)
        return None if mid is None else self._messages.get(mid)

    async def record_sent(self, message: SentMessage, charge: LedgerEntry) -> None:
        require_aware(message.at, "message time")
        require_aware(charge.at, "ledger entry time")
        if charge.message_id != message.message_id:
            raise ChargeMismatch(message.message_id, charge.message_id)
        if message.message_id in self._messages:
            raise DuplicateMessage("message_id", message.message_id)
        key = message.idempotency_key
        if key is not None and key in self._keys:
            raise DuplicateMessage("idempotency_key", key)
        if charge.entry_id in self._entry_ids:
            raise DuplicateMessage("entry_id", charge.entry_id)
        if key is not None:
            self._keys[key] = message.message_id
        self._messages[message.message_id] = message
        self._ledger.append(charge)
        self._entry_ids.add(charge.entry_id)

    async def get_message(self, message_id: str) -> SentMessage | None:
        return self._messages.get(message_id)

    async def set_status(self, message_id: str, status: str) -> None:
        msg = self._messages.get(message_id)
        if msg is not None:
            self._messages[message_id] = attrs.evolve(msg, status=status)

    async def ledger(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> list[LedgerEntry]:
        if start is not None:
            require_aware(start, "ledger start")
        if end is not None:
            require_aware(end, "ledger end")
        picked = (
            e
            for e in self._ledger
            if (start is None or e.at >= start) and (end is None or e.at < end)
        )
        return sorted(picked, key=lambda e: e.at)  # stable: ties keep recording order

    async def forget(self, customer_id: str, anonymous_ref: str) -> None:
        self._customers.pop(customer_id, None)
        self._consent.pop(customer_id, None)
        self._events.pop(customer_id, None)
        self._windows.pop(customer_id, None)
        for mid, msg in list(self._messages.items()):
            if msg.customer_id == customer_id:
                self._messages[mid] = attrs.evolve(msg, customer_id=anonymous_ref)
        self._ledger = [
            attrs.evolve(e, customer_ref=anonymous_ref) if e.customer_ref == customer_id else e
            for e in self._ledger
        ]

    async def kv_get(self, namespace: str, key: str) -> bytes | None:
        return self._kv.get((namespace, key))

    async def kv_put(self, namespace: str, key: str, value: bytes) -> None:
        self._kv[(namespace, key)] = bytes(value)

    async def kv_delete(self, namespace: str, key: str) -> None:
        self._kv.pop((namespace, key), None)

    async def kv_keys(self, namespace: str, prefix: str = "") -> list[str]:
        return sorted(k for ns, k in self._kv if ns == namespace and k.startswith(prefix))
