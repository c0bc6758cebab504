"""Transports: the pluggable last step of the send pipeline."""

from notifybot.transports.base import (
    Connectable,
    InboundSink,
    Receipt,
    StatusUpdate,
    Transport,
)
from notifybot.transports.memory import MemoryTransport

__all__ = [
    "Connectable",
    "InboundSink",
    "MemoryTransport",
    "Receipt",
    "StatusUpdate",
    "Transport",
]
