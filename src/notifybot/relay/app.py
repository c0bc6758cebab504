"""The relay application: routes, the gate every request passes, and ``serve``.

The gate (one middleware) authenticates the bearer token, applies the per-token rate limit,
parses and validates the request against the OpenAPI document, runs the handler, turns any
refusal into a JSON error with a stable code, and validates the response it is about to send
(an undeclared response becomes a logged ``500 response_invalid``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from notifybot.clock import Clock, SystemClock
from notifybot.policy import check
from notifybot.relay.db import Principal, RelayDb
from notifybot.relay.errors import ApiError
from notifybot.relay.handlers import Relay, set_request_state
from notifybot.relay.limits import Limits, RateLimiter, token_hash
from notifybot.relay.openapi import OpenApi
from notifybot.relay.review import PolicyCheck
from notifybot.relay.routing import Pricer, free_pricer
from notifybot.relay.schema import SchemaViolation
from notifybot.relay.webhooks import WebhookSender

log = logging.getLogger("notifybot.relay")

RELAY = web.AppKey("relay", Relay)
_LIMITER = web.AppKey("limiter", RateLimiter)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(exc: ApiError) -> web.Response:
    headers = {}
    if exc.retry_after is not None:
        headers["Retry-After"] = str(max(1, round(exc.retry_after + 0.499)))
    return web.json_response(exc.to_json(), status=exc.status, headers=headers)


async def _principal(relay: Relay, request: web.Request) -> Principal | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "use 'Authorization: Bearer <token>'")
    who = await relay.db.run(relay.db.tables.principal, token_hash(token.strip()))
    if who is None:
        raise ApiError(401, "unauthorized", "unknown token")
    return who


async def _gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    relay = request.app[RELAY]
    route = request.match_info.route.resource
    path = route.canonical if route is not None else ""
    op = relay.api.operation(request.method, path)
    if op is None:  # /openapi.json, or no such route (aiohttp answers 404/405 below)
        return await handler(request)
    who = await _principal(relay, request)
    if who is None and not relay.api.public(request.method, path):
        raise ApiError(401, "unauthorized", "this endpoint needs a bearer token")
    key = token_hash(request.headers["Authorization"]) if who else f"anon:{request.remote}"
    wait = request.app[_LIMITER].take(key)
    if wait > 0:
        raise ApiError(429, "rate_limited", "too many requests", retry_after=round(wait, 3))
    doc: Any = None
    if request.body_exists:
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise ApiError(
                413, "payload_too_large", f"body over {relay.limits.max_body_bytes} bytes"
            ) from None
        try:
            doc = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, "invalid_json", f"body is not JSON: {exc}") from None
    try:
        relay.api.validate_request(request.method, path, request.match_info, doc)
    except SchemaViolation as exc:
        raise ApiError(400, "invalid_request", str(exc)) from None
    set_request_state(request, who, doc)
    return await handler(request)


@web.middleware
async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Auth, limits and validation around every handler; JSON errors; response validation."""
    try:
        response = await _gate(request, handler)
    except ApiError as exc:
        response = _error(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
        response = _error(ApiError(exc.status, code.get(exc.status, "http_error"), exc.reason))
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("relay handler failed: %s %s", request.method, request.path)
        response = _error(ApiError(500, "internal", "internal error"))
    return _checked(request, response)


def _checked(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    if isinstance(response, web.WebSocketResponse) or not isinstance(response, web.Response):
        return response
    relay = request.app[RELAY]
    route = request.match_info.route.resource
    path = route.canonical if route is not None else ""
    if relay.api.operation(request.method, path) is None:
        return response
    try:
        doc = json.loads(response.text or "null")
        relay.api.validate_response(request.method, path, response.status, doc)
    except (ValueError, SchemaViolation) as exc:
        log.error("response does not match the API document: %s %s: %s",
                  request.method, path, exc)  # fmt: skip
        return _error(ApiError(500, "response_invalid", "the relay produced an invalid reply"))
    return response


def make_app(
    db_path: str,
    *,
    clock: Clock | None = None,
    policy_check: PolicyCheck = check,
    pricer: Pricer | None = None,
    limits: Limits | None = None,
) -> web.Application:
    """The relay as an aiohttp application (its database opens on startup)."""
    clock = clock or SystemClock()
    limits = limits or Limits()
    app = web.Application(middlewares=[gate], client_max_size=limits.max_body_bytes)
    api = OpenApi()
    relay = Relay(
        RelayDb(db_path), api, clock, limits, policy_check, pricer or free_pricer,
        WebhookSender(clock),
    )  # fmt: skip
    app[RELAY] = relay
    app[_LIMITER] = RateLimiter(clock, limits.rate_per_second, limits.burst)
    spec_text = api.json_text

    async def openapi_json(_request: web.Request) -> web.Response:
        return web.Response(text=spec_text, content_type="application/json")

    r = relay
    app.router.add_get("/openapi.json", openapi_json)
    app.router.add_post("/v1/businesses", r.register_business)
    app.router.add_put("/v1/businesses/me/profile", r.put_profile)
    app.router.add_put("/v1/businesses/me/webhook", r.put_webhook)
    app.router.add_get("/v1/businesses/ws", r.business_ws)
    app.router.add_get("/v1/businesses/{business_id}/profile", r.get_profile)
    app.router.add_post("/v1/devices", r.register_device)
    app.router.add_get("/v1/devices/ws", r.device_ws)
    app.router.add_put("/v1/keys", r.put_keys)
    app.router.add_post("/v1/keys/one-time", r.add_prekeys)
    app.router.add_get("/v1/keys/count", r.prekey_count)
    app.router.add_get("/v1/keys/{address}", r.key_devices)
    app.router.add_get("/v1/keys/{address}/{device_id}", r.bundle)
    app.router.add_post("/v1/messages", r.post_messages)
    app.router.add_post("/v1/receipts", r.post_receipts)
    app.router.add_get("/v1/blocks", r.list_blocks)
    app.router.add_put("/v1/blocks/{business_id}", r.put_block)
    app.router.add_delete("/v1/blocks/{business_id}", r.delete_block)
    app.router.add_post("/v1/templates", r.submit_template)
    app.router.add_get("/v1/templates/{business_id}/{name}", r.get_templates)
    app.router.add_post("/v1/reports/mismatch", r.report_mismatch)
    app.router.add_get("/v1/ledger", r.get_ledger)

    async def lifecycle(_app: web.Application) -> Any:
        await relay.db.open()
        await relay.webhooks.start()
        sweeper = None
        if limits.expiry_sweep_seconds > 0:
            sweeper = asyncio.get_running_loop().create_task(
                _sweep_forever(relay, limits.expiry_sweep_seconds)
            )
        yield
        if sweeper is not None:
            sweeper.cancel()
            await asyncio.gather(sweeper, return_exceptions=True)
        await relay.webhooks.close()
        await relay.db.close()

    async def close_sockets(_app: web.Application) -> None:
        await relay.hub.close_all()

    app.on_shutdown.append(close_sockets)
    app.cleanup_ctx.append(lifecycle)
    return app


async def _sweep_forever(relay: Relay, interval: float, batch: int = 1000) -> None:
    """Every ``interval`` seconds, delete and report the expired items of every queue."""
    while True:
        await asyncio.sleep(interval)
        try:
            while await relay.sweep_expired(batch) == batch:
                pass
        except Exception:
            log.exception("expiry sweep failed; trying again in %gs", interval)


async def serve(host: str, port: int, db: str, **options: Any) -> web.AppRunner:
    """Start a relay on ``host:port`` and return its runner (``await runner.cleanup()``)."""
    runner = web.AppRunner(make_app(db, **options))
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
