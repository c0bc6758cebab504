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
