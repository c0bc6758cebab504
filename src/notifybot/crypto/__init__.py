"""End-to-end encryption: the Signal protocol, byte-compatible with libsignal's version 3.

:class:`SignalSealer` is the business's :class:`~notifybot.sealing.Sealer`: one envelope per
device of the customer, opened the same way. :class:`SignalParty` is the reusable core (keys,
X3DH, Double Ratchet, sessions over a :class:`~notifybot.store.Store`, sealed under a
key-encryption key) that a customer's device uses too. See ``docs/crypto.md``.
"""

from notifybot.crypto.directory import MemoryPrekeyDirectory, PrekeyDirectory
from notifybot.crypto.errors import (
    BadMac,
    DuplicateMessage,
    InvalidKey,
    InvalidMessage,
    InvalidSignature,
    KeyUnwrapError,
    NoDevices,
    NoSession,
    TooManySkippedMessages,
    UnknownPreKey,
    UntrustedIdentity,
)
from notifybot.crypto.fingerprint import safety_number
from notifybot.crypto.keys import KeyPair
from notifybot.crypto.party import SignalParty
from notifybot.crypto.prekeys import DeviceKeys, OneTimePreKey, PreKeyBundle, SignedPreKey
from notifybot.crypto.sealer import SignalSealer, open_payload, seal_payload

__all__ = [
    "BadMac",
    "DeviceKeys",
    "DuplicateMessage",
    "InvalidKey",
    "InvalidMessage",
    "InvalidSignature",
    "KeyPair",
    "KeyUnwrapError",
    "MemoryPrekeyDirectory",
    "NoDevices",
    "NoSession",
    "OneTimePreKey",
    "PreKeyBundle",
    "PrekeyDirectory",
    "SignalParty",
    "SignalSealer",
    "SignedPreKey",
    "TooManySkippedMessages",
    "UnknownPreKey",
    "UntrustedIdentity",
    "open_payload",
    "safety_number",
    "seal_payload",
]
