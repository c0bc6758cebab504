"""The relay's HTTP handlers. Requests reach them authenticated, rate limited and validated
against the OpenAPI document (see :mod:`notifybot.relay.app`); they read ``body(request)``
and ``principal(request)`` and raise :class:`ApiError` for refusals."""

from __future__ import annotations

import functools
import json
import logging
import secrets
from typing import Any

from aiohttp import web

from notifybot.clock import Clock, to_millis
from notifybot.relay.db import Principal, QueuedItem, RelayDb
from notifybot.relay.errors import ApiError
from notifybot.relay.hub import AckStatus, Hub
from notifybot.relay.limits import Limits, new_token, token_hash
from notifybot.relay.openapi import OpenApi
from notifybot.relay.review import PolicyCheck, review_template
from notifybot.relay.routing import (
    Pricer,
    QueueRow,
    business_queue,
    decide_business_batch,
    decide_device_batch,
    device_queue,
    event_row,
)
from notifybot.relay.webhooks import WebhookSender

log = logging.getLogger("notifybot.relay")

_PRINCIPAL = web.RequestKey("principal", Principal)
_BODY: web.RequestKey[Any] = web.RequestKey("body", object)
BUSINESS_PREFIX = "biz_"


def principal(request: web.Request) -> Principal | None:
    return request.get(_PRINCIPAL)


def set_request_state(request: web.Request, who: Principal | None, body: Any) -> None:
    if who is not None:
        request[_PRINCIPAL] = who
    request[_BODY] = body


def body(request: web.Request) -> Any:
    return request[_BODY]


def _need(request: web.Request, kind: str) -> Principal:
    who = principal(request)
    if who is None:
        raise ApiError(401, "unauthorized", "this endpoint needs a bearer token")
    if who.kind != kind:
        raise ApiError(403, "forbidden", f"this endpoint is for {kind} tokens")
    return who


def _authed(request: web.Request) -> Principal:
    who = principal(request)
    if who is None:
        raise ApiError(401, "unauthorized", "this endpoint needs a bearer token")
    return who


class Relay:
    """The relay's state and its request handlers."""

    def __init__(
        self, db: RelayDb, api: OpenApi, clock: Clock, limits: Limits,
        policy_check: PolicyCheck, pricer: Pricer, webhooks: WebhookSender,
    ) -> None:  # fmt: skip
        self.db = db
        self.api = api
        self.clock = clock
        self.limits = limits
        self.policy_check = policy_check
        self.pricer = pricer
        self.webhooks = webhooks
        self.hub = Hub(api, self.fetch, self.on_ack)

    def _now(self) -> int:
        return to_millis(self.clock.now())

    # events for businesses (stored, pushed over the WebSocket, and posted to the webhook)
    async def emit(self, business: str, kind: str, payload: dict[str, Any]) -> None:
        row = event_row(business, kind, payload)
        await self.db.run(self.db.tables.enqueue, [row], self._now())
        await self._announce([row])

    async def _announce(self, rows: list[QueueRow]) -> None:
        """Wake the connections of queued events and post them to the webhooks."""
        hooks: dict[str, tuple[str, str] | None] = {}
        for row in rows:
            self.hub.wake(row.rkey)
            business = row.rkey.removeprefix("b:")
            if business not in hooks:
                hooks[business] = await self.db.run(self.db.tables.webhook, business)
            if (hook := hooks[business]) is not None:
                doc = {"type": row.kind, "id": row.item_id, **json.loads(row.payload)}
                self.webhooks.post(hook[0], hook[1], row.item_id, doc)

    async def on_ack(self, who: Principal, item_id: str, status: AckStatus = "delivered") -> None:
        """An acked envelope leaves the queue; the business gets ``delivered``, or ``expired``
        when the device did not show it because it arrived after its expiry."""
        item = await self.db.run(self.db.tables.ack, who.queue, item_id)
        if item is None or who.kind != "device" or item.kind != "envelope":
            return
        payload: dict[str, Any] = {
            "message_id": item_id, "customer": who.owner, "device": who.device_id,
            "status": status, "ts": self._now(),
        }  # fmt: skip
        if status == "expired":
            payload["detail"] = "arrived after its expiry; not shown"
        await self.emit(item.sender, "status", payload)

    async def fetch(self, rkey: str, after_seq: int, limit: int) -> list[QueuedItem]:
        """The next items a connection sends: the queue's expired items are deleted first,
        and each business told (status ``expired``), so an expired item is never sent."""
        items, reports = await self.db.run(
            self.db.tables.deliverable, rkey, after_seq, limit, self._now()
        )
        await self._announce(reports)
        return items

    async def sweep_expired(self, limit: int = 1000) -> int:
        """Delete up to ``limit`` expired items of every queue (reporting them as
        ``expired``), also those of devices that never connect again; how many."""
        deleted, reports = await self.db.run(self.db.tables.expire_all, self._now(), limit)
        await self._announce(reports)
        return deleted

    # businesses
    async def register_business(self, request: web.Request) -> web.Response:
        bid = BUSINESS_PREFIX + secrets.token_hex(8)
        token = new_token()
        await self.db.run(
            self.db.tables.add_business, bid, body(request)["name"], token_hash(token), self._now()
        )
        return web.json_response({"business_id": bid, "token": token}, status=201)

    async def put_profile(self, request: web.Request) -> web.Response:
        who = _need(request, "business")
        doc = {"address": "", "email": "", "website": "", "description": "", "vertical": "",
               **body(request)}  # fmt: skip
        await self.db.run(self.db.tables.set_profile, who.owner, doc)
        return web.json_response({"business_id": who.owner, **doc})

    async def get_profile(self, request: web.Request) -> web.Response:
        _authed(request)
        bid = request.match_info["business_id"]
        doc = await self.db.run(self.db.tables.profile, bid)
        if doc is None:
            raise ApiError(404, "unknown_business", f"no business {bid!r}")
        full = {"address": "", "email": "", "website": "", "description": "", "vertical": "",
                **doc}  # fmt: skip
        return web.json_response({"business_id": bid, **full})

    async def put_webhook(self, request: web.Request) -> web.Response:
        who = _need(request, "business")
        url = body(request)["url"]
        secret = None if url is None else secrets.token_urlsafe(32)
        await self.db.run(self.db.tables.set_webhook, who.owner, url, secret)
        return web.json_response({"url": url, "secret": secret})

    # devices and keys
    async def register_device(self, request: web.Request) -> web.Response:
        doc = body(request)
        account, device_id = doc["account"], doc["device_id"]
        if account.startswith(BUSINESS_PREFIX):
            raise ApiError(
                400, "reserved_account", f"accounts may not start with {BUSINESS_PREFIX}"
            )
        who = principal(request)
        if await self.db.run(self.db.tables.account_exists, account):
            if who is None:
                raise ApiError(
                    409,
                    "account_exists",
                    "add a device to an existing account with one of its device tokens",
                )
            if who.kind != "device" or who.owner != account:
                raise ApiError(403, "forbidden", "that token does not belong to this account")
        token = new_token()
        added = await self.db.run(
            self.db.tables.add_device, account, device_id, doc.get("phone"), doc.get("country"),
            token_hash(token), self._now(),
        )  # fmt: skip
        if not added:
            raise ApiError(409, "device_exists", f"device {device_id} of {account!r} exists")
        return web.json_response(
            {"account": account, "device_id": device_id, "token": token}, status=201
        )

    async def put_keys(self, request: web.Request) -> web.Response:
        who = _authed(request)
        doc = body(request)
        otpks = [(k["id"], k["public"]) for k in doc.get("one_time_prekeys", ())]
        count = await self.db.run(
            self.db.tables.put_keys, who.owner, who.device_id, doc.get("registration_id", 0),
            doc["identity_key"], doc["signed_prekey"], otpks,
        )  # fmt: skip
        return web.json_response({"one_time_prekeys": count})

    async def add_prekeys(self, request: web.Request) -> web.Response:
        who = _authed(request)
        otpks = [(k["id"], k["public"]) for k in body(request)["one_time_prekeys"]]
        count = await self.db.run(self.db.tables.add_prekeys, who.owner, who.device_id, otpks)
        if count is None:
            raise ApiError(404, "no_identity", "upload an identity key first (PUT /v1/keys)")
        return web.json_response({"one_time_prekeys": count})

    async def prekey_count(self, request: web.Request) -> web.Response:
        who = _authed(request)
        count = await self.db.run(self.db.tables.prekey_count, who.owner, who.device_id)
        return web.json_response({"one_time_prekeys": count})

    async def _check_address(self, who: Principal, address: str) -> None:
        if address.startswith(BUSINESS_PREFIX):
            if not await self.db.run(self.db.tables.business_exists, address):
                raise ApiError(404, "unknown_address", f"no business {address!r}")
            return
        if not await self.db.run(self.db.tables.account_exists, address):
            raise ApiError(404, "unknown_address", f"no account {address!r}")
        if who.kind == "business" and await self.db.run(
            self.db.tables.is_blocked, address, who.owner
        ):
            raise ApiError(403, "blocked", f"customer {address!r} blocked this business")

    async def key_devices(self, request: web.Request) -> web.Response:
        who = _authed(request)
        address = request.match_info["address"]
        await self._check_address(who, address)
        devices = await self.db.run(self.db.tables.key_devices, address)
        return web.json_response({"address": address, "devices": devices})

    async def bundle(self, request: web.Request) -> web.Response:
        who = _authed(request)
        address = request.match_info["address"]
        device_id = int(request.match_info["device_id"])
        await self._check_address(who, address)
        got = await self.db.run(self.db.tables.take_bundle, address, device_id)
        if got is None:
            raise ApiError(404, "unknown_device", f"no keys for device {device_id} of {address!r}")
        if got.remaining < self.limits.prekey_low:
            rkey = (business_queue(address) if address.startswith(BUSINESS_PREFIX)
                    else device_queue(address, device_id))  # fmt: skip
            await self.hub.signal(rkey, {"type": "prekeys_low", "remaining": got.remaining})
        return web.json_response({
            "address": address, "device_id": device_id, "registration_id": got.registration_id,
            "identity_key": got.identity_key, "signed_prekey": got.signed_prekey,
            "one_time_prekey": got.one_time_prekey,
        })  # fmt: skip

    # messages
    async def post_messages(self, request: web.Request) -> web.Response:
        who = _authed(request)
        docs: list[Any] = body(request)["envelopes"]
        if len(docs) > self.limits.max_batch:
            raise ApiError(
                413,
                "batch_too_large",
                f"{len(docs)} envelopes; at most {self.limits.max_batch} per batch",
            )
        schema = self.api.schema("Envelope")
        validator = self.api.validator
        now = self._now()
        parties = {d.get("to") for d in docs if isinstance(d.get("to"), str)}
        if who.kind == "business":
            decide = functools.partial(
                decide_business_batch, who.owner, docs, now_ms=now,
                window_ms=int(self.limits.window.total_seconds() * 1000), pricer=self.pricer,
                validator=validator, envelope_schema=schema,
            )  # fmt: skip
            decision = await self.db.run(
                self.db.tables.route_business_batch, who.owner, parties, now, decide
            )
        else:
            decide = functools.partial(
                decide_device_batch, who.owner, who.device_id, docs, now_ms=now,
                validator=validator, envelope_schema=schema,
            )  # fmt: skip
            decision = await self.db.run(
                self.db.tables.route_device_batch, who.owner, parties, now, decide
            )
        for rkey in {row.rkey for row in decision.queue}:
            self.hub.wake(rkey)
        return web.json_response({"results": decision.results})

    async def post_receipts(self, request: web.Request) -> web.Response:
        who = _need(request, "device")
        accepted, unknown = 0, []
        for r in body(request)["receipts"]:
            bid, mid = r["business_id"], r["message_id"]
            if await self.db.run(self.db.tables.sent_to, bid, mid, who.owner):
                await self.emit(bid, "status", {
                    "message_id": mid, "customer": who.owner, "device": who.device_id,
                    "status": r["status"], "ts": self._now(),
                })  # fmt: skip
                accepted += 1
            else:
                unknown.append(mid)
        return web.json_response({"accepted": accepted, "unknown": unknown})

    # blocks
    async def list_blocks(self, request: web.Request) -> web.Response:
        who = _need(request, "device")
        return web.json_response({"blocked": await self.db.run(self.db.tables.blocks, who.owner)})

    async def put_block(self, request: web.Request) -> web.Response:
        return await self._set_block(request, blocked=True)

    async def delete_block(self, request: web.Request) -> web.Response:
        return await self._set_block(request, blocked=False)

    async def _set_block(self, request: web.Request, *, blocked: bool) -> web.Response:
        who = _need(request, "device")
        bid = request.match_info["business_id"]
        if not await self.db.run(self.db.tables.business_exists, bid):
            raise ApiError(404, "unknown_business", f"no business {bid!r}")
        dropped = await self.db.run(self.db.tables.set_block, who.owner, bid, blocked, self._now())
        await self.emit(
            bid, "block", {"customer": who.owner, "blocked": blocked, "ts": self._now()}
        )
        log.info("account blocked=%s a business; %d queued envelopes dropped", blocked, dropped)
        return web.json_response({"business_id": bid, "blocked": blocked, "dropped": dropped})

    # templates
    async def submit_template(self, request: web.Request) -> web.Response:
        who = _need(request, "business")
        submitted = body(request)
        reasons = review_template(submitted, self.policy_check)
        doc = {
            "business_id": who.owner, "name": submitted["name"],
            "language": submitted["language"], "text": submitted["text"],
            "buttons": [{"label": b["label"], "url": b.get("url")}
                        for b in submitted.get("buttons", ())],
            "category": submitted["category"],
            "url_placeholders": list(submitted.get("url_placeholders", ())),
            "multiline_placeholders": list(submitted.get("multiline_placeholders", ())),
            "status": "rejected" if reasons else "approved", "reasons": reasons,
            "reviewed_at": self._now(),
        }  # fmt: skip
        await self.db.run(self.db.tables.put_template, who.owner, doc)
        return web.json_response(doc, status=201)

    async def get_templates(self, request: web.Request) -> web.Response:
        _authed(request)
        bid, name = request.match_info["business_id"], request.match_info["name"]
        docs = await self.db.run(self.db.tables.templates, bid, name)
        if not docs:
            raise ApiError(404, "unknown_template", f"no template {name!r} for {bid!r}")
        return web.json_response({"templates": docs})

    async def report_mismatch(self, request: web.Request) -> web.Response:
        who = _need(request, "device")
        doc = body(request)
        bid, mid, template = doc["business_id"], doc["message_id"], doc["template"]
        detail = doc.get("detail", "")
        got = await self.db.run(
            self.db.tables.add_report, bid, who.owner, who.device_id, mid, template, detail,
            self._now(), self.limits.mismatch_suspend_after,
        )  # fmt: skip
        if got is None:
            raise ApiError(404, "unknown_message", f"{bid!r} sent no message {mid!r} to you")
        report_id, status = got
        log.warning("template mismatch reported for %s/%s (now %s)", bid, template, status)
        await self.emit(bid, "status", {
            "message_id": mid, "customer": who.owner, "device": who.device_id,
            "status": "failed", "ts": self._now(), "detail": f"template_mismatch: {template}",
        })  # fmt: skip
        return web.json_response({"report_id": report_id, "template_status": status}, status=201)

    # the ledger
    async def get_ledger(self, request: web.Request) -> web.Response:
        who = _need(request, "business")
        rows = await self.db.run(self.db.tables.ledger, who.owner)
        entries = [{
            "message_id": r.message_id, "customer": r.account, "country": r.country,
            "category": r.category, "in_window": r.in_window, "price_micros": r.price_micros,
            "at": r.at_ms,
        } for r in rows]  # fmt: skip
        total = sum(r.price_micros for r in rows)
        return web.json_response({"entries": entries, "total_micros": total})

    # WebSockets
    async def device_ws(self, request: web.Request) -> web.StreamResponse:
        return await self._ws(request, _need(request, "device"))

    async def business_ws(self, request: web.Request) -> web.StreamResponse:
        return await self._ws(request, _need(request, "business"))

    async def _ws(self, request: web.Request, who: Principal) -> web.StreamResponse:
        ws = web.WebSocketResponse(heartbeat=30.0, max_msg_size=self.limits.max_ws_frame)
        await ws.prepare(request)
        if who.kind == "device":
            count = await self.db.run(self.db.tables.prekey_count, who.owner, who.device_id)
            if count < self.limits.prekey_low:
                await ws.send_json({"type": "prekeys_low", "remaining": count})
        await self.hub.serve(ws, who)
        return ws
