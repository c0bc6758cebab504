"""Value objects at the bot's edges: what a handler returns and what a send returns."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import attrs

from notifybot.envelope import Content
from notifybot.errors import NotifybotError
from notifybot.transports.base import Receipt


def _as_dict(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


@attrs.frozen
class Notify:
    """What a ``@bot.notification`` handler returns: who gets it and the template's variables.

    ``idempotency_key`` makes a retried call return the first result instead of sending twice
    (and gives the message a stable id derived from the key).
    """

    to: str
    variables: Mapping[str, Any] = attrs.field(factory=dict, converter=_as_dict)
    locale: str | None = None
    idempotency_key: str | None = None


@attrs.frozen
class Accepted:
    """The message passed every gate and was handed to the transport."""

    message_id: str
    customer_id: str
    template: str | None
    category: str
    price_micros: int
    currency: str
    billable: bool
    in_window: bool
    receipts: tuple[Receipt, ...] = ()
    duplicate: bool = False

    ok: Literal[True] = attrs.field(default=True, init=False)

    def raise_for_refusal(self) -> Accepted:
        return self


@attrs.frozen
class Refused:
    """The message was not sent; ``error`` says why (``retryable`` if it may work later)."""

    error: NotifybotError
    customer_id: str | None = None
    template: str | None = None

    ok: Literal[False] = attrs.field(default=False, init=False)

    @property
    def retryable(self) -> bool:
        return self.error.retryable

    @property
    def reason(self) -> str:
        return str(self.error)

    def raise_for_refusal(self) -> Accepted:
        raise self.error


SendResult = Accepted | Refused


@attrs.frozen
class InboundMessage:
    """A message a customer sent to the business, after it was verified and opened."""

    message_id: str
    customer_id: str
    device_id: int
    content: Content
    at: datetime

    @property
    def text(self) -> str:
        return self.content.text
