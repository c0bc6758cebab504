"""The airline example end to end: ``notifybot demo airline [--data DIR]``.

A customer, Luc, and Aurora Airlines' bot. The story shows each rule at work: nothing before
Luc writes; a free boarding pass inside the 24-hour window; a free answer to a question; a gate
change 25 hours later, billed at Luc's country rate; a refused free-form message outside the
window; a refused promotional message; STOP, then nothing more. State lives in SQLite (under
``DIR/bot/`` with ``--data``, else in a temporary folder).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from examples.airline.bot import build_bot
from examples.airline.events import (
    CheckedIn,
    Flight,
    FlightDelayed,
    GateChanged,
    Passenger,
)
from notifybot import Bot, ManualClock, SendResult
from notifybot.billing import format_table, summarize
from notifybot.store.sqlite import SQLiteStore
from notifybot.testing import FakeCustomer

LUC = Passenger("cust-luc", "Desmarais", "Luc", "ABC123")
FLIGHT = Flight("AC", 834, "YUL", "FRA", dt.datetime(2026, 8, 14, 18, 30), gate="B12")


class Narrator:
    """Prints the story from both sides."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.step = 0
        self.seen = 0

    def title(self, text: str) -> None:
        self.step += 1
        print(f"\n── {self.step}. {text}", file=self.out)

    def airline(self, text: str) -> None:
        print(f"   airline  {text}", file=self.out)

    def result(self, what: str, result: SendResult) -> None:
        if result.ok:
            price = (
                f"billed {result.price_micros / 1_000_000:.4f} {result.currency}"
                if result.billable
                else "free (inside the 24 h window)"
            )
            self.airline(f"✓ {what} sent, {price}")
        else:
            self.airline(f"✗ {what} refused — {type(result.error).__name__}: {result.error}")

    def phone(self, customer: FakeCustomer) -> None:
        for content in customer.received[self.seen :]:
            lines = content.text.splitlines()
            print(f"   luc    ← {lines[0]}", file=self.out)
            for line in lines[1:]:
                print(f"            {line}", file=self.out)
            for button in content.buttons:
                print(f"            [{button.label}] {button.url or ''}", file=self.out)
        self.seen = len(customer.received)

    def says(self, text: str) -> None:
        print(f"   luc    → {text}", file=self.out)


async def run(data: Path, out: TextIO) -> Bot:
    clock = ManualClock(dt.datetime(2026, 8, 14, 9, 0, tzinfo=dt.UTC))
    (data / "bot").mkdir(parents=True, exist_ok=True)
    bot = build_bot(clock=clock, store=SQLiteStore(data / "bot" / "notifybot.db"))
    say = Narrator(out)
    async with bot:
        say.airline(f"started: {len(bot.templates.names())} templates linted, all utility")
        luc = FakeCustomer(bot, LUC.customer_id, phone="+33612345678", locale="en")
        await luc.register()

        say.title("Luc booked a flight but has never written to the airline")
        checked_in = CheckedIn(LUC, FLIGHT, "F", "1A", 25, dt.datetime(2026, 8, 14, 17, 50))
        say.result("boarding pass", await bot.notify("boarding_pass", checked_in))

        say.title("Luc writes first")
        say.says("hi")
        await luc.send("hi")
        say.airline("Luc opted in by first contact; the 24 h window is open")
        say.phone(luc)

        say.title("Luc checks in: the boarding pass, inside the window")
        say.result("boarding pass", await bot.notify("boarding_pass", checked_in))
        say.phone(luc)

        say.title("Luc asks a question")
        say.says("How much baggage can I take?")
        await luc.send("How much baggage can I take?")
        say.phone(luc)

        clock.advance(hours=25)
        say.title("25 hours later: a gate change (a template, outside the window)")
        gate = GateChanged(LUC, FLIGHT, "B12", "C4")
        say.result("gate change", await bot.notify("gate_change", gate))
        say.phone(luc)

        say.title("The airline tries a free-form message outside the window")
        say.result("free-form message", await bot.reply(LUC.customer_id, "Your bag is at desk 4."))

        say.title("Luc writes again; the airline tries to slip in an offer")
        say.says("thanks")
        await luc.send("thanks")
        say.phone(luc)
        promo = "Enjoy your flight! Upgrade to business class for only $99, book now."
        say.result("reply with an upgrade offer", await bot.reply(LUC.customer_id, promo))

        say.title("Luc sends STOP")
        say.says("STOP")
        await luc.send("STOP")
        say.phone(luc)
        delayed = FlightDelayed(LUC, FLIGHT, dt.datetime(2026, 8, 15, 20, 0), "late aircraft")
        say.result("delay notice", await bot.notify("delay", delayed))
        say.phone(luc)

        say.title("The airline's billing ledger")
        print(format_table(summarize(await bot.store.ledger(), "country")), file=out)
    return bot


def main(argv: list[str], out: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="notifybot demo airline", description=__doc__)
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
