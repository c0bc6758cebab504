"""What a device publishes so that others can start sessions with it.

A device publishes :class:`DeviceKeys` (its identity key, a signed prekey and a batch of
one-time prekeys) to a key directory. Someone starting a session fetches a
:class:`PreKeyBundle`, which holds at most one of the one-time prekeys; the directory hands each
one-time prekey out once. Both have a JSON form for the relay (keys in base64).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import attrs

from notifybot.crypto.errors import InvalidKey, InvalidSignature
from notifybot.crypto.keys import KEY_SIZE, SIGNATURE_SIZE, check_public, encode_public, verify

#: Prekey ids are 24-bit, as in libsignal.
MAX_PREKEY_ID = 0xFFFFFF


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any, size: int, what: str) -> bytes:
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise InvalidKey(f"{what} is not base64") from None
    if len(data) != size:
        raise InvalidKey(f"{what} must be {size} bytes")
    return check_public(data) if size == KEY_SIZE else data


def _id(value: Any, what: str) -> int:
    if type(value) is not int or not 0 <= value <= MAX_PREKEY_ID:
        raise InvalidKey(f"{what} must be an integer from 0 to {MAX_PREKEY_ID}")
    return value


def _registration_id(value: Any) -> int:
    if type(value) is not int or not 0 <= value < 2**32:
        raise InvalidKey("registration id must be a 32-bit unsigned integer")
    return value


@attrs.frozen
class SignedPreKey:
    """A medium-term prekey, signed with the device's identity key."""

    key_id: int
    public: bytes
    signature: bytes

    def verify(self, identity_key: bytes) -> None:
        """Raise :class:`InvalidSignature` unless ``identity_key`` signed this prekey."""
        if not verify(identity_key, encode_public(self.public), self.signature):
            raise InvalidSignature(f"the signature of signed prekey {self.key_id} is not valid")

    def to_json(self) -> dict[str, Any]:
        return {"id": self.key_id, "key": _b64(self.public), "sig": _b64(self.signature)}

    @classmethod
    def from_json(cls, doc: Any) -> SignedPreKey:
        if not isinstance(doc, dict):
            raise InvalidKey("signed prekey must be a JSON object")
        return cls(
            _id(doc.get("id"), "signed prekey id"),
            _unb64(doc.get("key"), KEY_SIZE, "signed prekey"),
            _unb64(doc.get("sig"), SIGNATURE_SIZE, "signed prekey signature"),
        )


@attrs.frozen
class OneTimePreKey:
    """A single-use prekey."""

    key_id: int
    public: bytes

    def to_json(self) -> dict[str, Any]:
        return {"id": self.key_id, "key": _b64(self.public)}

    @classmethod
    def from_json(cls, doc: Any) -> OneTimePreKey:
        if not isinstance(doc, dict):
            raise InvalidKey("one-time prekey must be a JSON object")
        return cls(_id(doc.get("id"), "prekey id"), _unb64(doc.get("key"), KEY_SIZE, "prekey"))


@attrs.frozen
class PreKeyBundle:
    """Everything needed to start a session with one device (one-time prekey optional)."""

    identity_key: bytes
    registration_id: int
    device_id: int
    signed_prekey: SignedPreKey
    one_time_prekey: OneTimePreKey | None = None

    def to_json(self) -> dict[str, Any]:
        otk = self.one_time_prekey
        return {
            "identity": _b64(self.identity_key),
            "registration": self.registration_id,
            "device": self.device_id,
            "signed_prekey": self.signed_prekey.to_json(),
            "prekey": None if otk is None else otk.to_json(),
        }

    @classmethod
    def from_json(cls, doc: Any) -> PreKeyBundle:
        """Parse (and check the signature of) a bundle; :class:`CryptoError` if it is bad."""
        if not isinstance(doc, dict):
            raise InvalidKey("prekey bundle must be a JSON object")
        device = doc.get("device")
        if type(device) is not int or not 0 <= device < 2**31:
            raise InvalidKey("bundle device id out of range")
        otk = doc.get("prekey")
        bundle = cls(
            _unb64(doc.get("identity"), KEY_SIZE, "identity key"),
            _registration_id(doc.get("registration")),
            device,
            SignedPreKey.from_json(doc.get("signed_prekey")),
            None if otk is None else OneTimePreKey.from_json(otk),
        )
        bundle.signed_prekey.verify(bundle.identity_key)
        return bundle


@attrs.frozen
class DeviceKeys:
    """What one device uploads to a key directory."""

    identity_key: bytes
    registration_id: int
    signed_prekey: SignedPreKey
    one_time_prekeys: tuple[OneTimePreKey, ...] = ()

    def bundle(self, device_id: int, one_time_prekey: OneTimePreKey | None) -> PreKeyBundle:
        return PreKeyBundle(
            self.identity_key,
            self.registration_id,
            device_id,
            self.signed_prekey,
            one_time_prekey,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "identity": _b64(self.identity_key),
            "registration": self.registration_id,
            "signed_prekey": self.signed_prekey.to_json(),
            "prekeys": [k.to_json() for k in self.one_time_prekeys],
        }

    @classmethod
    def from_json(cls, doc: Any) -> DeviceKeys:
        """Parse (and check the signature of) an upload; :class:`CryptoError` if it is bad."""
        if not isinstance(doc, dict) or not isinstance(doc.get("prekeys", []), list):
            raise InvalidKey("device keys must be a JSON object with a list of prekeys")
        keys = cls(
            _unb64(doc.get("identity"), KEY_SIZE, "identity key"),
            _registration_id(doc.get("registration")),
            SignedPreKey.from_json(doc.get("signed_prekey")),
            tuple(OneTimePreKey.from_json(k) for k in doc.get("prekeys", [])),
        )
        keys.signed_prekey.verify(keys.identity_key)
        return keys
