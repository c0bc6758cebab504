"""The ride-hail and parcel example end to end: ``notifybot demo ridehail [--data DIR]``.

A customer in Mexico City, Sofía, and SwiftRide's bot. The story shows each rule at work:
nothing before Sofía writes; a ride (driver assigned, arriving, receipt) free inside the
24-hour window, with the receipt retried by the payment system and shown once; a parcel
25 hours later, each update billed at Mexico's rate; a refused free-form message outside the
window; a refused promotional reply; Sofía blocks SwiftRide, then nothing more reaches her.
State lives in SQLite (under ``DIR/bot/`` with ``--data``, else in a temporary folder).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from examples.ridehail.bot import build_bot
from examples.ridehail.events import (
    Delivered,
    DeliveryAttemptFailed,
    Driver,
    DriverArriving,
    DriverAssigned,
    Fare,
    OutForDelivery,
    ParcelShipped,
    TripCompleted,
)
from notifybot import Bot, ManualClock, SendResult
from notifybot.billing import format_money, format_table, summarize
from notifybot.store.sqlite import SQLiteStore
from notifybot.testing import FakeCustomer

SOFIA = "cust-sofia"
PHONE = "+525512345678"  # Mexico: billed at the MX rate
TRIP = "TR-7F3K2"
PICKUP = "Av. Paseo de la Reforma 222"
DRIVER = Driver("Carlos", "Nissan Versa", "gris", "MXP-482-B")
FARE = Fare("MXN", base=3500, distance=10250, time=4020, tolls=2300, total=20070)
RECEIPT = TripCompleted(SOFIA, TRIP, FARE, 12_350, 27, "4242", "RC-2026-000917")
PARCEL = "SW4410027MX"


class Narrator:
    """Prints the story from both sides."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.step = 0
        self.seen = 0

    def title(self, text: str) -> None:
        self.step += 1
        print(f"\n── {self.step}. {text}", file=self.out)

    def business(self, text: str) -> None:
        print(f"   swiftride  {text}", file=self.out)

    def result(self, what: str, result: SendResult) -> None:
        if not result.ok:
            self.business(f"✗ {what} refused — {type(result.error).__name__}: {result.error}")
            return
        if result.duplicate:
            self.business(f"✓ {what}: already sent as {result.message_id[:8]}, not sent again")
            return
        price = (
            f"billed {format_money(result.price_micros, result.currency)}"
            if result.billable
            else "free (inside the 24 h window)"
        )
        self.business(f"✓ {what} sent, {price}")

    def phone(self, customer: FakeCustomer) -> None:
        for content in customer.received[self.seen :]:
            lines = content.text.splitlines()
            print(f"   sofía      ← {lines[0]}", file=self.out)
            for line in lines[1:]:
                print(f"                {line}", file=self.out)
            for button in content.buttons:
                print(f"                [{button.label}] {button.url or ''}", file=self.out)
        self.seen = len(customer.received)

    def says(self, text: str) -> None:
        print(f"   sofía      → {text}", file=self.out)


async def run(data: Path, out: TextIO) -> Bot:
    clock = ManualClock(dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC))
    (data / "bot").mkdir(parents=True, exist_ok=True)
    bot = build_bot(clock=clock, store=SQLiteStore(data / "bot" / "notifybot.db"))
    say = Narrator(out)
    async with bot:
        say.business(
            f"started: {len(bot.templates.names())} templates (en, es) linted, all utility"
        )
        sofia = FakeCustomer(bot, SOFIA, phone=PHONE, locale="es-MX")
        await sofia.register()

        say.title("Sofía has an account but has never written to SwiftRide")
        assigned = DriverAssigned(SOFIA, TRIP, DRIVER, 4, PICKUP)
        say.result("driver assigned", await bot.notify("driver_assigned", assigned))

        say.title("Sofía writes first")
        say.says("hola")
        await sofia.send("hola")
        say.business("Sofía opted in by first contact; the 24 h window is open")
        say.phone(sofia)

        say.title("A ride, inside the window")
        say.result("driver assigned", await bot.notify("driver_assigned", assigned))
        say.phone(sofia)
        say.says("¿Dónde está mi conductor?")
        await sofia.send("¿Dónde está mi conductor?")
        say.phone(sofia)
        clock.advance(minutes=4)
        arriving = DriverArriving(SOFIA, TRIP, DRIVER, PICKUP)
        say.result("driver arriving", await bot.notify("driver_arriving", arriving))
        say.phone(sofia)
        clock.advance(minutes=27)
        say.result("trip receipt", await bot.notify("trip_receipt_tolls", RECEIPT))
        say.phone(sofia)
        say.business("the payment system retries the trip-completed event")
        say.result("trip receipt (retry)", await bot.notify("trip_receipt_tolls", RECEIPT))
        say.phone(sofia)

        clock.advance(hours=25)
        say.title("25 hours later: her parcel (templates outside the window, billed)")
        today = clock.now().date()
        shipped = ParcelShipped(SOFIA, PARCEL, "Estafeta", today + dt.timedelta(days=2))
        say.result("parcel shipped", await bot.notify("parcel_shipped", shipped))
        clock.advance(hours=48)
        out_ = OutForDelivery(SOFIA, PARCEL, clock.now().date(), dt.time(14, 0), dt.time(16, 0))
        say.result("out for delivery", await bot.notify("out_for_delivery", out_))
        clock.advance(hours=3)
        failed = DeliveryAttemptFailed(
            SOFIA,
            PARCEL,
            1,
            "no había nadie en el domicilio",
            clock.now().date() + dt.timedelta(days=1),
            "Tienda OXXO Reforma 250",
        )
        say.result("failed attempt", await bot.notify("delivery_failed_pickup", failed))
        clock.advance(hours=20)
        done = Delivered(SOFIA, PARCEL, "la recepción del edificio", "Sofía Ramírez")
        say.result("delivered", await bot.notify("delivered_signed", done))
        say.phone(sofia)

        say.title("SwiftRide tries a free-form message outside the window")
        say.result(
            "free-form message",
            await bot.reply(SOFIA, "Tu paquete ya está en la recepción."),
        )

        say.title("Sofía writes again; SwiftRide tries to slip in a promotion")
        say.says("gracias, ya lo recogí")
        await sofia.send("gracias, ya lo recogí")
        say.phone(sofia)
        promo = "Get 20% off your next ride with code RIDE20"
        say.result("reply with a promotion", await bot.reply(SOFIA, promo))
        say.phone(sofia)

        say.title("Sofía blocks SwiftRide")
        await sofia.block()
        say.business("block recorded")
        next_trip = DriverAssigned(SOFIA, "TR-9Q1ZX", DRIVER, 6, PICKUP)
        say.result("driver assigned (new trip)", await bot.notify("driver_assigned", next_trip))
        say.phone(sofia)
        say.business(f"Sofía's phone holds {len(sofia.received)} messages in all")

        say.title("SwiftRide's billing ledger")
        print(format_table(summarize(await bot.store.ledger(), "country")), file=out)
    return bot


def main(argv: list[str], out: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="notifybot demo ridehail", description=__doc__)
    parser.add_argument("--data", type=Path, help="keep the demo's files here (else a temp dir)")
    args = parser.parse_args(argv)
    stream = out or sys.stdout
    if args.data:
        asyncio.run(run(args.data, stream))
        print(f"\nfiles kept under {args.data}", file=stream)
    else:
        with tempfile.TemporaryDirectory(prefix="notifybot-demo-") as tmp:
            asyncio.run(run(Path(tmp), stream))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
