"""Encrypt to and decrypt from peer devices, with sessions kept in a :class:`KeyStore`.

One lock per peer device serialises everything that reads and writes its session, so
concurrent sends never fork a ratchet. A message is opened on a freshly loaded copy of the
session; the copy is written back only after the caller's ``accept`` check of the plaintext
passes, so a message that fails anywhere leaves no trace (invariant 5: never half-opened).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from typing import TypeVar

from notifybot.crypto.errors import NoSession
from notifybot.crypto.keystore import Address, KeyStore
from notifybot.crypto.prekeys import PreKeyBundle
from notifybot.crypto.ratchet import SessionRecord, initiate, respond
from notifybot.crypto.wire import PreKeySignalMessage, SignalMessage
from notifybot.envelope import EnvelopeType
from notifybot.errors import EnvelopeError

T = TypeVar("T")
BundleSource = Callable[[], Awaitable[PreKeyBundle]]


class SessionCipher:
    """Signal sessions of one local device with any number of peer devices.

    ``trust_new_identities``: when a peer's identity key changes (a re-installed app), accept
    the new key instead of raising :class:`~notifybot.crypto.errors.UntrustedIdentity`.
    """

    def __init__(self, keys: KeyStore, *, trust_new_identities: bool = False) -> None:
        self.keys = keys
        self.trust_new_identities = trust_new_identities
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, address: Address) -> asyncio.Lock:
        lock = self._locks.get(address.key)
        if lock is None:
            lock = self._locks[address.key] = asyncio.Lock()
        return lock

    async def _check_identity(self, address: Address, identity_key: bytes) -> None:
        if not self.trust_new_identities:
            await self.keys.check_identity(address, identity_key)

    async def has_session(self, address: Address) -> bool:
        record = await self.keys.load_session(address)
        return record is not None and record.current is not None

    async def _start(self, address: Address, bundle: PreKeyBundle) -> SessionRecord:
        await self._check_identity(address, bundle.identity_key)
        identity = await self.keys.identity()
        state = initiate(identity.key_pair, identity.registration_id, bundle)
        record = await self.keys.load_session(address) or SessionRecord()
        record.promote(state)
        await self.keys.trust_identity(address, bundle.identity_key)
        return record

    async def start_session(self, address: Address, bundle: PreKeyBundle) -> None:
        """Start a new session with ``address`` from its prekey bundle (replacing any)."""
        async with self._lock(address):
            await self.keys.store_session(address, await self._start(address, bundle))

    async def encrypt(
        self, address: Address, plaintext: bytes, bundle: BundleSource | None = None
    ) -> tuple[EnvelopeType, bytes]:
        """Encrypt for ``address``. Without a session, ``bundle()`` is fetched to start one
        (under the device's lock, so concurrent sends use one bundle); with no ``bundle``
        either, :class:`NoSession` is raised."""
        async with self._lock(address):
            record = await self.keys.load_session(address)
            if record is None or record.current is None:
                if bundle is None:
                    raise NoSession(f"no session with {address}")
                record = await self._start(address, await bundle())
            assert record.current is not None
            result = record.current.encrypt(plaintext)
            await self.keys.store_session(address, record)
            return result

    async def decrypt(
        self,
        address: Address,
        kind: EnvelopeType,
        body: bytes,
        accept: Callable[[bytes], T],
    ) -> T:
        """Open a message from ``address`` and return ``accept(plaintext)``.

        The session (and a used one-time prekey) changes only when ``accept`` returns.
        """
        async with self._lock(address):
            record = await self.keys.load_session(address)
            used_prekey: int | None = None
            if kind is EnvelopeType.PREKEY:
                message = PreKeySignalMessage.parse(body)
                await self._check_identity(address, message.identity_key)
                record = record or SessionRecord()
                if not record.has_base_key(message.base_key):
                    identity = await self.keys.identity()
                    signed = await self.keys.signed_prekey(message.signed_prekey_id)
                    one_time = None
                    if message.prekey_id is not None:
                        one_time = await self.keys.prekey(message.prekey_id)
                        used_prekey = message.prekey_id
                    record.promote(
                        respond(
                            identity.key_pair, identity.registration_id, signed, one_time, message
                        )
                    )
                plaintext = record.decrypt(message.message)
            elif kind is EnvelopeType.SIGNAL:
                signal = SignalMessage.parse(body)
                if record is None or record.current is None:
                    raise NoSession(f"no session with {address}")
                plaintext = record.decrypt(signal)
            else:
                raise EnvelopeError(f"not a Signal message: envelope type {kind.name}")
            result = accept(plaintext)
            await self.keys.store_session(address, record)
            if kind is EnvelopeType.PREKEY:
                await self.keys.trust_identity(address, message.identity_key)
            if used_prekey is not None:
                await self.keys.remove_prekey(used_prekey)
            return result
