from __future__ import annotations

import pytest

from notifybot.envelope import Button, Content, Envelope, EnvelopeType
from notifybot.errors import EnvelopeError


def make() -> Envelope:
    return Envelope("m1", "acme", "cust-1", 2, EnvelopeType.SIGNAL, 1767258000000, b"\x01\x02")


def test_round_trip() -> None:
    env = make()
    assert Envelope.from_bytes(env.to_bytes()) == env
    assert "<2 bytes>" in repr(env)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("id"),
        lambda d: d.update(v=9),
        lambda d: d.update(device="1"),
        lambda d: d.update(type=7),
        lambda d: d.update(body="not base64!"),
        lambda d: d.update(template=3),
        lambda d: d.update(to=""),
    ],
)
def test_malformed_envelopes_are_typed_errors(mutate: object) -> None:
    doc = make().to_json()
    mutate(doc)  # type: ignore[operator]
    with pytest.raises(EnvelopeError):
        Envelope.from_json(doc)


def test_garbage_bytes() -> None:
    for data in (b"", b"\xff\xfe", b"[]", b'"x"'):
        with pytest.raises(EnvelopeError):
            Envelope.from_bytes(data)


def test_content_round_trip() -> None:
    c = Content("Gate B12", (Button("Boarding pass", "https://x.example/bp"),), "gate", "fr")
    assert Content.from_bytes(c.to_bytes()) == c
    with pytest.raises(EnvelopeError):
        Content.from_bytes(b'{"text": 5}')


# expiry ------------------------------------------------------------------------------------
TS = 1767258000000


def test_round_trip_without_expiry_keeps_the_old_wire_form() -> None:
    env = make()
    assert env.expires_ms is None and "expires" not in env.to_json()
    assert not env.expired(TS + 10**12)
    old = env.to_json()  # the form envelopes had before expiries existed
    assert Envelope.from_json(old) == env
    assert Envelope.from_json({**old, "expires": None}) == env


def test_round_trip_with_expiry() -> None:
    env = Envelope("m1", "acme", "c", 1, EnvelopeType.SIGNAL, TS, b"\x01", expires_ms=TS + 900_000)
    doc = env.to_json()
    assert doc["expires"] == TS + 900_000
    back = Envelope.from_bytes(env.to_bytes())
    assert back == env and back.expires_ms == TS + 900_000
    assert not back.expired(TS + 899_999)
    assert back.expired(TS + 900_000) and back.expired(TS + 900_001)


@pytest.mark.parametrize(
    "value",
    ["1767258900000", 1767258900000.0, 1.5, True, False, [], {}, -1, 0, TS, TS - 1, 2**63],
)
def test_bad_expiry_values_are_typed_errors(value: object) -> None:
    doc = {**make().to_json(), "expires": value}
    with pytest.raises(EnvelopeError, match="expires"):
        Envelope.from_json(doc)


@pytest.mark.parametrize("value", [0, -5, 1767258000000, 2**62, "soon"])
def test_bad_expiry_in_the_constructor(value: object) -> None:
    with pytest.raises(EnvelopeError, match="expires"):
        Envelope("m", "a", "c", 1, EnvelopeType.SIGNAL, TS, b"", expires_ms=value)  # type: ignore[arg-type]
