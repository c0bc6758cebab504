"""One local device's Signal sessions with any number of peer devices.

:class:`SignalParty` is the reusable core: the business's :class:`SignalSealer` uses it, and
so can a customer's device. One lock per peer device serialises everything that reads and
writes its session, so concurrent sends never fork a ratchet. A message is opened on a
freshly loaded copy of the session; the copy is written back only once the message (and the
caller's ``accept`` check of its plaintext) passed, so a failure leaves no trace.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from typing import TypeVar

from notifybot.crypto.errors import InvalidMessage, NoSession
from notifybot.crypto.fingerprint import safety_number
from notifybot.crypto.keystore import Address, KeyStore
from notifybot.crypto.prekeys import DeviceKeys, PreKeyBundle
from notifybot.crypto.ratchet import SessionRecord, initiate, respond
from notifybot.crypto.wire import PreKeySignalMessage, SignalMessage
from notifybot.envelope import EnvelopeType
from notifybot.store.base import Store

T = TypeVar("T")
BundleSource = Callable[[], Awaitable[PreKeyBundle]]
#: ``accept(plaintext, registration_id)``: ``registration_id`` is the PreKey frame's (an
#: unauthenticated field the caller may check against the plaintext), ``None`` for SIGNAL.
Accept = Callable[[bytes, int | None], T]


def _plain(plaintext: bytes, _registration_id: int | None) -> bytes:
    return plaintext


class SignalParty:
    """Keys and sessions of one device, kept in ``store`` sealed under ``kek``.

    ``trust_new_identities``: accept a peer's changed identity key (a re-installed app)
    instead of raising :class:`~notifybot.crypto.errors.UntrustedIdentity`.
    """

    def __init__(self, store: Store, kek: bytes, *, trust_new_identities: bool = False) -> None:
        self.keys = KeyStore(store, kek)
        self.trust_new_identities = trust_new_identities
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def __repr__(self) -> str:
        return f"SignalParty({self.keys!r})"

    def _lock(self, address: Address) -> asyncio.Lock:
        lock = self._locks.get(address.key)
        if lock is None:
            lock = self._locks[address.key] = asyncio.Lock()
        return lock

    # -- own keys --------------------------------------------------------------------------

    async def device_keys(self, one_time_prekeys: int = 20) -> DeviceKeys:
        """This device's keys to publish (identity made on first use), with fresh prekeys."""
        return await self.keys.device_keys(one_time_prekeys)

    async def prekey_bundle(self, device_id: int) -> PreKeyBundle:
        """A bundle for this device: the current signed prekey and a new one-time prekey."""
        identity = await self.keys.identity()
        (one_time,) = await self.keys.new_prekeys(1)
        signed = await self.keys.current_signed_prekey()
        return PreKeyBundle(
            identity.key_pair.public, identity.registration_id, device_id, signed, one_time
        )

    # -- peers -----------------------------------------------------------------------------

    async def _check_identity(self, address: Address, identity_key: bytes) -> None:
        if not self.trust_new_identities:
            await self.keys.check_identity(address, identity_key)

    async def has_session(self, peer: str, device_id: int) -> bool:
        record = await self.keys.load_session(Address(peer, device_id))
        return record is not None and record.current is not None

    async def _start(self, address: Address, bundle: PreKeyBundle) -> SessionRecord:
        await self._check_identity(address, bundle.identity_key)
        identity = await self.keys.identity()
        state = initiate(identity.key_pair, identity.registration_id, bundle)
        record = await self.keys.load_session(address) or SessionRecord()
        record.promote(state)
        await self.keys.trust_identity(address, bundle.identity_key)
        return record

    async def process_bundle(self, peer: str, device_id: int, bundle: PreKeyBundle) -> None:
        """Start a new session with a peer device from its prekey bundle."""
        address = Address(peer, device_id)
        async with self._lock(address):
            await self.keys.store_session(address, await self._start(address, bundle))

    async def trust_identity(self, peer: str, device_id: int, identity_key: bytes) -> None:
        """Accept ``identity_key`` (from :class:`UntrustedIdentity`) for a peer device."""
        await self.keys.trust_identity(Address(peer, device_id), identity_key)

    async def forget_device(self, peer: str, device_id: int) -> None:
        """Drop the session with a device the peer no longer has (its identity stays known)."""
        await self.keys.delete_session(Address(peer, device_id))

    async def forget_peer(self, peer: str) -> None:
        """Drop every session and recorded identity of ``peer``."""
        await self.keys.forget_peer(peer)

    async def safety_number(self, local_id: str, peer: str, device_id: int) -> str:
        """The 60-digit safety number of this conversation, as libsignal computes it."""
        remote = await self.keys.peer_identity(Address(peer, device_id))
        if remote is None:
            raise NoSession(f"no identity known for {peer!r} device {device_id}")
        local = (await self.keys.identity()).key_pair.public
        return safety_number(local_id, local, peer, remote)

    # -- messages --------------------------------------------------------------------------

    async def encrypt(
        self, peer: str, device_id: int, plaintext: bytes, bundle: BundleSource | None = None
    ) -> tuple[EnvelopeType, bytes]:
        """Encrypt for a peer device. Without a session, ``bundle()`` is fetched to start one
        (under the device's lock, so concurrent sends use one bundle); with no ``bundle``
        either, :class:`NoSession` is raised."""
        address = Address(peer, device_id)
        async with self._lock(address):
            record = await self.keys.load_session(address)
            if record is None or record.current is None:
                if bundle is None:
                    raise NoSession(f"no session with {peer!r} device {device_id}")
                record = await self._start(address, await bundle())
            assert record.current is not None
            result = record.current.encrypt(plaintext)
            await self.keys.store_session(address, record)
            return result

    async def decrypt(
        self,
        peer: str,
        device_id: int,
        kind: EnvelopeType,
        data: bytes,
        accept: Accept[T] = _plain,  # type: ignore[assignment]
    ) -> T:
        """Open a message from a peer device and return ``accept(plaintext, registration_id)``.

        The session (and a used one-time prekey) changes only when ``accept`` returns.
        """
        address = Address(peer, device_id)
        async with self._lock(address):
            record = await self.keys.load_session(address)
            used_prekey: int | None = None
            registration_id: int | None = None
            if kind is EnvelopeType.PREKEY:
                message = PreKeySignalMessage.parse(data)
                registration_id = message.registration_id
                await self._check_identity(address, message.identity_key)
                record = record or SessionRecord()
                known = record.with_base_key(message.base_key)
                if known is None:
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
                elif (known.prekey_ids, known.remote_registration_id) != (
                    (message.prekey_id, message.signed_prekey_id),
                    message.registration_id,
                ):
                    raise InvalidMessage("PreKey message does not match the session it names")
                plaintext = record.decrypt(message.message)
            elif kind is EnvelopeType.SIGNAL:
                signal = SignalMessage.parse(data)
                if record is None or record.current is None:
                    raise NoSession(f"no session with {peer!r} device {device_id}")
                plaintext = record.decrypt(signal)
            else:
                raise InvalidMessage(f"not a Signal message: envelope type {kind.name}")
            result = accept(plaintext, registration_id)
            await self.keys.store_session(address, record)
            if kind is EnvelopeType.PREKEY:
                await self.keys.trust_identity(address, message.identity_key)
            if used_prekey is not None:
                await self.keys.remove_prekey(used_prekey)
            return result
