"""``RelayClient``: a typed async client for the relay's HTTP API and its WebSockets.

Every method maps a relay error reply to the typed error of :func:`~notifybot.relay.errors.
error_for` (connection failures and timeouts become ``ProviderUnavailable``). ``subscribe``
keeps one WebSocket open, reconnecting with exponential backoff and jitter, hands each frame
to a handler and acknowledges it once the handler returns (with ``"status": "expired"`` when
the handler returns ``"expired"``: it dropped an envelope unshown because it had expired).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, Literal

import aiohttp
import attrs

from notifybot.envelope import Envelope
from notifybot.errors import NotifybotError, ProviderUnavailable
from notifybot.relay.errors import RelayUnauthorized, error_for

log = logging.getLogger("notifybot.relay.client")

#: Handles one frame; returning ``"expired"`` acks it as dropped unshown (None: ``delivered``).
FrameHandler = Callable[[dict[str, Any]], Awaitable[Literal["expired"] | None]]


@attrs.frozen
class BusinessCredentials:
    business_id: str
    token: str


@attrs.frozen
class DeviceCredentials:
    account: str
    device_id: int
    token: str


@attrs.frozen
class EnvelopeResult:
    """The relay's answer for one envelope of a batch."""

    message_id: str
    device_id: int
    accepted: bool
    code: str = ""
    message: str = ""


@attrs.frozen
class RelayLedgerEntry:
    message_id: str
    customer: str
    country: str
    category: str
    in_window: bool
    price_micros: int
    at_ms: int


@attrs.frozen
class Backoff:
    """Reconnect delays: ``min(cap, base * factor**attempt)``, jittered into [d/2, d]."""

    base: float = 0.05
    factor: float = 2.0
    cap: float = 5.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        d = min(self.cap, self.base * self.factor**attempt)
        return rng.uniform(d / 2, d)


class RelayClient:
    """One party's connection to a relay (``token`` is a business or device token)."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._own_session = session is None
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def __aenter__(self) -> RelayClient:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
            self._own_session = True
        return self._session

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
        self._session = None

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def request(self, method: str, path: str, doc: Any = None) -> Any:
        """Call the API; the decoded JSON reply, or the typed error for a refusal."""
        kwargs: dict[str, Any] = {"headers": self._headers()}
        if doc is not None:
            kwargs["json"] = doc
        try:
            async with self.session.request(method, self.base_url + path, **kwargs) as resp:
                text = await resp.text()
                if resp.status < 300:
                    return json.loads(text)
                raise _error_from(resp.status, text, resp.headers.get("Retry-After"))
        except NotifybotError:
            raise
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ProviderUnavailable(f"relay {method} {path} failed: {exc!r}") from exc

    # businesses
    async def register_business(self, name: str) -> BusinessCredentials:
        doc = await self.request("POST", "/v1/businesses", {"name": name})
        return BusinessCredentials(doc["business_id"], doc["token"])

    async def publish_profile(self, name: str, **fields: str) -> dict[str, Any]:
        doc: dict[str, Any] = await self.request(
            "PUT", "/v1/businesses/me/profile", {"name": name, **fields}
        )
        return doc

    async def profile(self, business_id: str) -> dict[str, Any]:
        doc: dict[str, Any] = await self.request("GET", f"/v1/businesses/{business_id}/profile")
        return doc

    async def set_webhook(self, url: str | None) -> str | None:
        """Set the webhook URL; returns the new signing secret (None when cleared)."""
        doc = await self.request("PUT", "/v1/businesses/me/webhook", {"url": url})
        secret: str | None = doc["secret"]
        return secret

    # devices and keys
    async def register_device(
        self, account: str, device_id: int, *, phone: str | None = None, country: str | None = None
    ) -> DeviceCredentials:
        doc: dict[str, Any] = {"account": account, "device_id": device_id}
        if phone is not None:
            doc["phone"] = phone
        if country is not None:
            doc["country"] = country
        got = await self.request("POST", "/v1/devices", doc)
        return DeviceCredentials(got["account"], got["device_id"], got["token"])

    async def upload_keys(
        self,
        identity_key: str,
        signed_prekey: dict[str, Any],
        one_time_prekeys: Sequence[dict[str, Any]] = (),
        *,
        registration_id: int = 0,
    ) -> int:
        doc = {
            "registration_id": registration_id,
            "identity_key": identity_key,
            "signed_prekey": signed_prekey,
            "one_time_prekeys": list(one_time_prekeys),
        }
        got = await self.request("PUT", "/v1/keys", doc)
        return int(got["one_time_prekeys"])

    async def add_prekeys(self, one_time_prekeys: Sequence[dict[str, Any]]) -> int:
        doc = {"one_time_prekeys": list(one_time_prekeys)}
        got = await self.request("POST", "/v1/keys/one-time", doc)
        return int(got["one_time_prekeys"])

    async def prekey_count(self) -> int:
        return int((await self.request("GET", "/v1/keys/count"))["one_time_prekeys"])

    async def devices(self, address: str) -> list[int]:
        """The device ids of ``address`` (a customer account or a business) that have keys."""
        return [int(d) for d in (await self.request("GET", f"/v1/keys/{address}"))["devices"]]

    async def bundle(self, address: str, device_id: int) -> dict[str, Any]:
        """A prekey bundle (raw JSON; each one-time prekey is handed out at most once)."""
        doc: dict[str, Any] = await self.request("GET", f"/v1/keys/{address}/{device_id}")
        return doc

    # messages
    async def send(self, envelopes: Iterable[Envelope]) -> list[EnvelopeResult]:
        return await self.send_raw([e.to_json() for e in envelopes])

    async def send_raw(self, docs: list[Any]) -> list[EnvelopeResult]:
        """Post envelopes in wire form (already JSON); one result per envelope, in order."""
        got = await self.request("POST", "/v1/messages", {"envelopes": docs})
        return [
            EnvelopeResult(
                r["id"],
                r["device"],
                r["status"] == "accepted",
                r.get("error", {}).get("code", ""),
                r.get("error", {}).get("message", ""),
            )
            for r in got["results"]
        ]

    async def read_receipts(self, business_id: str, message_ids: Iterable[str]) -> int:
        receipts = [
            {"business_id": business_id, "message_id": m, "status": "read"} for m in message_ids
        ]
        return int((await self.request("POST", "/v1/receipts", {"receipts": receipts}))["accepted"])

    # blocks
    async def block(self, business_id: str) -> int:
        """Block a business; returns how many of its queued envelopes the relay dropped."""
        return int((await self.request("PUT", f"/v1/blocks/{business_id}"))["dropped"])

    async def unblock(self, business_id: str) -> None:
        await self.request("DELETE", f"/v1/blocks/{business_id}")

    async def blocks(self) -> list[str]:
        return list((await self.request("GET", "/v1/blocks"))["blocked"])

    # templates
    async def submit_template(
        self,
        name: str,
        text: str,
        *,
        language: str = "en",
        category: str = "utility",
        buttons: Sequence[dict[str, Any]] = (),
        url_placeholders: Sequence[str] = (),
        multiline_placeholders: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Submit a template; the reply says ``approved`` or ``rejected`` with reasons."""
        doc = {
            "name": name,
            "language": language,
            "text": text,
            "category": category,
            "buttons": list(buttons),
            "url_placeholders": list(url_placeholders),
            "multiline_placeholders": list(multiline_placeholders),
        }
        got: dict[str, Any] = await self.request("POST", "/v1/templates", doc)
        return got

    async def templates(self, business_id: str, name: str) -> list[dict[str, Any]]:
        got = await self.request("GET", f"/v1/templates/{business_id}/{name}")
        return list(got["templates"])

    async def report_mismatch(
        self, business_id: str, message_id: str, template: str, detail: str = ""
    ) -> str:
        """Report a message that does not match its template; returns the template's status."""
        doc = {
            "business_id": business_id,
            "message_id": message_id,
            "template": template,
            "detail": detail,
        }
        return str((await self.request("POST", "/v1/reports/mismatch", doc))["template_status"])

    async def ledger(self) -> list[RelayLedgerEntry]:
        got = await self.request("GET", "/v1/ledger")
        return [
            RelayLedgerEntry(
                e["message_id"],
                e["customer"],
                e["country"],
                e["category"],
                e["in_window"],
                e["price_micros"],
                e["at"],
            )
            for e in got["entries"]
        ]

    # WebSockets
    def subscribe(
        self,
        handler: FrameHandler,
        *,
        role: Literal["device", "business"],
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        after_ack: Callable[[], None] | None = None,
    ) -> Subscription:
        """Keep the role's WebSocket open and hand every frame to ``handler``.

        ``after_ack`` is called once each frame's ack is written (a device sends its read
        receipts only then, so ``delivered`` always precedes ``read``).
        """
        path = "/v1/businesses/ws" if role == "business" else "/v1/devices/ws"
        url = self.base_url.replace("http", "ws", 1) + path
        sub = Subscription(
            self, url, handler, backoff or Backoff(), rng or random.Random(), after_ack
        )
        sub.start()
        return sub


def _error_from(status: int, text: str, retry_after: str | None) -> NotifybotError:
    try:
        err = json.loads(text)["error"]
        code, message = str(err["code"]), str(err["message"])
        wait = err.get("retry_after")
    except (ValueError, KeyError, TypeError):
        code, message, wait = "http_error", text[:200], None
    if wait is None and retry_after is not None:
        with contextlib.suppress(ValueError):
            wait = float(retry_after)
    return error_for(status, code, message, retry_after=wait)


class Subscription:
    """A WebSocket kept open by a background task; frames with an ``id`` are acked after
    the handler returns (a handler that raises leaves the frame to be sent again)."""

    def __init__(
        self,
        client: RelayClient,
        url: str,
        handler: FrameHandler,
        backoff: Backoff,
        rng: random.Random,
        after_ack: Callable[[], None] | None = None,
    ) -> None:
        self._client = client
        self._url = url
        self._handler = handler
        self._after_ack = after_ack
        self._backoff = backoff
        self._rng = rng
        self._task: asyncio.Task[None] | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._stopping = False
        #: Set while a connection is open.
        self.connected = asyncio.Event()
        #: How many times a connection was opened.
        self.connections = 0
        #: The error that stopped the subscription for good (a refused token), if any.
        self.error: NotifybotError | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def wait_connected(self) -> None:
        """Wait until a connection is open (raises the permanent error if there was one)."""
        waiter = asyncio.ensure_future(self.connected.wait())
        assert self._task is not None
        done, _ = await asyncio.wait({waiter, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            waiter.cancel()
            if self.error is not None:
                raise self.error
            raise ProviderUnavailable("subscription stopped")

    async def drop(self) -> None:
        """Close the current connection (the subscription reconnects; for tests and failover)."""
        if self._ws is not None:
            await self._ws.close()

    async def close(self) -> None:
        self._stopping = True
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        attempt = 0
        while not self._stopping:
            try:
                async with self._client.session.ws_connect(
                    self._url, headers=self._client._headers(), heartbeat=30.0
                ) as ws:
                    self._ws = ws
                    self.connections += 1
                    attempt = 0
                    self.connected.set()
                    await self._read(ws)
            except aiohttp.WSServerHandshakeError as exc:
                if exc.status in (401, 403):
                    self.error = RelayUnauthorized(exc.status, "unauthorized", exc.message)
                    log.error("relay refused the WebSocket: %s", exc.message)
                    return
                log.warning("relay WebSocket handshake failed: %s", exc)
            except (aiohttp.ClientError, TimeoutError, ConnectionError) as exc:
                log.info("relay WebSocket lost: %r", exc)
            finally:
                self._ws = None
                self.connected.clear()
            if self._stopping:
                return
            await asyncio.sleep(self._backoff.delay(attempt, self._rng))
            attempt += 1

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            if msg.type is not aiohttp.WSMsgType.TEXT:
                break
            frame = json.loads(msg.data)
            try:
                outcome = await self._handler(frame)
            except Exception:
                log.exception("frame handler failed; the frame stays queued at the relay")
                continue
            if "id" in frame:
                ack = {"type": "ack", "id": frame["id"]}
                if outcome == "expired":
                    ack["status"] = "expired"
                await ws.send_json(ack)
            if self._after_ack is not None:
                self._after_ack()
