"""SwiftRide's domain events: what its dispatch, payments and parcel systems emit.

Money is in integer minor units of ``currency`` (cents, centavos), distances in metres:
no floats anywhere between the payment system and the customer's receipt.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import attrs


class InvalidEvent(ValueError):
    """An event that cannot describe anything real (a fare whose parts do not add up …).

    Raised when the event is built, by the system that emits it: a programming or data error
    on the business's side, never a per-message refusal.
    """


def _non_negative(_inst: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if type(value) is not int:
        raise InvalidEvent(f"{attribute.name} must be an int, not {type(value).__name__}")
    if value < 0:
        raise InvalidEvent(f"{attribute.name} must not be negative, got {value}")


def _not_empty(_inst: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidEvent(f"{attribute.name} must be a non-empty string")


_CURRENCY = re.compile(r"^[A-Z]{3}$")
_LAST4 = re.compile(r"^[0-9]{4}$")


@attrs.frozen
class Driver:
    name: str = attrs.field(validator=_not_empty)
    car_model: str = attrs.field(validator=_not_empty)
    car_colour: str = attrs.field(validator=_not_empty)
    plate: str = attrs.field(validator=_not_empty)


@attrs.frozen
class Fare:
    """A fare breakdown in integer minor units of ``currency``; ``total`` must be the sum."""

    currency: str = attrs.field()
    base: int = attrs.field(validator=_non_negative)
    distance: int = attrs.field(validator=_non_negative)
    time: int = attrs.field(validator=_non_negative)
    tolls: int = attrs.field(validator=_non_negative)
    total: int = attrs.field(validator=_non_negative)

    @currency.validator
    def _check_currency(self, _attr: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not _CURRENCY.match(value):
            raise InvalidEvent(f"currency must be an ISO 4217 code like 'MXN', got {value!r}")

    def __attrs_post_init__(self) -> None:
        parts = self.base + self.distance + self.time + self.tolls
        if parts != self.total:
            raise InvalidEvent(
                f"fare total {self.total} is not the sum of its parts {parts} "
                f"(base {self.base} + distance {self.distance} + time {self.time} "
                f"+ tolls {self.tolls})"
            )


@attrs.frozen
class DriverAssigned:
    """A driver accepted the customer's ride request."""

    customer_id: str
    trip_id: str
    driver: Driver
    eta_minutes: int = attrs.field(validator=_non_negative)
    pickup_address: str = attrs.field(validator=_not_empty)


@attrs.frozen
class DriverArriving:
    """The driver is about to reach the pickup point."""

    customer_id: str
    trip_id: str
    driver: Driver
    pickup_address: str = attrs.field(validator=_not_empty)


@attrs.frozen
class TripCompleted:
    """The trip ended and the card was charged: a receipt is due (exactly once)."""

    customer_id: str
    trip_id: str
    fare: Fare
    distance_m: int = attrs.field(validator=_non_negative)
    duration_minutes: int = attrs.field(validator=_non_negative)
    card_last4: str = attrs.field()
    receipt_number: str = attrs.field(validator=_not_empty)

    @card_last4.validator
    def _check_last4(self, _attr: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not _LAST4.match(value):
            raise InvalidEvent(f"card_last4 must be 4 digits, got {value!r}")


@attrs.frozen
class ParcelShipped:
    customer_id: str
    tracking_number: str = attrs.field(validator=_not_empty)
    carrier: str = attrs.field(validator=_not_empty)
    expected_on: datetime.date


@attrs.frozen
class OutForDelivery:
    """The parcel is on the van today, between ``window_start`` and ``window_end``."""

    customer_id: str
    tracking_number: str = attrs.field(validator=_not_empty)
    on: datetime.date
    window_start: datetime.time
    window_end: datetime.time

    def __attrs_post_init__(self) -> None:
        if self.window_start >= self.window_end:
            raise InvalidEvent(
                f"delivery window {self.window_start:%H:%M}-{self.window_end:%H:%M} is empty"
            )


@attrs.frozen
class Delivered:
    customer_id: str
    tracking_number: str = attrs.field(validator=_not_empty)
    left_at: str = attrs.field(validator=_not_empty)  # "front door", "reception" …
    signed_by: str | None = None


@attrs.frozen
class DeliveryAttemptFailed:
    """The courier could not deliver; another attempt is planned, or collect it from
    ``pickup_point`` (if the carrier offers one)."""

    customer_id: str
    tracking_number: str = attrs.field(validator=_not_empty)
    attempt: int = attrs.field(validator=_non_negative)
    reason: str = attrs.field(validator=_not_empty)
    next_attempt_on: datetime.date
    pickup_point: str | None = None
