"""libsignal's version-3 message formats (``SignalMessage``, ``PreKeySignalMessage``).

Both start with a version byte, ``(3 << 4) | 3``, then a protobuf body; a ``SignalMessage``
ends with an 8-byte MAC: the first 8 bytes of HMAC-SHA256 over the sender's and receiver's
encoded identity keys and the message up to the MAC. The few protobuf fields they use are
encoded here directly; parsing skips unknown fields and rejects anything malformed with an
:class:`~notifybot.crypto.errors.InvalidMessage`. The version byte must be exactly ``0x33``.

As in libsignal, a ``PreKeySignalMessage``'s registration id and prekey ids are not covered by
a MAC: the ids only choose the keys of a new session (a changed id gives the wrong keys, and
the inner message's MAC fails). Once the session exists, :mod:`notifybot.crypto.party`
checks them against the ones it was set up with, and the sealer binds the registration id
inside the ciphertext, so that no bit of a message can change unnoticed.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator

import attrs

from notifybot.crypto.errors import InvalidKey, InvalidMessage
from notifybot.crypto.keys import decode_public, encode_public
from notifybot.envelope import MAX_BODY_BYTES

MESSAGE_VERSION = 3
VERSION_BYTE = (MESSAGE_VERSION << 4) | MESSAGE_VERSION
MAC_SIZE = 8
_UINT32_MAX = 2**32 - 1

# protobuf wire types
_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _encode(fields: list[tuple[int, int | bytes | None]]) -> bytes:
    out = bytearray()
    for number, value in fields:
        if value is None:
            continue
        if isinstance(value, int):
            out += _varint(number << 3 | _VARINT) + _varint(value)
        else:
            out += _varint(number << 3 | _LEN) + _varint(len(value)) + value
    return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while pos < len(data) and shift < 70:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise InvalidMessage("malformed Signal message: bad varint")


def _decode(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise InvalidMessage("malformed Signal message: field number 0")
        if wire_type == _VARINT:
            value, pos = _read_varint(data, pos)
            yield number, value
        elif wire_type == _LEN:
            size, pos = _read_varint(data, pos)
            if pos + size > len(data):
                raise InvalidMessage("malformed Signal message: truncated field")
            yield number, data[pos : pos + size]
            pos += size
        elif wire_type in (_I64, _I32):
            pos += 8 if wire_type == _I64 else 4
            if pos > len(data):
                raise InvalidMessage("malformed Signal message: truncated field")
        else:
            raise InvalidMessage(f"malformed Signal message: wire type {wire_type}")


def _fields(data: bytes, spec: dict[int, type]) -> dict[int, int | bytes]:
    """Known fields of a protobuf message, checked against their types (last one wins)."""
    found: dict[int, int | bytes] = {}
    for number, value in _decode(data):
        kind = spec.get(number)
        if kind is None:
            continue
        if not isinstance(value, kind) or (kind is int and value > _UINT32_MAX):  # type: ignore[operator]
            raise InvalidMessage(f"malformed Signal message: bad field {number}")
        found[number] = value
    return found


def _check_version(data: bytes) -> None:
    if not data:
        raise InvalidMessage("empty Signal message")
    if len(data) > MAX_BODY_BYTES:
        raise InvalidMessage(f"Signal message over {MAX_BODY_BYTES} bytes")
    if data[0] != VERSION_BYTE:
        raise InvalidMessage(f"unsupported Signal message version byte {data[0]:#04x}")


def _key(value: int | bytes | None, what: str) -> bytes:
    if not isinstance(value, bytes):
        raise InvalidMessage(f"Signal message without {what}")
    try:
        return decode_public(value)
    except InvalidKey:
        raise InvalidMessage(f"Signal message with a malformed {what}") from None


def _mac(mac_key: bytes, sender_identity: bytes, receiver_identity: bytes, data: bytes) -> bytes:
    signed = b"\x05" + sender_identity + b"\x05" + receiver_identity + data
    return hmac.digest(mac_key, signed, "sha256")[:MAC_SIZE]


@attrs.frozen
class SignalMessage:
    """One Double Ratchet message (``EnvelopeType.SIGNAL``)."""

    ratchet_key: bytes
    counter: int
    previous_counter: int
    ciphertext: bytes
    serialized: bytes = attrs.field(repr=False)

    @classmethod
    def build(
        cls,
        *,
        mac_key: bytes,
        sender_identity: bytes,
        receiver_identity: bytes,
        ratchet_key: bytes,
        counter: int,
        previous_counter: int,
        ciphertext: bytes,
    ) -> SignalMessage:
        body = bytes((VERSION_BYTE,)) + _encode(
            [
                (1, encode_public(ratchet_key)),
                (2, counter),
                (3, previous_counter),
                (4, ciphertext),
            ]
        )
        mac = _mac(mac_key, sender_identity, receiver_identity, body)
        return cls(ratchet_key, counter, previous_counter, ciphertext, body + mac)

    @classmethod
    def parse(cls, data: bytes) -> SignalMessage:
        _check_version(data)
        if len(data) < 1 + MAC_SIZE:
            raise InvalidMessage("Signal message too short")
        f = _fields(data[1:-MAC_SIZE], {1: bytes, 2: int, 3: int, 4: bytes})
        counter, ciphertext = f.get(2), f.get(4)
        if not isinstance(counter, int) or not isinstance(ciphertext, bytes) or not ciphertext:
            raise InvalidMessage("incomplete Signal message")
        previous = f.get(3, 0)
        assert isinstance(previous, int)
        return cls(_key(f.get(1), "ratchet key"), counter, previous, ciphertext, bytes(data))

    def verify_mac(self, mac_key: bytes, sender_identity: bytes, receiver_identity: bytes) -> bool:
        body, mac = self.serialized[:-MAC_SIZE], self.serialized[-MAC_SIZE:]
        expected = _mac(mac_key, sender_identity, receiver_identity, body)
        return hmac.compare_digest(expected, mac)


@attrs.frozen
class PreKeySignalMessage:
    """The first messages of a session (``EnvelopeType.PREKEY``): X3DH inputs + a message."""

    registration_id: int
    prekey_id: int | None
    signed_prekey_id: int
    base_key: bytes
    identity_key: bytes
    message: SignalMessage
    serialized: bytes = attrs.field(repr=False)

    @classmethod
    def build(
        cls,
        *,
        registration_id: int,
        prekey_id: int | None,
        signed_prekey_id: int,
        base_key: bytes,
        identity_key: bytes,
        message: SignalMessage,
    ) -> PreKeySignalMessage:
        body = bytes((VERSION_BYTE,)) + _encode(
            [
                (1, prekey_id),
                (2, encode_public(base_key)),
                (3, encode_public(identity_key)),
                (4, message.serialized),
                (5, registration_id),
                (6, signed_prekey_id),
            ]
        )
        return cls(
            registration_id, prekey_id, signed_prekey_id, base_key, identity_key, message, body
        )

    @classmethod
    def parse(cls, data: bytes) -> PreKeySignalMessage:
        _check_version(data)
        f = _fields(data[1:], {1: int, 2: bytes, 3: bytes, 4: bytes, 5: int, 6: int})
        signed_id, inner = f.get(6), f.get(4)
        if not isinstance(signed_id, int) or not isinstance(inner, bytes):
            raise InvalidMessage("incomplete PreKey Signal message")
        prekey_id = f.get(1)
        registration_id = f.get(5, 0)
        assert prekey_id is None or isinstance(prekey_id, int)
        assert isinstance(registration_id, int)
        return cls(
            registration_id,
            prekey_id,
            signed_id,
            _key(f.get(2), "base key"),
            _key(f.get(3), "identity key"),
            SignalMessage.parse(inner),
            bytes(data),
        )
