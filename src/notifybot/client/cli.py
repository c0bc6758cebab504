"""``notifybot device``: an interactive customer inbox in the terminal.

::

    notifybot device --relay URL --name NAME [--data DIR] [--phone E164] [--locale L]

Creates the device on its first run (keys sealed under a key-encryption key in ``DIR``,
default ``~/.notifybot/devices/NAME``; see :mod:`notifybot.client.home`) and resumes it
afterwards; connects; then reads commands and messages typed on stdin
(:mod:`notifybot.client.session`, :mod:`notifybot.client.terminal`). An unreachable relay is
retried with backoff until it answers or the person presses Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import signal
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from notifybot.client.home import DeviceHome, History, Sealed, default_data_dir, open_device
from notifybot.client.session import InboxSession
from notifybot.client.terminal import Terminal
from notifybot.client.view import HELP
from notifybot.errors import ConfigurationError, NotifybotError, ProviderUnavailable
from notifybot.relay.client import Backoff
from notifybot.store.sqlite import SQLiteStore

#: Retry delays while the relay cannot be reached at start-up.
START_BACKOFF = Backoff(base=0.5, factor=2.0, cap=10.0)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="notifybot device",
        description="An interactive customer inbox on a notifybot relay (end-to-end encrypted).",
    )
    p.add_argument(
        "--relay", required=True, metavar="URL", help="the relay, e.g. http://127.0.0.1:8787"
    )
    p.add_argument("--name", required=True, help="your account name on the relay")
    p.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="where this device keeps its keys (default ~/.notifybot/devices/NAME)",
    )
    p.add_argument(
        "--phone", metavar="E164", help="your phone number (gives the relay your country)"
    )
    p.add_argument("--locale", metavar="L", help="your language, e.g. en or fr")
    return p  # fmt: skip


def _log_to(path: Path) -> logging.Handler:
    """Send the library's log to ``path`` (it would otherwise break into the prompt)."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


async def run(args: argparse.Namespace) -> int:
    home = DeviceHome(args.data or default_data_dir(args.name))
    try:
        home.load_kek()
    except (ConfigurationError, OSError) as exc:
        print(f"notifybot device: {exc}", file=sys.stderr)
        return 2
    handler = _log_to(home.log_path)
    rng = random.Random()
    attempt = 0
    print(f"device data: {home.path} (keys sealed under the key in {home.kek_source})")
    print(f"log: {home.log_path}")
    while True:
        try:
            device, created = await open_device(
                home, args.relay, args.name, phone=args.phone, locale=args.locale
            )
            break
        except ProviderUnavailable as exc:
            delay = START_BACKOFF.delay(attempt, rng)
            attempt += 1
            print(f"! relay unreachable at {args.relay} ({_short(exc)}); "
                  f"retrying in {delay:.1f} s (Ctrl-C to quit)", flush=True)  # fmt: skip
            await asyncio.sleep(delay)
        except (NotifybotError, ConfigurationError) as exc:
            print(f"notifybot device: {exc}", file=sys.stderr)
            logging.getLogger().removeHandler(handler)
            return 1
    verb = "registered" if created else "resumed"
    print(f"{verb} {device.account} (device {device.device_id}) on {args.relay}")
    assert isinstance(device.store, SQLiteStore)
    history = History(Sealed(device.store, home.load_kek()))
    status = 0
    try:
        with Terminal("inbox> ") as term:
            session = InboxSession(device, history, term.show, term.set_prompt)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            try:
                if await _until_stopped(_start(session, term), stop):
                    term.show("type /help for commands; /list for your conversations")
                    await _until_stopped(_loop(session, term), stop)
            except NotifybotError as exc:  # e.g. the relay no longer knows this device's token
                term.show(f"! {exc}")
                status = 1
            finally:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(sig)
                await session.close()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    print("bye")
    return status


async def _start(session: InboxSession, term: Terminal) -> None:
    rng, attempt = random.Random(), 0
    while True:
        try:
            await session.start()
            return
        except ProviderUnavailable as exc:
            delay = START_BACKOFF.delay(attempt, rng)
            attempt += 1
            term.show(f"! relay unreachable ({_short(exc)}); retrying in {delay:.1f} s")
            await asyncio.sleep(delay)


async def _loop(session: InboxSession, term: Terminal) -> None:
    while (text := await term.readline()) is not None:
        if not await session.handle(text):
            return


async def _until_stopped(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Run ``work`` until it ends (True) or ``stop`` is set (Ctrl-C: cancelled, False)."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        if not task.done():
            task.cancel()
        await asyncio.gather(task, stopped, return_exceptions=True)
    if task.cancelled():
        return False
    task.result()
    return True


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 120 else text[:117] + "…"


def main(argv: list[str]) -> int:
    """``notifybot device …``; the exit status."""
    args = _parser().parse_args(argv)
    try:
        return asyncio.run(run(args))
    except KeyboardInterrupt:
        print("\nbye")
        return 130


__all__ = ["HELP", "main", "run"]
