"""WebSocket delivery: one live connection per queue, pumping stored items in order.

Each connection runs a pump that reads its queue from the database in ``seq`` order and sends
every item as a frame ``{"type": kind, "id": item_id, ...payload}``; writers only wake it. An
item leaves the queue when the client sends ``{"type": "ack", "id": ...}`` (``"status":
"expired"`` when the client dropped it unshown because it arrived after its expiry), so
anything not acknowledged is sent again on the next connection (clients de-duplicate by id).
The pump reads through ``fetch``, which first deletes the queue's items whose expiry has
passed (by the relay's clock) and reports them: an expired item is never sent. A newer
connection for the same queue replaces the older one (closed with code 4001).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import aiohttp
from aiohttp import web

from notifybot.relay.db import Principal, QueuedItem
from notifybot.relay.openapi import OpenApi
from notifybot.relay.schema import SchemaViolation

log = logging.getLogger("notifybot.relay.hub")

#: Close code sent to a connection replaced by a newer one for the same queue.
REPLACED = 4001
#: Close code for a client that broke the frame protocol.
PROTOCOL_ERROR = 4002

AckStatus = Literal["delivered", "expired"]
AckHandler = Callable[[Principal, str, AckStatus], Awaitable[None]]
#: ``fetch(rkey, after_seq, limit)``: the next deliverable items of a queue, in ``seq`` order.
Fetcher = Callable[[str, int, int], Awaitable[list[QueuedItem]]]


def frame_for(item: QueuedItem) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(item.payload)
    return {"type": item.kind, "id": item.item_id, **payload}


class _Connection:
    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.wake = asyncio.Event()
        self.wake.set()


class Hub:
    """The live device and business connections of one relay."""

    def __init__(
        self, api: OpenApi, fetch: Fetcher, on_ack: AckHandler, *, batch: int = 200
    ) -> None:
        self._api = api
        self._fetch = fetch
        self._on_ack = on_ack
        self._batch = batch
        self._conns: dict[str, _Connection] = {}

    def wake(self, rkey: str) -> None:
        """Tell the connection for ``rkey`` (if any) that its queue has new items."""
        conn = self._conns.get(rkey)
        if conn is not None:
            conn.wake.set()

    def connected(self, rkey: str) -> bool:
        return rkey in self._conns

    async def signal(self, rkey: str, frame: dict[str, Any]) -> bool:
        """Send a frame that is not stored (e.g. ``prekeys_low``); False if not connected."""
        conn = self._conns.get(rkey)
        if conn is None or conn.ws.closed:
            return False
        self._api.validate(frame, "WsServerFrame")
        await conn.ws.send_json(frame)
        return True

    async def close_all(self) -> None:
        for conn in list(self._conns.values()):
            await conn.ws.close(code=aiohttp.WSCloseCode.GOING_AWAY, message=b"relay stopping")

    async def serve(self, ws: web.WebSocketResponse, principal: Principal) -> None:
        """Run one client's connection until it closes."""
        rkey = principal.queue
        old = self._conns.get(rkey)
        conn = _Connection(ws)
        self._conns[rkey] = conn
        if old is not None:
            await old.ws.close(code=REPLACED, message=b"replaced by a newer connection")
        pump = asyncio.get_running_loop().create_task(self._pump(rkey, conn))
        try:
            async for msg in ws:
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    break
                try:
                    frame = json.loads(msg.data)
                    self._api.validate(frame, "WsClientFrame")
                except (ValueError, SchemaViolation) as exc:
                    log.info("closing %s: bad frame: %s", principal.kind, exc)
                    await ws.close(code=PROTOCOL_ERROR, message=b"bad frame")
                    break
                await self._on_ack(principal, frame["id"], frame.get("status", "delivered"))
        finally:
            pump.cancel()
            await asyncio.gather(pump, return_exceptions=True)
            if self._conns.get(rkey) is conn:
                del self._conns[rkey]

    async def _pump(self, rkey: str, conn: _Connection) -> None:
        try:
            await self._deliver(rkey, conn)
        except ConnectionError:
            return  # the reader loop sees the close
        except Exception:
            log.exception("delivery to %s failed; closing so the client reconnects", rkey)
            await conn.ws.close(code=aiohttp.WSCloseCode.INTERNAL_ERROR, message=b"relay error")

    async def _deliver(self, rkey: str, conn: _Connection) -> None:
        last = 0
        while not conn.ws.closed:
            await conn.wake.wait()
            conn.wake.clear()
            while True:
                items = await self._fetch(rkey, last, self._batch)
                for item in items:
                    frame = frame_for(item)
                    self._api.validate(frame, "WsServerFrame")
                    await conn.ws.send_json(frame)
                    last = item.seq
                if len(items) < self._batch:
                    break
