"""Registration, profiles, auth, errors and the API document."""

from __future__ import annotations

import aiohttp
import pytest

from notifybot.errors import RateLimited
from notifybot.relay import Limits
from notifybot.relay.errors import RelayRefused, RelayUnauthorized
from notifybot.relay.openapi import OpenApi

from .conftest import Relay


async def test_openapi_document_is_served_and_every_path_is_routed(relay: Relay) -> None:
    async with aiohttp.ClientSession() as s, s.get(relay.url + "/openapi.json") as resp:
        doc = await resp.json()
    assert doc["openapi"].startswith("3.")
    routes = {
        (r.method, r.resource.canonical)
        for r in relay.server.app.router.routes()
        if r.resource is not None and r.method != "HEAD"
    }
    for path, item in OpenApi().doc["paths"].items():
        for method in item:
            assert (method.upper(), path) in routes


async def test_business_profile_round_trip(relay: Relay) -> None:
    bid, biz = await relay.business("Acme Air")
    await biz.publish_profile(
        "Acme Air",
        address="1 Runway Rd",
        email="help@acme.example",
        website="https://acme.example",
        description="Flights",
        vertical="airline",
    )
    dev = await relay.device("alice")
    profile = await dev.profile(bid)
    assert profile == {
        "business_id": bid,
        "name": "Acme Air",
        "address": "1 Runway Rd",
        "email": "help@acme.example",
        "website": "https://acme.example",
        "description": "Flights",
        "vertical": "airline",
    }


async def test_every_endpoint_needs_a_token(relay: Relay) -> None:
    anon = relay.client()
    with pytest.raises(RelayUnauthorized) as exc:
        await anon.prekey_count()
    assert exc.value.status == 401 and exc.value.code == "unauthorized"
    forged = relay.client("not-a-real-token")
    with pytest.raises(RelayUnauthorized):
        await forged.profile("biz_0000")


async def test_device_token_cannot_use_business_endpoints(relay: Relay) -> None:
    dev = await relay.device("alice")
    with pytest.raises(RelayUnauthorized) as exc:
        await dev.submit_template("t", "hello")
    assert exc.value.status == 403


async def test_second_device_needs_a_token_of_the_same_account(relay: Relay) -> None:
    first = await relay.device("alice")
    with pytest.raises(RelayRefused) as exc:
        await relay.device("alice", 2)
    assert (exc.value.status, exc.value.code) == (409, "account_exists")
    other = await relay.device("bob")
    with pytest.raises(RelayUnauthorized):
        await relay.device("alice", 2, token_of=other)
    second = await relay.device("alice", 2, token_of=first)
    assert second.token and second.token != first.token
    with pytest.raises(RelayRefused) as exc:
        await relay.device("alice", 2, token_of=first)
    assert exc.value.code == "device_exists"


async def test_invalid_request_gets_a_json_error_with_a_code(relay: Relay) -> None:
    _, biz = await relay.business()
    async with aiohttp.ClientSession() as s:
        async with s.put(
            relay.url + "/v1/businesses/me/profile",
            json={"nom": "x"},
            headers={"Authorization": f"Bearer {biz.token}"},
        ) as resp:
            assert resp.status == 400
            err = (await resp.json())["error"]
        assert err["code"] == "invalid_request" and "name" in err["message"]
        async with s.post(relay.url + "/v1/businesses", data=b"{not json") as resp:
            assert resp.status == 400
            assert (await resp.json())["error"]["code"] == "invalid_json"
        async with s.get(relay.url + "/v1/nothing-here") as resp:
            assert resp.status == 404
            assert (await resp.json())["error"]["code"] == "not_found"


async def test_rate_limit_per_token_follows_the_clock(make_relay, clock) -> None:
    relay = await make_relay(limits=Limits(rate_per_second=1.0, burst=2))
    dev = await relay.device("alice")
    await dev.blocks()
    await dev.blocks()
    with pytest.raises(RateLimited) as exc:
        await dev.blocks()
    assert 0 < exc.value.retry_after <= 1.0
    other = await relay.device("bob")
    await other.blocks()  # another token has its own bucket
    clock.advance(1.0)
    await dev.blocks()


async def test_oversized_body_is_413_with_a_code(make_relay) -> None:
    relay = await make_relay(limits=Limits(max_body_bytes=2048))
    _, biz = await relay.business()
    async with (
        aiohttp.ClientSession() as s,
        s.put(
            relay.url + "/v1/businesses/me/profile",
            json={"name": "x", "description": "y" * 1900, "address": "z" * 500},
            headers={"Authorization": f"Bearer {biz.token}"},
        ) as resp,
    ):
        assert resp.status == 413
        assert (await resp.json())["error"]["code"] == "payload_too_large"
