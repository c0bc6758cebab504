"""``RelayTransport``: the bot's side of the notifybot relay.

``send`` batches envelopes sent concurrently (up to ``batch_max``, waiting at most ``linger``
seconds for company) into one POST and maps each per-envelope refusal to its typed error
(see :mod:`notifybot.relay.errors`). ``start(sink)`` keeps the business WebSocket open
(reconnecting with backoff) and hands inbound envelopes, delivery statuses and blocks to the
bot. ``devices`` / ``bundle`` are the prekey directory for the crypto layer.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from notifybot.envelope import Envelope
from notifybot.errors import EnvelopeError, NotifybotError
from notifybot.relay.client import Backoff, RelayClient, Subscription
from notifybot.relay.errors import error_for
from notifybot.transports.base import InboundSink, Receipt, StatusUpdate

log = logging.getLogger("notifybot.transports.relay")

_Pending = tuple[Envelope, "asyncio.Future[Receipt]"]


class RelayTransport:
    """An end-to-end transport through a notifybot relay (a business token)."""

    name = "relay"
    end_to_end = True

    def __init__(
        self,
        url: str,
        token: str,
        *,
        batch_max: int = 100,
        linger: float = 0.005,
        backoff: Backoff | None = None,
    ) -> None:
        if batch_max < 1 or linger < 0:
            raise ValueError("batch_max must be >= 1 and linger >= 0")
        self.client = RelayClient(url, token)
        self._batch_max = batch_max
        self._linger = linger
        self._backoff = backoff
        self._pending: list[_Pending] = []
        self._flusher: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._sub: Subscription | None = None
        self._sink: InboundSink | None = None

    # sending
    async def send(self, envelope: Envelope) -> Receipt:
        future: asyncio.Future[Receipt] = asyncio.get_running_loop().create_future()
        self._pending.append((envelope, future))
        if len(self._pending) >= self._batch_max:
            self._spawn(self._take())
        elif self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._linger_then_flush())
        return await future

    def _take(self) -> list[_Pending]:
        batch, self._pending = self._pending[: self._batch_max], self._pending[self._batch_max :]
        return batch

    async def _linger_then_flush(self) -> None:
        try:
            await asyncio.sleep(self._linger)
        finally:
            self._flusher = None
        while self._pending:
            self._spawn(self._take())

    def _spawn(self, batch: list[_Pending]) -> None:
        task = asyncio.get_running_loop().create_task(self._post(batch))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def _post(self, batch: list[_Pending]) -> None:
        try:
            results = await self.client.send([env for env, _ in batch])
        except NotifybotError as exc:
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(exc)
            return
        except Exception as exc:  # never leave a caller waiting
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(exc)
            raise
        for (env, fut), result in zip(batch, results, strict=True):
            if fut.done():
                continue
            if result.accepted:
                fut.set_result(Receipt(env.message_id, env.device_id, self.name))
            else:
                fut.set_exception(
                    error_for(400, result.code, result.message, customer=env.recipient)
                )

    # receiving
    async def start(self, sink: InboundSink) -> None:
        """Open the business WebSocket and deliver inbound traffic to ``sink``."""
        self._sink = sink
        self._sub = self.client.subscribe(self._on_frame, role="business", backoff=self._backoff)
        await self._sub.wait_connected()

    async def _on_frame(self, frame: dict[str, Any]) -> None:
        sink = self._sink
        assert sink is not None
        kind = frame.get("type")
        if kind == "envelope":
            try:
                envelope = Envelope.from_json(frame.get("envelope"))
            except EnvelopeError as exc:
                log.warning("dropping a malformed envelope from the relay: %s", exc)
                return  # acknowledged: a malformed envelope will never become valid
            await sink.receive_envelope(envelope)
        elif kind == "status":
            await sink.receive_status(
                StatusUpdate(
                    message_id=frame["message_id"],
                    customer_id=frame["customer"],
                    status=frame["status"],
                    timestamp_ms=frame["ts"],
                    device_id=frame.get("device", 0),
                    detail=frame.get("detail", ""),
                )
            )
        elif kind == "block":
            await sink.receive_block(frame["customer"], blocked=frame["blocked"], source="relay")
        else:
            log.info("ignoring relay frame of type %r", kind)

    async def close(self) -> None:
        if self._sub is not None:
            await self._sub.close()
            self._sub = None
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
        await asyncio.gather(*list(self._inflight), return_exceptions=True)
        await self.client.close()

    # the prekey directory
    async def devices(self, customer: str) -> list[int]:
        """The customer's device ids that have keys on the relay."""
        return await self.client.devices(customer)

    async def bundle(self, customer: str, device_id: int) -> dict[str, Any]:
        """The raw JSON prekey bundle of one device (consumes one one-time prekey)."""
        return await self.client.bundle(customer, device_id)
