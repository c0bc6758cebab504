"""The queue survives a relay restart; the CLI serves a real relay; tokens are stored hashed."""

from __future__ import annotations

import asyncio
import os
import pathlib
import socket
import sqlite3
import sys
from typing import Any

import aiohttp

import notifybot
from notifybot.clock import ManualClock
from notifybot.relay import make_app

from .conftest import Inbox, Relay, envelope


async def test_queue_survives_restart_and_tokens_are_hashed(
    aiohttp_server: Any, tmp_path: Any, clock: ManualClock
) -> None:
    path = str(tmp_path / "relay.sqlite3")
    first = Relay(await aiohttp_server(make_app(path, clock=clock)), clock, path)
    bid, biz = await first.business()
    dev = await first.device("alice")
    await biz.submit_template("gate", "Gate {{ g }}")
    await biz.send([envelope(bid, "alice", template="gate", mid=f"p{i}") for i in range(3)])
    await first.close()
    await first.server.close()
    second = Relay(await aiohttp_server(make_app(path, clock=clock)), clock, path)
    box = Inbox()
    sub = second.client(dev.token).subscribe(box, role="device")
    assert [f["id"] for f in await box.wait("envelope", 3)] == ["p0", "p1", "p2"]
    await sub.close()
    await second.close()
    dump = "\n".join(sqlite3.connect(path).iterdump())
    assert biz.token and dev.token
    assert biz.token not in dump and dev.token not in dump


async def test_cli_serves_a_relay(tmp_path: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = "import sys; from notifybot.relay.cli import main; sys.exit(main(sys.argv[1:]))"
    src = pathlib.Path(notifybot.__file__).parent.parent  # this checkout's code
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, "serve", "--host", "127.0.0.1", "--port", str(port),
        "--db", str(tmp_path / "cli.sqlite3"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), timeout=30)).decode()
        assert f"127.0.0.1:{port}" in line
        async with (
            aiohttp.ClientSession() as s,
            s.get(f"http://127.0.0.1:{port}/openapi.json") as resp,
        ):
            assert resp.status == 200 and (await resp.json())["info"]["title"]
    finally:
        proc.terminate()
        await proc.wait()
