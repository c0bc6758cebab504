"""The airline's domain events: what its booking and operations systems emit."""

from __future__ import annotations

import datetime

import attrs


@attrs.frozen
class Passenger:
    customer_id: str
    surname: str
    given_name: str
    pnr: str


@attrs.frozen
class Flight:
    carrier: str
    number: int
    origin: str
    destination: str
    departure: datetime.datetime  # local time at the origin
    gate: str = "TBA"

    @property
    def code(self) -> str:
        return f"{self.carrier} {self.number}"


@attrs.frozen
class CheckedIn:
    """The passenger checked in: a boarding pass is due."""

    passenger: Passenger
    flight: Flight
    compartment: str
    seat: str
    sequence: int
    boarding_time: datetime.datetime


@attrs.frozen
class GateChanged:
    passenger: Passenger
    flight: Flight
    old_gate: str
    new_gate: str


@attrs.frozen
class FlightDelayed:
    passenger: Passenger
    flight: Flight
    new_departure: datetime.datetime
    reason: str


@attrs.frozen
class FlightCancelled:
    """The flight is cancelled and the passenger was rebooked on ``rebooked_on``."""

    passenger: Passenger
    flight: Flight
    rebooked_on: Flight
    reason: str
