"""Relay throughput on loopback: envelopes posted in batches by a business through
RelayTransport, delivered over one device WebSocket and acknowledged.

    python bench/relay_throughput.py [N] [--expiring]

Prints envelopes/second for accept (POST) and for end-to-end delivery (accept -> WS -> ack).
``--expiring``: every envelope carries an expiry (a day ahead), as ``ttl=`` notifications do.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time

from aiohttp import web

from notifybot.clock import SystemClock, to_millis
from notifybot.envelope import Envelope, EnvelopeType
from notifybot.relay import Limits, make_app
from notifybot.relay.client import RelayClient
from notifybot.transports.relay import RelayTransport


async def main(n: int, expiring: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        limits = Limits(rate_per_second=1e9, burst=10**9)
        runner = web.AppRunner(make_app(f"{tmp}/relay.sqlite3", limits=limits))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        url = f"http://127.0.0.1:{port}"
        anon = RelayClient(url)
        biz = await anon.register_business("Bench")
        dev = await anon.register_device("alice", 1)
        b = RelayClient(url, biz.token)
        await b.submit_template("t", "Gate {{ g }}")
        transport = RelayTransport(url, biz.token, batch_max=200, linger=0.002)
        expires = to_millis(SystemClock().now()) + 86_400_000 if expiring else None
        envs = [
            Envelope(f"m{i:07}", biz.business_id, "alice", 1, EnvelopeType.SIGNAL, i,
                     b"\x00" * 256, "t", "utility", expires)
            for i in range(n)
        ]  # fmt: skip
        done = asyncio.Event()
        got = 0

        async def on_frame(frame: dict[str, object]) -> None:
            nonlocal got
            if frame["type"] == "envelope":
                got += 1
                if got == n:
                    done.set()

        t0 = time.perf_counter()
        await asyncio.gather(*(transport.send(e) for e in envs))
        t_accept = time.perf_counter() - t0
        d = RelayClient(url, dev.token)
        sub = d.subscribe(on_frame, role="device")
        await done.wait()
        t_all = time.perf_counter() - t0
        print(f"envelopes: {n}, body 256 B, batches of <=200, SQLite WAL in a temporary directory"
              f"{', each with an expiry' if expiring else ''}")  # fmt: skip
        print(f"accept (POST batches):          {n / t_accept:10.0f} envelopes/s")
        print(f"accept + WebSocket delivery:    {n / t_all:10.0f} envelopes/s")
        await sub.close()
        await transport.close()
        for c in (anon, b, d):
            await c.close()
        await runner.cleanup()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--expiring"]
    asyncio.run(main(int(args[0]) if args else 5000, "--expiring" in sys.argv[1:]))
