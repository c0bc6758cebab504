"""A relay embedded in the current process, on a free loopback port (demos, tests, a laptop).

::

    async with EmbeddedRelay(data / "relay" / "relay.sqlite3", clock=clock) as relay:
        link = await connect(bot, relay.url, kek=kek)
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

from notifybot.clock import Clock
from notifybot.relay.app import make_app
from notifybot.relay.limits import Limits
from notifybot.relay.pricing import billing_pricer


class EmbeddedRelay:
    """A relay with its SQLite database at ``db_path``, priced with the bot's price books.

    ``options`` go to :func:`~notifybot.relay.make_app` (``limits``, ``pricer`` …); the default
    limits allow a large burst, because a demo's :class:`~notifybot.clock.ManualClock` barely
    moves and the rate limiter runs on it.
    """

    def __init__(self, db_path: str | Path, *, clock: Clock | None = None, host: str = "127.0.0.1",
                 **options: Any) -> None:  # fmt: skip
        self.db_path = Path(db_path)
        self.host = host
        options.setdefault("pricer", billing_pricer())
        options.setdefault("limits", Limits(burst=100_000))
        self._app = make_app(str(self.db_path), clock=clock, **options)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        if self._runner is None:
            raise RuntimeError("the embedded relay is not started")
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> EmbeddedRelay:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


__all__ = ["EmbeddedRelay"]
