"""``notifybot device`` driven as a person would: in a pseudo-terminal, against a real relay
on loopback and the airline bot (Signal end to end). The test's event loop runs the relay and
the bot; the device is a separate ``python -m notifybot.cli device`` process on a pty."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import pty
import re
import signal
import socket
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from examples.airline.events import CheckedIn, Flight, GateChanged, Passenger
from tests.e2e.world import LIMITS, World, until

from notifybot.clock import ManualClock, to_millis
from notifybot.envelope import Content
from notifybot.errors import RecipientBlocked
from notifybot.relay import make_app
from notifybot.relay.pricing import billing_pricer
from notifybot.results import Refused
from notifybot.sealing import OutboundMessage

ROOT = Path(__file__).resolve().parents[2]
LUC = Passenger("luc", "Desmarais", "Luc", "ABC123")
FLIGHT = Flight("AC", 834, "YUL", "FRA", dt.datetime(2026, 8, 14, 18, 30), gate="B12")
CHECKED_IN = CheckedIn(LUC, FLIGHT, "F", "1A", 25, dt.datetime(2026, 8, 14, 17, 50))
WAIT = 8.0  # the bound of every expect (a failure, not a timing measurement)
_TOKENS = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|\r|\n|[^\x1b\r\n]+")


class PtyDevice:
    """``notifybot device …`` on a pseudo-terminal; ``expect`` waits for text on its screen."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.raw = b""
        self._pos = 0  # expect() searches the screen text after this offset
        self._more = asyncio.Event()
        self.proc: asyncio.subprocess.Process | None = None
        self.master = -1

    async def start(self) -> PtyDevice:
        self.master, slave = pty.openpty()
        env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", "TERM": "xterm"}
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "notifybot.cli", "device", *self.args,
            stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True,
        )  # fmt: skip
        os.close(slave)
        asyncio.get_running_loop().add_reader(self.master, self._on_output)
        return self

    def _on_output(self) -> None:
        try:
            data = os.read(self.master, 65536)
        except OSError:
            data = b""
        if not data:
            asyncio.get_running_loop().remove_reader(self.master)
        self.raw += data
        self._more.set()

    @property
    def screen(self) -> str:
        """What a terminal would show: ``\\r`` returns to the line's start, ``ESC [K`` erases
        the rest of the line, other cursor codes are ignored."""
        lines, col = [""], 0
        text = self.raw.decode("utf-8", "replace")
        for token in _TOKENS.findall(text):
            line = lines[-1]
            if token == "\n":
                lines.append("")
                col = 0
            elif token == "\r":
                col = 0
            elif token == "\x1b[K":
                lines[-1] = line[:col]
            elif not token.startswith("\x1b"):
                lines[-1] = line[:col] + token + line[col + len(token) :]
                col += len(token)
        return "\n".join(lines)

    async def expect(self, text: str) -> str:
        """Wait for ``text`` after the previous match; the screen up to and including it."""
        try:
            async with asyncio.timeout(WAIT):
                while (at := self.screen.find(text, self._pos)) < 0:
                    self._more.clear()
                    await self._more.wait()
        except TimeoutError:
            raise AssertionError(
                f"{text!r} not on the screen; after the last match:\n{self.screen[self._pos :]}"
            ) from None
        screen = self.screen
        start, end = self._pos, at + len(text)
        # The last line is the live prompt, redrawn in place: search it again next time.
        last_line = screen.rfind("\n") + 1
        self._pos = last_line if end > last_line else end
        return screen[start:end]

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    async def wait(self) -> int:
        assert self.proc is not None
        async with asyncio.timeout(WAIT):
            return await self.proc.wait()

    async def close(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        if self.master >= 0:
            asyncio.get_running_loop().remove_reader(self.master)
            os.close(self.master)
            self.master = -1


@pytest.fixture
def clock() -> ManualClock:
    """The device process runs on the wall clock, so the relay and the bots start at the same
    instant: a message's expiry (the boarding pass has ``ttl=6 h``) means the same to both."""
    return ManualClock(dt.datetime.now(dt.UTC))


@pytest.fixture
async def terminals() -> Any:
    started: list[PtyDevice] = []

    async def run(*args: str) -> PtyDevice:
        started.append(await PtyDevice(*args).start())
        return started[-1]

    yield run
    for t in started:
        await t.close()


async def test_a_person_writes_first_gets_a_boarding_pass_and_blocks(
    world: World, tmp_path: Path, terminals: Any
) -> None:
    bot, link = await world.airline()
    biz = link.business_id
    data = tmp_path / "luc-phone"
    args = ("--relay", world.url, "--name", "luc", "--data", str(data), "--phone", "+33612345678")
    luc = await terminals(*args)
    await luc.expect(f"device data: {data}")
    await luc.expect("registered luc (device 1)")
    await luc.expect("● connected to the relay")
    await luc.expect("inbox> ")

    luc.type(f"/open {biz}\r")
    await luc.expect("(no messages yet")
    await luc.expect("Aurora Airlines> ")
    luc.type("/open biz_0000000000000000\r")
    await luc.expect("! no business 'biz_0000000000000000' on this relay")

    luc.type("hi\r")
    await luc.expect("✓ sent, end-to-end encrypted")
    await luc.expect("Aurora Airlines\n    Thanks!")

    luc.type("I am typ")  # half a line on the prompt when the boarding pass arrives
    await luc.expect("Aurora Airlines> I am typ")
    assert (await bot.notify("boarding_pass", CHECKED_IN)).ok
    shown = await luc.expect("[ Open my booking ] → https://")
    assert "· boarding_pass" in shown and "Hello Luc, you are checked in on AC 834" in shown
    assert "FLAGGED" not in shown
    await luc.expect("Aurora Airlines> I am typ")  # the prompt and the typed text redrawn
    luc.type("\x15")  # Ctrl-U: the person clears the line instead

    luc.type("/profile\r")
    card = await luc.expect("about")
    assert "1 Terminal Road, Montreal" in card and "https://aurora-air.example" in card
    luc.type("/safety\r")
    await luc.expect(f"safety number with Aurora Airlines ({biz}):")
    digits = await luc.expect("Aurora Airlines> ")
    assert len(re.sub(r"\D", "", digits)) == 60
    luc.type("/list\r")
    await luc.expect("1. Aurora Airlines")

    luc.type("/block\r")
    await luc.expect("✓ blocked Aurora Airlines")
    await until(lambda: world.blocks == [("luc", True)], "the block reaching the bot")
    refused = await bot.notify("gate_change", GateChanged(LUC, FLIGHT, "B12", "C4"))
    assert isinstance(refused, Refused) and isinstance(refused.error, RecipientBlocked)
    luc.type("still there?\r")
    await luc.expect("you blocked Aurora Airlines")

    luc.type("/quit\r")
    await luc.expect("bye")
    assert await luc.wait() == 0

    # The history is kept, sealed: nothing readable in the device's files.
    for f in data.iterdir():
        raw = f.read_bytes()
        assert b"checked in" not in raw and b"Thanks!" not in raw and b"still there" not in raw

    again = await terminals(*args)  # a second run resumes the same device and its history
    await again.expect("resumed luc (device 1)")
    again.type("/list\r")
    await again.expect("[blocked]")
    again.type("/open 1\r")
    await again.expect("Hello Luc, you are checked in")
    again.type("\x04")  # Ctrl-D
    await again.expect("bye")
    assert await again.wait() == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_an_unreachable_relay_is_retried_until_it_answers(
    aiohttp_server: Any, tmp_path: Path, clock: ManualClock, terminals: Any
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    ana = await terminals("--relay", url, "--name", "ana", "--data", str(tmp_path / "ana"))
    await ana.expect(f"! relay unreachable at {url}")
    await ana.expect("retrying in")
    (tmp_path / "relay").mkdir()
    app = make_app(str(tmp_path / "relay" / "r.db"), clock=clock, pricer=billing_pricer(),
                   limits=LIMITS)  # fmt: skip
    await aiohttp_server(app, port=port)
    await ana.expect("registered ana (device 1)")
    await ana.expect("● connected to the relay")
    ana.type("hello\r")
    await ana.expect("! no conversation is open")
    assert ana.proc is not None
    ana.proc.send_signal(signal.SIGINT)  # Ctrl-C
    await ana.expect("bye")
    assert await ana.wait() == 0


async def test_two_businesses_unread_counts_read_receipts_and_a_flagged_message(
    world: World, tmp_path: Path, terminals: Any
) -> None:
    bot, first = await world.airline("bot1")
    _bot2, second = await world.airline("bot2")
    args = ("--relay", world.url, "--name", "luc", "--data", str(tmp_path / "luc"))
    luc = await terminals(*args)
    await luc.expect("● connected to the relay")
    for link in (first, second):  # write to both (the second stays open)
        luc.type(f"/open {link.business_id}\r")
        await luc.expect("(no messages yet")
        luc.type("hi\r")
        await luc.expect("Thanks!")

    result = await bot.notify("boarding_pass", CHECKED_IN)  # from the business not open
    await luc.expect(
        f"● new message from Aurora Airlines ({first.business_id}) (1 unread): /open 1"
    )
    await until(lambda: "delivered" in world.status_of(result.message_id), "delivered")
    luc.type("/list\r")
    listed = await luc.expect("◀ open")
    assert f"1. Aurora Airlines ({first.business_id})" in listed and "1 unread" in listed
    assert "read" not in world.status_of(result.message_id)  # not read until it is opened
    luc.type("/open 1\r")
    await luc.expect("Hello Luc, you are checked in")
    await until(lambda: "read" in world.status_of(result.message_id), "the read receipt")

    # A business that bypasses rendering: the phone flags what its approved template cannot
    # produce (the text is shown with the warning; the relay got a report).
    smuggled = Content(
        "Gate change for AC 834: now gate C4 (was B12). Upgrade to business for $99 today!",
        template_id="gate_change",
    )
    message = OutboundMessage(
        uuid.uuid4().hex, first.business_id, "luc", smuggled, to_millis(world.clock.now()),
        "utility",
    )  # fmt: skip
    for env in await first.sealer.seal(message):
        await first.transport.send(env)
    flagged = await luc.expect("it was reported to the relay.")
    assert "· gate_change  ⚠ FLAGGED" in flagged and "Upgrade to business" in flagged
    await until(lambda: "failed" in world.status_of(message.message_id), "the mismatch report")
    luc.type("/quit\r")
    assert await luc.wait() == 0


async def test_a_name_taken_on_the_relay_is_explained(
    world: World, tmp_path: Path, terminals: Any
) -> None:
    await world.client().register_device("luc", 1)  # luc's device from another folder
    luc = await terminals("--relay", world.url, "--name", "luc", "--data", str(tmp_path / "x"))
    await luc.expect("the name 'luc' is taken on")
    await luc.expect("pass the --data folder that holds this device")
    assert await luc.wait() == 1
