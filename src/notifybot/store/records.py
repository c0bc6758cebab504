"""The records every store keeps (immutable value objects)."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs


class ConsentKind(enum.StrEnum):
    """What a consent event records."""

    OPT_IN = "opt_in"
    OPT_OUT = "opt_out"
    BLOCK = "block"
    UNBLOCK = "unblock"


@attrs.frozen
class Customer:
    """A business-scoped customer. The id is the key; the phone number is only an attribute
    used for country pricing."""

    customer_id: str
    phone: str | None = None
    country: str | None = None
    locale: str | None = None
    name: str | None = None


@attrs.frozen
class ConsentEvent:
    """One entry of the consent audit trail (proof of consent)."""

    customer_id: str
    kind: ConsentKind
    source: str
    at: datetime
    evidence: str = ""


@attrs.frozen
class ConsentState:
    """The consent status derived from a customer's latest events."""

    opted_in: bool = False
    opted_out: bool = False
    blocked: bool = False
    since: datetime | None = None
    source: str = ""

    def apply(self, event: ConsentEvent) -> ConsentState:
        """The state after ``event``."""
        match event.kind:
            case ConsentKind.OPT_IN:
                return attrs.evolve(
                    self, opted_in=True, opted_out=False, since=event.at, source=event.source
                )
            case ConsentKind.OPT_OUT:
                return attrs.evolve(
                    self, opted_in=False, opted_out=True, since=event.at, source=event.source
                )
            case ConsentKind.BLOCK:
                return attrs.evolve(self, blocked=True, since=event.at, source=event.source)
            case ConsentKind.UNBLOCK:
                return attrs.evolve(self, blocked=False, since=event.at, source=event.source)
        raise AssertionError(event.kind)  # pragma: no cover


@attrs.frozen
class LedgerEntry:
    """One charge (or a recorded free send) in integer micro-units of ``currency``.

    ``customer_ref`` is the customer id until the customer is forgotten, then an anonymous
    token; totals survive erasure.
    """

    entry_id: str
    message_id: str
    customer_ref: str
    country: str
    category: str
    price_micros: int
    currency: str
    price_book: str
    in_window: bool
    at: datetime


@attrs.frozen
class SentMessage:
    """A message the framework accepted and handed to a transport."""

    message_id: str
    customer_id: str
    template: str | None
    category: str
    at: datetime
    status: str = "sent"
    idempotency_key: str | None = None
