"""The end-to-end encryption errors, under :class:`~notifybot.errors.CryptoError`::

    CryptoError
    ├── UntrustedIdentity    a peer's identity key changed; not trusted until ``trust_identity``
    ├── InvalidSignature     a prekey bundle whose signed prekey signature does not verify
    ├── InvalidKey           a public key that is malformed or of low order
    ├── NoSession            a ``SIGNAL`` message arrived and there is no session to open it
    ├── MissingPreKey        a ``PREKEY`` message names a prekey this device does not hold
    ├── DuplicateMessage     a message that was already opened (a replay)
    └── NoDevices            the recipient has no registered device

A malformed or tampered message (bad MAC, bad padding, metadata that does not match the
envelope) is an :class:`~notifybot.errors.EnvelopeError`, like any other bad envelope. No error
leaves session state half-advanced: a failed open changes nothing.
"""

from __future__ import annotations

from notifybot.errors import CryptoError


class UntrustedIdentity(CryptoError):
    """The identity key of ``address`` differs from the one recorded for it."""

    code = "untrusted_identity"

    def __init__(self, address: str, identity_key: bytes) -> None:
        self.address = address
        #: The new 32-byte identity key (pass it to ``KeyStore.trust_identity`` to accept it).
        self.identity_key = identity_key
        super().__init__(f"the identity key of {address} changed; it is not trusted")


class InvalidSignature(CryptoError):
    """A signed prekey whose signature does not verify with the identity key."""

    code = "invalid_signature"


class InvalidKey(CryptoError):
    """A public key that is malformed, or of low order (an all-zero shared secret)."""

    code = "invalid_key"


class NoSession(CryptoError):
    """A ``SIGNAL`` message from a device we have no session with."""

    code = "no_session"


class MissingPreKey(CryptoError):
    """A ``PREKEY`` message names a signed or one-time prekey this device does not hold."""

    code = "missing_prekey"


class DuplicateMessage(CryptoError):
    """A message whose keys were already used: a replay or a duplicate delivery."""

    code = "duplicate_message"


class NoDevices(CryptoError):
    """The recipient has no device registered in the key directory."""

    code = "no_devices"
