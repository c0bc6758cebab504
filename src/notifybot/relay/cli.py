"""``notifybot relay serve --host 127.0.0.1 --port 8787 --db PATH``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging


def main(argv: list[str]) -> int:
    """Run the ``relay`` sub-command; returns the process exit status."""
    parser = argparse.ArgumentParser(prog="notifybot relay")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="serve a relay until interrupted")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8787)
    run.add_argument("--db", required=True, help="SQLite file (created if missing)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port, args.db))
    return 0


async def _serve(host: str, port: int, db: str) -> None:
    from notifybot.relay.app import serve
    from notifybot.relay.pricing import billing_pricer

    runner = await serve(host, port, db, pricer=billing_pricer())
    print(f"notifybot relay listening on http://{host}:{port} (db: {db})", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
