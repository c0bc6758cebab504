"""A device's keys and sessions, kept in a :class:`~notifybot.store.Store`'s key-value area.

Namespaces (all values bytes): ``crypto.identity`` (this device's identity key, registration
id and prekey id counters), ``crypto.prekey`` and ``crypto.signed_prekey`` (private prekeys by
id), ``crypto.session`` and ``crypto.peer_identity`` (per peer device, keyed ``name/device``).
Nothing here logs, and no ``repr`` shows a private key.
"""

from __future__ import annotations

import asyncio
import json
import secrets

import attrs

from notifybot.crypto.errors import MissingPreKey, UntrustedIdentity
from notifybot.crypto.keys import KeyPair, encode_public, same_key
from notifybot.crypto.prekeys import MAX_PREKEY_ID, DeviceKeys, OneTimePreKey, SignedPreKey
from notifybot.crypto.ratchet import SessionRecord
from notifybot.store.base import Store

NS_IDENTITY = "crypto.identity"
NS_PREKEY = "crypto.prekey"
NS_SIGNED_PREKEY = "crypto.signed_prekey"
NS_SESSION = "crypto.session"
NS_PEER_IDENTITY = "crypto.peer_identity"


@attrs.frozen
class Address:
    """One device of a peer (a business, or a customer)."""

    name: str
    device_id: int

    @property
    def key(self) -> str:
        return f"{self.name}/{self.device_id}"

    def __str__(self) -> str:
        return self.key


@attrs.frozen(repr=False)
class LocalIdentity:
    """This device's identity key pair and registration id."""

    key_pair: KeyPair
    registration_id: int

    def __repr__(self) -> str:
        return f"LocalIdentity({self.key_pair!r}, registration_id={self.registration_id})"


class KeyStore:
    """Keys and sessions of one local device, over a store's key-value area."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._identity: LocalIdentity | None = None
        # Guards read-modify-write of this device's record (identity, prekey id counters).
        self._meta_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"KeyStore({type(self.store).__name__})"

    # -- this device -----------------------------------------------------------------------

    async def _meta(self) -> dict[str, int | str]:
        raw = await self.store.kv_get(NS_IDENTITY, "self")
        return {} if raw is None else dict(json.loads(raw))

    async def _put_meta(self, meta: dict[str, int | str]) -> None:
        await self.store.kv_put(NS_IDENTITY, "self", json.dumps(meta).encode())

    async def identity(self) -> LocalIdentity:
        """This device's identity, created on first use."""
        if self._identity is None:
            async with self._meta_lock:
                meta = await self._meta()
                if "private" not in meta:
                    meta["private"] = KeyPair.generate().private.hex()
                    meta["registration_id"] = secrets.randbelow(16380) + 1
                    await self._put_meta(meta)
                self._identity = LocalIdentity(
                    KeyPair.from_private(bytes.fromhex(str(meta["private"]))),
                    int(meta["registration_id"]),
                )
        return self._identity

    async def _next_ids(self, counter: str, count: int) -> list[int]:
        async with self._meta_lock:
            meta = await self._meta()
            start = int(meta.get(counter, 1))
            ids = [(start + i - 1) % MAX_PREKEY_ID + 1 for i in range(count)]
            meta[counter] = ids[-1] % MAX_PREKEY_ID + 1 if ids else start
            await self._put_meta(meta)
            return ids

    async def new_prekeys(self, count: int) -> list[OneTimePreKey]:
        """Make and keep ``count`` one-time prekeys; returns their public halves."""
        await self.identity()
        out = []
        for key_id in await self._next_ids("next_prekey_id", count):
            pair = KeyPair.generate()
            await self.store.kv_put(NS_PREKEY, str(key_id), pair.private)
            out.append(OneTimePreKey(key_id, pair.public))
        return out

    async def new_signed_prekey(self) -> SignedPreKey:
        """Make, sign and keep a new signed prekey; returns its public half."""
        identity = await self.identity()
        (key_id,) = await self._next_ids("next_signed_prekey_id", 1)
        pair = KeyPair.generate()
        signed = SignedPreKey(
            key_id, pair.public, identity.key_pair.sign(encode_public(pair.public))
        )
        record = {"private": pair.private.hex(), "sig": signed.signature.hex()}
        await self.store.kv_put(NS_SIGNED_PREKEY, str(key_id), json.dumps(record).encode())
        return signed

    async def device_keys(self, one_time_prekeys: int = 20) -> DeviceKeys:
        """A fresh signed prekey and ``one_time_prekeys`` one-time prekeys, ready to publish."""
        identity = await self.identity()
        return DeviceKeys(
            identity.key_pair.public,
            identity.registration_id,
            await self.new_signed_prekey(),
            tuple(await self.new_prekeys(one_time_prekeys)),
        )

    async def prekey(self, key_id: int) -> KeyPair:
        raw = await self.store.kv_get(NS_PREKEY, str(key_id))
        if raw is None:
            raise MissingPreKey(f"no one-time prekey {key_id} (already used, or never made)")
        return KeyPair.from_private(raw)

    async def remove_prekey(self, key_id: int) -> None:
        await self.store.kv_delete(NS_PREKEY, str(key_id))

    async def signed_prekey(self, key_id: int) -> KeyPair:
        raw = await self.store.kv_get(NS_SIGNED_PREKEY, str(key_id))
        if raw is None:
            raise MissingPreKey(f"no signed prekey {key_id}")
        return KeyPair.from_private(bytes.fromhex(json.loads(raw)["private"]))

    async def remove_signed_prekey(self, key_id: int) -> None:
        await self.store.kv_delete(NS_SIGNED_PREKEY, str(key_id))

    # -- peers -----------------------------------------------------------------------------

    async def load_session(self, address: Address) -> SessionRecord | None:
        raw = await self.store.kv_get(NS_SESSION, address.key)
        return None if raw is None else SessionRecord.from_bytes(raw)

    async def store_session(self, address: Address, record: SessionRecord) -> None:
        await self.store.kv_put(NS_SESSION, address.key, record.to_bytes())

    async def delete_session(self, address: Address) -> None:
        await self.store.kv_delete(NS_SESSION, address.key)

    async def forget_peer(self, name: str) -> None:
        """Delete every session and recorded identity of ``name`` (all its devices)."""
        for ns in (NS_SESSION, NS_PEER_IDENTITY):
            for key in await self.store.kv_keys(ns, f"{name}/"):
                if key[len(name) + 1 :].isdigit():
                    await self.store.kv_delete(ns, key)

    async def check_identity(self, address: Address, identity_key: bytes) -> None:
        """Trust on first use: raise :class:`UntrustedIdentity` if the key changed."""
        known = await self.store.kv_get(NS_PEER_IDENTITY, address.key)
        if known is not None and not same_key(known, identity_key):
            raise UntrustedIdentity(address.key, identity_key)

    async def trust_identity(self, address: Address, identity_key: bytes) -> None:
        """Record ``identity_key`` as the trusted identity of ``address``."""
        await self.store.kv_put(NS_PEER_IDENTITY, address.key, identity_key)

    async def peer_identity(self, address: Address) -> bytes | None:
        return await self.store.kv_get(NS_PEER_IDENTITY, address.key)
