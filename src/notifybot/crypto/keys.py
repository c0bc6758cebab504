"""Curve25519 keys as libsignal uses them: X25519 agreement and XEdDSA signatures.

Public keys travel in libsignal's encoding, a type byte ``0x05`` then the 32-byte Montgomery
``u`` coordinate. Signatures follow libsignal: an Ed25519 signature made with the Curve25519
private key, the sign bit of the Ed25519 public key carried in the top bit of the last byte
(always 0 for the signatures made here, which force that bit as XEdDSA does).
"""

from __future__ import annotations

import hmac
import os

import attrs
import xeddsa
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from notifybot.crypto.errors import InvalidKey

#: The type byte of a Curve25519 public key in libsignal's encoding.
DJB_TYPE = 0x05
KEY_SIZE = 32
SIGNATURE_SIZE = 64


def _clamp(raw: bytes) -> bytes:
    b = bytearray(raw)
    b[0] &= 248
    b[31] &= 127
    b[31] |= 64
    return bytes(b)


_P = 2**255 - 19


def check_public(public: bytes) -> bytes:
    """``public`` if it is a canonical 32-byte ``u`` coordinate, else :class:`InvalidKey`.

    X25519 ignores bit 255 and reduces ``u`` modulo p, so a non-canonical encoding would be a
    second spelling of the same key: an unauthenticated bit (say, of a PreKey message's base
    key) could then change without the MAC noticing. Keys made by X25519 are always canonical.
    """
    if len(public) != KEY_SIZE:
        raise InvalidKey(f"a Curve25519 public key is {KEY_SIZE} bytes, not {len(public)}")
    if int.from_bytes(public, "little") >= _P:
        raise InvalidKey("non-canonical Curve25519 public key")
    return bytes(public)


def encode_public(public: bytes) -> bytes:
    """libsignal's 33-byte encoding of a 32-byte public key."""
    return bytes((DJB_TYPE,)) + check_public(public)


def decode_public(data: bytes) -> bytes:
    """The 32-byte public key in libsignal's encoding; :class:`InvalidKey` if it is not one."""
    if len(data) != KEY_SIZE + 1 or data[0] != DJB_TYPE:
        raise InvalidKey("not a Curve25519 public key in libsignal's 33-byte encoding")
    return check_public(data[1:])


@attrs.frozen(repr=False)
class KeyPair:
    """A Curve25519 key pair. Its ``repr`` never shows the private key."""

    private: bytes = attrs.field(eq=False)
    public: bytes

    @classmethod
    def generate(cls) -> KeyPair:
        return cls.from_private(os.urandom(KEY_SIZE))

    @classmethod
    def from_private(cls, private: bytes) -> KeyPair:
        if len(private) != KEY_SIZE:
            raise InvalidKey(f"a Curve25519 private key is {KEY_SIZE} bytes")
        private = _clamp(private)
        public = (
            X25519PrivateKey.from_private_bytes(private)
            .public_key()
            .public_bytes(Encoding.Raw, PublicFormat.Raw)
        )
        return cls(private, public)

    def agree(self, their_public: bytes) -> bytes:
        """X25519 with ``their_public``; :class:`InvalidKey` for a low-order point."""
        try:
            return X25519PrivateKey.from_private_bytes(self.private).exchange(
                X25519PublicKey.from_public_bytes(check_public(their_public))
            )
        except ValueError as exc:
            raise InvalidKey(f"key agreement failed: {exc}") from None

    def sign(self, message: bytes) -> bytes:
        """An XEdDSA signature of ``message`` (verifiable by libsignal)."""
        return xeddsa.ed25519_priv_sign(xeddsa.priv_force_sign(self.private, False), message)

    def __repr__(self) -> str:
        return f"KeyPair(public={self.public.hex()[:16]}…, private=<redacted>)"


def verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is libsignal's signature of ``message`` by ``public``."""
    if len(public) != KEY_SIZE or len(signature) != SIGNATURE_SIZE:
        return False
    sign_bit = signature[63] >> 7
    sig = signature[:63] + bytes((signature[63] & 0x7F,))
    ed_public = xeddsa.curve25519_pub_to_ed25519_pub(public, bool(sign_bit))
    return bool(xeddsa.ed25519_verify(sig, ed_public, message))


def same_key(a: bytes, b: bytes) -> bool:
    """Constant-time equality of two keys."""
    return hmac.compare_digest(a, b)
