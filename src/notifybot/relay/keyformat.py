"""The relay's JSON form of keys, and a :class:`~notifybot.crypto.PrekeyDirectory` over it.

The relay stores public key material as opaque base64 strings (``{"id", "public",
"signature"}``); the crypto layer has its own JSON form. These functions translate, and
:class:`RelayPrekeyDirectory` lets a :class:`~notifybot.crypto.SignalSealer` (or a device)
fetch peers' bundles from the relay, parsed and signature-checked as ``PreKeyBundle``.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any, Protocol

from notifybot.crypto.errors import InvalidKey
from notifybot.crypto.prekeys import DeviceKeys, OneTimePreKey, PreKeyBundle


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def prekeys_doc(keys: Iterable[OneTimePreKey]) -> list[dict[str, Any]]:
    """One-time prekeys as the relay takes them."""
    return [{"id": k.key_id, "public": _b64(k.public)} for k in keys]


def keys_upload(keys: DeviceKeys) -> dict[str, Any]:
    """Arguments for :meth:`RelayClient.upload_keys` (``PUT /v1/keys``)."""
    spk = keys.signed_prekey
    return {
        "identity_key": _b64(keys.identity_key),
        "signed_prekey": {
            "id": spk.key_id,
            "public": _b64(spk.public),
            "signature": _b64(spk.signature),
        },
        "one_time_prekeys": prekeys_doc(keys.one_time_prekeys),
        "registration_id": keys.registration_id,
    }


def bundle_from_relay(doc: Any) -> PreKeyBundle:
    """Parse a relay bundle (``GET /v1/keys/{address}/{device}``) and check its signature;
    :class:`~notifybot.crypto.InvalidKey` / ``InvalidSignature`` if it is bad."""
    if not isinstance(doc, dict) or not isinstance(doc.get("signed_prekey"), dict):
        raise InvalidKey("relay bundle must be a JSON object with a signed prekey")
    spk = doc["signed_prekey"]
    otk = doc.get("one_time_prekey")
    return PreKeyBundle.from_json(
        {
            "identity": doc.get("identity_key"),
            "registration": doc.get("registration_id"),
            "device": doc.get("device_id"),
            "signed_prekey": {"id": spk.get("id"), "key": spk.get("public"),
                              "sig": spk.get("signature")},
            "prekey": None if not isinstance(otk, dict)
            else {"id": otk.get("id"), "key": otk.get("public")},
        }
    )  # fmt: skip


class _RawDirectory(Protocol):
    async def devices(self, address: str) -> list[int]: ...

    async def bundle(self, address: str, device_id: int) -> dict[str, Any]: ...


class RelayPrekeyDirectory:
    """A :class:`~notifybot.crypto.PrekeyDirectory` over the relay's key endpoints.

    ``source`` is anything with the relay's raw ``devices`` / ``bundle`` calls: a
    :class:`~notifybot.relay.client.RelayClient` or a
    :class:`~notifybot.transports.relay.RelayTransport`.
    """

    def __init__(self, source: _RawDirectory) -> None:
        self.source = source

    async def devices(self, peer: str) -> list[int]:
        return await self.source.devices(peer)

    async def bundle(self, peer: str, device_id: int) -> PreKeyBundle:
        return bundle_from_relay(await self.source.bundle(peer, device_id))


__all__ = ["RelayPrekeyDirectory", "bundle_from_relay", "keys_upload", "prekeys_doc"]
