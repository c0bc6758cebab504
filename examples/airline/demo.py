"""The airline example end to end: ``notifybot demo airline [--data DIR]``.

Aurora Airlines' bot and its customer Luc, over a real relay embedded on a free loopback port
(SQLite), with end-to-end encryption: Luc's phone is a simulated :class:`notifybot.client.
Device` that decrypts what it receives. The story shows each rule at work: nothing before Luc
writes; a free boarding pass inside the 24-hour window, checked on the phone against the
template the relay approved; a free answer to a question; a gate change 25 hours later,
billed at Luc's country rate (by the bot and by the relay alike); a refused free-form message
outside the window; a refused promotional reply; Luc blocks the airline, and the relay and
the bot both refuse what follows. Files live under ``DIR/relay/`` and ``DIR/bot/`` with
``--data``, else in a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TextIO

from examples.airline.bot import build_bot
from examples.airline.events import CheckedIn, Flight, FlightDelayed, GateChanged, Passenger
from examples.stage import Stage, run_demo_cli
from notifybot import Bot, ManualClock
from notifybot.billing import format_table, summarize
from notifybot.store.sqlite import SQLiteStore

LUC = Passenger("cust-luc", "Desmarais", "Luc", "ABC123")
FLIGHT = Flight("AC", 834, "YUL", "FRA", dt.datetime(2026, 8, 14, 18, 30), gate="B12")
PHONE = "+33612345678"  # France: billed at the FR rate


async def run(data: Path, out: TextIO) -> Bot:
    clock = ManualClock(dt.datetime(2026, 8, 14, 9, 0, tzinfo=dt.UTC))
    (data / "bot").mkdir(parents=True, exist_ok=True)
    bot = build_bot(clock=clock, store=SQLiteStore(data / "bot" / "notifybot.db"))
    say = Stage(data, bot, clock, out, business="airline", customer="luc")
    try:
        say.business(f"started: {len(bot.templates.names())} templates linted, all utility")
        await say.start(LUC.customer_id, phone=PHONE, locale="en")
        await bot.add_customer(LUC.customer_id, phone=PHONE, locale="en")  # from the booking

        say.title("Luc booked a flight but has never written to the airline")
        checked_in = CheckedIn(LUC, FLIGHT, "F", "1A", 25, dt.datetime(2026, 8, 14, 17, 50))
        await say.notify("boarding pass", "boarding_pass", checked_in)

        say.title("Luc writes first")
        await say.says("hi")

        say.title("Luc checks in: the boarding pass, inside the window")
        await say.notify("boarding pass", "boarding_pass", checked_in)

        say.title("Luc asks a question")
        await say.says("How much baggage can I take?")

        clock.advance(hours=25)
        say.title("25 hours later: a gate change (a template, outside the window)")
        await say.notify("gate change", "gate_change", GateChanged(LUC, FLIGHT, "B12", "C4"))

        say.title("The airline tries a free-form message outside the window")
        await say.reply("free-form message", LUC.customer_id, "Your bag is at desk 4.")

        say.title("Luc writes again; the airline tries to slip in an offer")
        await say.says("thanks")
        promo = "Enjoy your flight! Upgrade to business class for only $99, book now."
        await say.reply("reply with an upgrade offer", LUC.customer_id, promo)

        say.title("Luc blocks Aurora Airlines")
        await say.block()
        delayed = FlightDelayed(LUC, FLIGHT, dt.datetime(2026, 8, 15, 20, 0), "late aircraft")
        await say.notify("delay notice", "delay", delayed)
        assert say.device is not None
        say.phone(f"holds {len(say.device.inbox.received())} messages from the airline in all")

        say.title("The billing ledgers: the bot's, and the relay's (they agree)")
        print(format_table(summarize(await bot.store.ledger(), "country")), file=out)
        assert say.link is not None
        await say.compare_ledgers()
    finally:
        await say.close()
    return bot


def main(argv: list[str], out: TextIO | None = None) -> int:
    return run_demo_cli("airline", __doc__, run, argv, out)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
