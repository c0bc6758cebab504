"""The relay holds ciphertext only (a search of its files and of every log line), and its
ledger agrees with the bot's to the micro-unit."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from examples.airline.events import CheckedIn, Flight, FlightDelayed, GateChanged, Passenger
from tests.e2e.world import World, until

FLIGHT = Flight("AC", 834, "YUL", "FRA", dt.datetime(2026, 8, 14, 18, 30), gate="B12")


def pax(customer_id: str, surname: str = "Desmarais", given: str = "Luc") -> Passenger:
    return Passenger(customer_id, surname, given, "QZX987")


async def test_no_plaintext_in_the_relays_files_or_logs(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot, link = await world.airline()
    luc = await world.device("luc", phone="+33612345678")
    await luc.connect()
    question = "Zanzibar-canary 41: how much baggage can my cello take?"
    await luc.send(link.business_id, question)
    await until(lambda: len(luc.inbox.received()) == 1, "the answer")
    answer = luc.inbox.received()[0].text
    assert answer.startswith("Each passenger may bring one cabin bag")
    bp = CheckedIn(pax("luc", "Quixotebury", "Philippa"), FLIGHT, "F", "1A", 25,
                   dt.datetime(2026, 8, 14, 17, 50))  # fmt: skip
    assert (await bot.notify("boarding_pass", bp)).ok
    reply = "Quetzal-canary 93: your cello travels in seat 1B."
    assert (await bot.reply("luc", reply)).ok
    await until(lambda: len(luc.inbox.received()) == 3, "everything")
    boarding_text = luc.inbox.received()[1].text
    barcode = boarding_text.rsplit(": ", 1)[1]
    assert "QUIXOTEBURY/PHILIPPA" in barcode

    secrets = [question, "Zanzibar-canary", answer, "Quixotebury", "QUIXOTEBURY/PHILIPPA",
               barcode, "Quetzal-canary", reply, "cello"]  # fmt: skip
    files = sorted(Path(world.db_path).parent.glob("relay.sqlite3*"))
    assert {f.name for f in files} >= {"relay.sqlite3", "relay.sqlite3-wal"}
    blob = b"".join(f.read_bytes() for f in files)
    logs = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert "relay" in logs or caplog.records  # logging was captured at DEBUG
    for secret in secrets:
        for form in (secret, secret.lower(), secret.upper()):
            assert form.encode() not in blob, f"{form!r} found in the relay's files"
            assert form.encode("utf-16-le") not in blob
            assert form not in logs, f"{form!r} found in the logs"


async def test_the_relays_ledger_equals_the_bots_to_the_micro_unit(world: World) -> None:
    bot, link = await world.airline()
    customers = {"luc": "+33612345678", "ana": "+525512345678", "bob": "+14155550123",
                 "kai": "+819012345678", "zed": None}  # fmt: skip
    devices = {}
    for cid, phone in customers.items():
        if phone:  # the airline knows its passengers' numbers from their bookings
            await bot.add_customer(cid, phone=phone)
        devices[cid] = await world.device(cid, phone=phone)
        await devices[cid].connect()
    # luc, ana and zed write first; bob ticked an opt-in box when booking; kai never opts in
    for cid in ("luc", "ana", "zed"):
        await devices[cid].send(link.business_id, "hi")
    await bot.opt_in("bob", source="booking form", evidence="checkbox 2026-08-01")
    await until(lambda: all(devices[c].inbox.received() for c in ("luc", "ana", "zed")))
    results = []
    for cid in ("luc", "ana", "zed", "bob", "kai"):  # in window for three, not for bob
        results.append(await bot.notify("boarding_pass", CheckedIn(
            pax(cid), FLIGHT, "Y", "23C", 80, dt.datetime(2026, 8, 14, 17, 50))))  # fmt: skip
    world.clock.advance(hours=25)  # every window closed: billed templates
    for cid in ("luc", "ana", "bob", "zed"):
        results.append(await bot.notify("gate_change", GateChanged(pax(cid), FLIGHT, "B12", "C4")))
    results.append(await bot.reply("luc", "Your bag is at desk 4."))  # refused: window closed
    await devices["ana"].send(link.business_id, "thanks")  # ana's window opens again
    await until(lambda: len(devices["ana"].inbox.received()) == 4)
    delay = FlightDelayed(pax("ana"), FLIGHT, dt.datetime(2026, 8, 15, 20, 0), "weather")
    results.append(await bot.notify("delay", delay))
    assert [r.ok for r in results] == [True, True, True, True, False, True, True, True, True,
                                       False, True]  # fmt: skip

    relay_ledger = {
        e.message_id: (e.customer, e.country, e.category, e.in_window, e.price_micros)
        for e in await link.transport.client.ledger()
    }
    bot_ledger = {
        e.message_id: (e.customer_ref, e.country, e.category, e.in_window, e.price_micros)
        for e in await bot.store.ledger()
    }
    assert relay_ledger == bot_ledger
    assert len(bot_ledger) == 3 + 4 + 4 + 1 + 1  # answers, passes, gate changes, thanks, delay
    countries = {v[1] for v in bot_ledger.values()}
    assert countries == {"FR", "MX", "US", "ZZ"}
    billed = [v for v in bot_ledger.values() if v[4] > 0]
    assert {(v[0], v[2]) for v in billed} == {
        ("bob", "utility"), ("luc", "utility"), ("ana", "utility"), ("zed", "utility")
    }
    assert len({v[4] for v in billed}) > 1  # different countries, different prices
