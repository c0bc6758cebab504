"""The ride-hail and parcel example end to end: ``notifybot demo ridehail [--data DIR]``.

A customer in Mexico City, Sofía, and SwiftRide's bot, over a real relay embedded on a free
loopback port (SQLite), with end-to-end encryption: Sofía's phone is a simulated
:class:`notifybot.client.Device` that decrypts what it receives and checks each template
message against the text the relay approved. The story shows each rule at work: nothing
before Sofía writes; a ride (driver assigned, arriving, receipt) free inside the 24-hour
window, with the receipt retried by the payment system and shown once; a parcel 25 hours
later, each update billed at Mexico's rate (by the bot and by the relay alike); a refused
free-form message outside the window; a refused promotional reply; Sofía blocks SwiftRide
from her phone, and the relay and the bot both refuse what follows. Files live under
``DIR/relay/`` and ``DIR/bot/`` with ``--data``, else in a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TextIO

from examples.ridehail.bot import build_bot, notification_for
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
from examples.stage import Stage, run_demo_cli
from notifybot import Bot, ManualClock, SendResult
from notifybot.billing import format_table, summarize
from notifybot.store.sqlite import SQLiteStore

SOFIA = "cust-sofia"
PHONE = "+525512345678"  # Mexico: billed at the MX rate
TRIP = "TR-7F3K2"
PICKUP = "Av. Paseo de la Reforma 222"
DRIVER = Driver("Carlos", "Nissan Versa", "gris", "MXP-482-B")
FARE = Fare("MXN", base=3500, distance=10250, time=4020, tolls=2300, total=20070)
RECEIPT = TripCompleted(SOFIA, TRIP, FARE, 12_350, 27, "4242", "RC-2026-000917")
PARCEL = "SW4410027MX"


async def _notify(say: Stage, what: str, event: object) -> SendResult:
    """Send ``event`` as the notification SwiftRide's systems would pick for it."""
    return await say.notify(what, notification_for(event), event)


async def run(data: Path, out: TextIO) -> Bot:
    clock = ManualClock(dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC))
    (data / "bot").mkdir(parents=True, exist_ok=True)
    bot = build_bot(clock=clock, store=SQLiteStore(data / "bot" / "notifybot.db"))
    say = Stage(data, bot, clock, out, business="SwiftRide", customer="sofía")
    try:
        say.business(
            f"started: {len(bot.templates.names())} templates (en, es) linted, all utility"
        )
        await say.start(SOFIA, phone=PHONE, locale="es-MX")
        await bot.add_customer(SOFIA, phone=PHONE, locale="es-MX")  # from her account

        say.title("Sofía has an account but has never written to SwiftRide")
        assigned = DriverAssigned(SOFIA, TRIP, DRIVER, 4, PICKUP)
        await _notify(say, "driver assigned", assigned)

        say.title("Sofía writes first")
        await say.says("hola")

        say.title("A ride, inside the window")
        await _notify(say, "driver assigned", assigned)
        await say.says("¿Dónde está mi conductor?")
        clock.advance(minutes=4)
        await _notify(say, "driver arriving", DriverArriving(SOFIA, TRIP, DRIVER, PICKUP))
        clock.advance(minutes=27)
        await _notify(say, "trip receipt", RECEIPT)
        say.business("the payment system retries the trip-completed event")
        await _notify(say, "trip receipt (retry)", RECEIPT)

        clock.advance(hours=25)
        say.title("25 hours later: her parcel (templates outside the window, billed)")
        today = clock.now().date()
        shipped = ParcelShipped(SOFIA, PARCEL, "Estafeta", today + dt.timedelta(days=2))
        await _notify(say, "parcel shipped", shipped)
        clock.advance(hours=48)
        out_ = OutForDelivery(SOFIA, PARCEL, clock.now().date(), dt.time(14, 0), dt.time(16, 0))
        await _notify(say, "out for delivery", out_)
        clock.advance(hours=3)
        failed = DeliveryAttemptFailed(
            SOFIA,
            PARCEL,
            1,
            "no había nadie en el domicilio",
            clock.now().date() + dt.timedelta(days=1),
            "Tienda OXXO Reforma 250",
        )
        await _notify(say, "failed attempt", failed)
        clock.advance(hours=20)
        done = Delivered(SOFIA, PARCEL, "la recepción del edificio", "Sofía Ramírez")
        await _notify(say, "delivered", done)

        say.title("SwiftRide tries a free-form message outside the window")
        await say.reply("free-form message", SOFIA, "Tu paquete ya está en la recepción.")

        say.title("Sofía writes again; SwiftRide tries to slip in a promotion")
        await say.says("gracias, ya lo recogí")
        await say.reply(
            "reply with a promotion", SOFIA, "Get 20% off your next ride with code RIDE20"
        )

        say.title("Sofía blocks SwiftRide from her phone")
        await say.block()
        next_trip = DriverAssigned(SOFIA, "TR-9Q1ZX", DRIVER, 6, PICKUP)
        await _notify(say, "driver assigned (new trip)", next_trip)
        assert say.device is not None
        say.phone(f"holds {len(say.device.inbox.received())} messages from SwiftRide in all")

        say.title("The billing ledgers: the bot's, and the relay's (they agree)")
        print(format_table(summarize(await bot.store.ledger(), "country")), file=out)
        await say.compare_ledgers()
    finally:
        await say.close()
    return bot


def main(argv: list[str], out: TextIO | None = None) -> int:
    return run_demo_cli("ridehail", __doc__, run, argv, out)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
