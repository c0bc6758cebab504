"""A device's keys and sessions in a :class:`~notifybot.store.Store`'s key-value area.

Every value is sealed with AES-256-GCM under the key-encryption key (KEK) from the bot's
configuration, with the namespace and key as associated data (a value cannot be moved to
another slot). Namespaces: ``crypto.identity`` (this device's identity key, registration id,
prekey id counters), ``crypto.prekey`` and ``crypto.signed_prekey`` (by id), and, keyed
``peer/device``, ``crypto.session`` and ``crypto.peer_identity``.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from notifybot.crypto.errors import KeyUnwrapError, UnknownPreKey, UntrustedIdentity
from notifybot.crypto.keys import KeyPair, encode_public, same_key
from notifybot.crypto.prekeys import MAX_PREKEY_ID, DeviceKeys, OneTimePreKey, SignedPreKey
from notifybot.crypto.ratchet import SessionRecord
from notifybot.errors import ConfigurationError
from notifybot.store.base import Store

NS_IDENTITY = "crypto.identity"
NS_PREKEY = "crypto.prekey"
NS_SIGNED_PREKEY = "crypto.signed_prekey"
NS_SESSION = "crypto.session"
NS_PEER_IDENTITY = "crypto.peer_identity"
_NONCE = 12


@attrs.frozen
class Address:
    """One device of a peer (a business, or a customer)."""

    peer: str
    device_id: int

    @property
    def key(self) -> str:
        return f"{self.peer}/{self.device_id}"


@attrs.frozen(repr=False)
class LocalIdentity:
    """This device's identity key pair and registration id."""

    key_pair: KeyPair
    registration_id: int

    def __repr__(self) -> str:
        return f"LocalIdentity({self.key_pair!r}, registration_id={self.registration_id})"


class KeyStore:
    """Keys and sessions of one local device, sealed under ``kek`` (32 bytes)."""

    def __init__(self, store: Store, kek: bytes) -> None:
        if not isinstance(kek, bytes) or len(kek) != 32:
            raise ConfigurationError("the key-encryption key must be 32 random bytes")
        self.store = store
        self._aead = AESGCM(kek)
        self._identity: LocalIdentity | None = None
        # Guards read-modify-write of this device's record (identity, prekey id counters).
        self._meta_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"KeyStore({type(self.store).__name__}, kek=<redacted>)"

    # -- sealed values ---------------------------------------------------------------------

    async def _get(self, namespace: str, key: str) -> bytes | None:
        raw = await self.store.kv_get(namespace, key)
        if raw is None:
            return None
        try:
            return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], f"{namespace}\n{key}".encode())
        except (InvalidTag, ValueError):
            raise KeyUnwrapError(f"stored {namespace} {key!r} does not decrypt") from None

    async def _put(self, namespace: str, key: str, value: bytes) -> None:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, value, f"{namespace}\n{key}".encode())
        await self.store.kv_put(namespace, key, nonce + sealed)

    async def _meta(self) -> dict[str, int | str]:
        raw = await self._get(NS_IDENTITY, "self")
        return {} if raw is None else dict(json.loads(raw))

    async def _put_meta(self, meta: dict[str, int | str]) -> None:
        await self._put(NS_IDENTITY, "self", json.dumps(meta).encode())

    # -- this device -----------------------------------------------------------------------

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
            if counter == "next_signed_prekey_id" and ids:
                meta["signed_prekey_id"] = ids[-1]
            await self._put_meta(meta)
            return ids

    async def new_prekeys(self, count: int) -> list[OneTimePreKey]:
        """Make and keep ``count`` one-time prekeys; returns their public halves."""
        await self.identity()
        out = []
        for key_id in await self._next_ids("next_prekey_id", count):
            pair = KeyPair.generate()
            await self._put(NS_PREKEY, str(key_id), pair.private + pair.public)
            out.append(OneTimePreKey(key_id, pair.public))
        return out

    async def new_signed_prekey(self) -> SignedPreKey:
        """Make, sign and keep a new signed prekey (now the current one)."""
        identity = await self.identity()
        pair = KeyPair.generate()
        (key_id,) = await self._next_ids("next_signed_prekey_id", 1)
        signature = identity.key_pair.sign(encode_public(pair.public))
        await self._put(NS_SIGNED_PREKEY, str(key_id), pair.private + pair.public + signature)
        return SignedPreKey(key_id, pair.public, signature)

    async def current_signed_prekey(self) -> SignedPreKey:
        """The newest signed prekey (one is made if there is none)."""
        key_id = (await self._meta()).get("signed_prekey_id")
        raw = None if key_id is None else await self._get(NS_SIGNED_PREKEY, str(key_id))
        if key_id is None or raw is None:
            return await self.new_signed_prekey()
        return SignedPreKey(int(key_id), raw[32:64], raw[64:])

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
        raw = await self._get(NS_PREKEY, str(key_id))
        if raw is None:
            raise UnknownPreKey(f"no one-time prekey {key_id} (already used, or never made)")
        return KeyPair(raw[:32], raw[32:])

    async def remove_prekey(self, key_id: int) -> None:
        await self.store.kv_delete(NS_PREKEY, str(key_id))

    async def signed_prekey(self, key_id: int) -> KeyPair:
        raw = await self._get(NS_SIGNED_PREKEY, str(key_id))
        if raw is None:
            raise UnknownPreKey(f"no signed prekey {key_id}")
        return KeyPair(raw[:32], raw[32:64])

    async def remove_signed_prekey(self, key_id: int) -> None:
        await self.store.kv_delete(NS_SIGNED_PREKEY, str(key_id))

    # -- peers -----------------------------------------------------------------------------

    async def load_session(self, address: Address) -> SessionRecord | None:
        raw = await self._get(NS_SESSION, address.key)
        return None if raw is None else SessionRecord.from_bytes(raw)

    async def store_session(self, address: Address, record: SessionRecord) -> None:
        await self._put(NS_SESSION, address.key, record.to_bytes())

    async def delete_session(self, address: Address) -> None:
        await self.store.kv_delete(NS_SESSION, address.key)

    async def forget_peer(self, peer: str) -> None:
        """Delete every session and recorded identity of ``peer`` (all its devices)."""
        for ns in (NS_SESSION, NS_PEER_IDENTITY):
            for key in await self.store.kv_keys(ns, f"{peer}/"):
                if key[len(peer) + 1 :].isdigit():
                    await self.store.kv_delete(ns, key)

    async def check_identity(self, address: Address, identity_key: bytes) -> None:
        """Trust on first use: raise :class:`UntrustedIdentity` if the key changed."""
        known = await self.peer_identity(address)
        if known is not None and not same_key(known, identity_key):
            raise UntrustedIdentity(address.peer, address.device_id, identity_key)

    async def trust_identity(self, address: Address, identity_key: bytes) -> None:
        """Record ``identity_key`` as the trusted identity of ``address``."""
        await self._put(NS_PEER_IDENTITY, address.key, identity_key)

    async def peer_identity(self, address: Address) -> bytes | None:
        return await self._get(NS_PEER_IDENTITY, address.key)
