"""The end-to-end encryption errors, under :class:`~notifybot.errors.CryptoError`::

    CryptoError
    ├── InvalidMessage          malformed or tampered Signal message (also an EnvelopeError)
    │   ├── BadMac              the message authentication code does not verify
    │   └── TooManySkippedMessages   a counter too far ahead of its chain
    ├── DuplicateMessage        a message whose keys were already used (a replay)
    ├── UnknownPreKey           a PreKey message names a prekey we do not hold (used, or never made)
    ├── InvalidSignature        a signed prekey whose signature does not verify
    ├── InvalidKey              a public key that is malformed or of low order
    ├── UntrustedIdentity       a peer's identity key changed (accept it with ``trust_identity``)
    ├── NoSession               a SIGNAL message from a device we have no session with
    ├── NoDevices               the recipient has no registered device
    └── KeyUnwrapError          a stored key does not decrypt (wrong key-encryption key)

A failure leaves every session as it was. No message here holds key material.
"""

from __future__ import annotations

from notifybot.errors import CryptoError, EnvelopeError


class InvalidMessage(CryptoError, EnvelopeError):
    """A malformed or tampered Signal message; the envelope is rejected whole."""

    code = "invalid_message"


class BadMac(InvalidMessage):
    """The message's MAC does not verify: it was altered, or is not for this session."""

    code = "bad_mac"


class TooManySkippedMessages(InvalidMessage):
    """The message's counter is further ahead of its chain than the bound allows."""

    code = "too_many_skipped_messages"


class DuplicateMessage(CryptoError):
    """A message that was already opened (a replay or a duplicate delivery)."""

    code = "duplicate_message"


class UnknownPreKey(CryptoError):
    """A PreKey message names a signed or one-time prekey this device does not hold."""

    code = "unknown_prekey"


class InvalidSignature(CryptoError):
    """A signed prekey whose signature does not verify with the identity key."""

    code = "invalid_signature"


class InvalidKey(CryptoError):
    """A public key that is malformed, or of low order (an all-zero shared secret)."""

    code = "invalid_key"


class UntrustedIdentity(CryptoError):
    """The identity key of a peer device differs from the one recorded for it."""

    code = "untrusted_identity"

    def __init__(self, peer: str, device_id: int, identity_key: bytes) -> None:
        self.peer = peer
        self.device_id = device_id
        #: The new public identity key: pass it to ``trust_identity`` to accept it.
        self.identity_key = identity_key
        super().__init__(f"the identity key of {peer!r} device {device_id} changed")


class NoSession(CryptoError):
    """A SIGNAL message from a device we have no session with."""

    code = "no_session"


class NoDevices(CryptoError):
    """The recipient has no device registered in the prekey directory."""

    code = "no_devices"


class KeyUnwrapError(CryptoError):
    """A stored key or session does not decrypt: a wrong key-encryption key, or altered data."""

    code = "key_unwrap"
