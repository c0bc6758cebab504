"""End-to-end encryption: libsignal's protocol (X3DH, Double Ratchet, v3 wire format).

The usual entry point is :class:`SignalSealer`, a :class:`~notifybot.sealing.Sealer` that
seals one envelope for each of the recipient's devices and opens inbound ones::

    directory = MemoryKeyDirectory()              # the relay's directory in production
    bot = SignalSealer("acme", 1, store, directory)
    await bot.register()                          # identity + prekeys, published
    envelopes = await bot.seal(outbound_message)  # one per device of the recipient
    content = await bot.open(inbound_envelope)

Messages interoperate with libsignal's version-3 ``SignalMessage`` / ``PreKeySignalMessage``
(the tests check against python-axolotl, a port of libsignal).
"""

from notifybot.crypto.cipher import SessionCipher
from notifybot.crypto.directory import KeyDirectory, MemoryKeyDirectory
from notifybot.crypto.errors import (
    DuplicateMessage,
    InvalidKey,
    InvalidSignature,
    MissingPreKey,
    NoDevices,
    NoSession,
    UntrustedIdentity,
)
from notifybot.crypto.keys import KeyPair
from notifybot.crypto.keystore import Address, KeyStore
from notifybot.crypto.prekeys import DeviceKeys, OneTimePreKey, PreKeyBundle, SignedPreKey
from notifybot.crypto.sealer import SignalSealer

__all__ = [
    "Address",
    "DeviceKeys",
    "DuplicateMessage",
    "InvalidKey",
    "InvalidSignature",
    "KeyDirectory",
    "KeyPair",
    "KeyStore",
    "MemoryKeyDirectory",
    "MissingPreKey",
    "NoDevices",
    "NoSession",
    "OneTimePreKey",
    "PreKeyBundle",
    "SessionCipher",
    "SignalSealer",
    "SignedPreKey",
    "UntrustedIdentity",
]
