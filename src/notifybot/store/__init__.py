"""Durable state: the Store protocol, its records, and its implementations."""

from notifybot.store.base import Store
from notifybot.store.memory import MemoryStore
from notifybot.store.records import (
    ConsentEvent,
    ConsentKind,
    ConsentState,
    Customer,
    LedgerEntry,
    SentMessage,
)

__all__ = [
    "ConsentEvent",
    "ConsentKind",
    "ConsentState",
    "Customer",
    "LedgerEntry",
    "MemoryStore",
    "SentMessage",
    "Store",
]
