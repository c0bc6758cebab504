"""Value objects at the bot's edges: what a handler returns and what a send returns."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import attrs

from notifybot.envelope import Content
from notifybot.errors import ConfigurationError, NotifybotError
from notifybot.transports.base import Receipt


def _as_dict(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


#: The longest time to live a message may have (a year, in seconds).
MAX_TTL = 366 * 24 * 3600.0


def check_ttl(ttl: object, where: str) -> None:
    """``ttl`` must be None or a positive, finite number of seconds (at most :data:`MAX_TTL`)."""
    if ttl is None:
        return
    if isinstance(ttl, bool) or not isinstance(ttl, int | float):
        raise ConfigurationError(f"{where}: ttl must be a number of seconds, not {ttl!r}")
    if not (math.isfinite(ttl) and 0 < ttl <= MAX_TTL):
        raise ConfigurationError(f"{where}: ttl must be positive and at most {MAX_TTL:g} s")


@attrs.frozen
class Notify:
    """What a ``@bot.notification`` handler returns: who gets it and the template's variables.

    ``idempotency_key`` makes a retried call return the first result instead of sending twice
    (and gives the message a stable id derived from the key). ``ttl`` (seconds) overrides the
    notification's declared ``ttl=`` for this one message.
    """

    to: str
    variables: Mapping[str, Any] = attrs.field(factory=dict, converter=_as_dict)
    locale: str | None = None
    idempotency_key: str | None = None
    ttl: float | None = None

    def __attrs_post_init__(self) -> None:
        check_ttl(self.ttl, f"Notify to {self.to!r}")


@attrs.frozen
class Accepted:
    """The message passed every gate and was handed to the transport.

    ``expires_at``: when a message with a time to live stops being deliverable (None: no
    ttl, or a ``duplicate`` result, for which the first send's expiry is not kept).
    """

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
    expires_at: datetime | None = None

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
