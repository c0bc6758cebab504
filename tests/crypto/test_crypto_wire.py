from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifybot.crypto.errors import InvalidMessage
from notifybot.crypto.keys import KeyPair, encode_public
from notifybot.crypto.wire import VERSION_BYTE, PreKeySignalMessage, SignalMessage, _encode
from notifybot.envelope import MAX_BODY_BYTES

ALICE, BOB = KeyPair.generate().public, KeyPair.generate().public
MAC_KEY = os.urandom(32)


def signal(counter: int = 7, previous: int = 3) -> SignalMessage:
    return SignalMessage.build(
        mac_key=MAC_KEY,
        sender_identity=ALICE,
        receiver_identity=BOB,
        ratchet_key=KeyPair.generate().public,
        counter=counter,
        previous_counter=previous,
        ciphertext=os.urandom(48),
    )


def test_signal_message_round_trip_and_mac() -> None:
    msg = signal()
    assert msg.serialized[0] == VERSION_BYTE == 0x33
    parsed = SignalMessage.parse(msg.serialized)
    assert parsed == msg
    assert parsed.verify_mac(MAC_KEY, ALICE, BOB)
    assert not parsed.verify_mac(MAC_KEY, BOB, ALICE)  # identities are bound, in order
    assert not parsed.verify_mac(os.urandom(32), ALICE, BOB)


def test_prekey_message_round_trip() -> None:
    for prekey_id in (None, 0, 31337, 0xFFFFFF):
        msg = PreKeySignalMessage.build(
            registration_id=16380,
            prekey_id=prekey_id,
            signed_prekey_id=22,
            base_key=KeyPair.generate().public,
            identity_key=ALICE,
            message=signal(),
        )
        assert PreKeySignalMessage.parse(msg.serialized) == msg


def test_unknown_fields_are_skipped() -> None:
    msg = signal()
    body = msg.serialized[1:-8]
    extra = _encode([(9, 5), (10, b"future")]) + b"\x5d\x01\x02\x03\x04" + b"\x59" + bytes(8)
    parsed = SignalMessage.parse(bytes((VERSION_BYTE,)) + extra + body + msg.serialized[-8:])
    assert (parsed.counter, parsed.ciphertext) == (msg.counter, msg.ciphertext)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x33",
        b"\x23" + bytes(20),  # version 2
        b"\x43" + bytes(20),  # version 4
        b"\x32" + bytes(20),  # version 3, but another "current version" nibble
        b"\x33" + bytes(MAX_BODY_BYTES),  # oversized
        b"\x33\x08" + b"\xff" * 11 + bytes(8),  # endless varint
        b"\x33\x22\x10abc" + bytes(8),  # truncated bytes field
        b"\x33\x0b" + bytes(8),  # wire type 3
        b"\x33\x00\x00" + bytes(8),  # field number 0
        b"\x33" + _encode([(2, 1), (4, b"x")]) + bytes(8),  # no ratchet key
        b"\x33" + _encode([(1, b"\x05" + bytes(31)), (2, 1), (4, b"x")]) + bytes(8),
        b"\x33" + _encode([(1, encode_public(ALICE)), (2, 2**32), (4, b"x")]) + bytes(8),
        b"\x33" + _encode([(1, encode_public(ALICE)), (2, b"1"), (4, b"x")]) + bytes(8),
    ],
)
def test_malformed_signal_messages(data: bytes) -> None:
    with pytest.raises(InvalidMessage):
        SignalMessage.parse(data)


def test_malformed_prekey_messages() -> None:
    inner = signal().serialized
    for fields in (
        [(2, encode_public(ALICE)), (3, encode_public(BOB)), (4, inner)],  # no signed prekey id
        [(6, 1), (2, encode_public(ALICE)), (3, encode_public(BOB))],  # no inner message
        [(6, 1), (3, encode_public(BOB)), (4, inner)],  # no base key
        [(6, 1), (2, encode_public(ALICE)), (3, b"junk"), (4, inner)],
        [(6, 1), (2, encode_public(ALICE)), (3, encode_public(BOB)), (4, b"\x33junk")],
    ):
        with pytest.raises(InvalidMessage):
            PreKeySignalMessage.parse(b"\x33" + _encode(fields))  # type: ignore[arg-type]


@given(st.binary(max_size=300))
def test_random_bytes_are_only_ever_invalid_messages(data: bytes) -> None:
    for parse in (SignalMessage.parse, PreKeySignalMessage.parse):
        try:
            parse(b"\x33" + data)
            parse(data)
        except InvalidMessage:
            pass
