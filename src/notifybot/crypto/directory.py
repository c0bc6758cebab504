"""The prekey directory: where senders find a peer's devices and fetch prekey bundles.

The relay serves one over the network; :class:`MemoryKeyDirectory` is the in-process one for
tests, demos and development. A directory hands each one-time prekey out once; when a device
has none left, bundles come without one (the session is then set up with three DH terms).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import attrs

from notifybot.crypto.errors import NoDevices
from notifybot.crypto.prekeys import DeviceKeys, OneTimePreKey, PreKeyBundle


@runtime_checkable
class PrekeyDirectory(Protocol):
    """Devices and prekey bundles by peer name."""

    async def devices(self, peer: str) -> list[int]:
        """The registered devices of ``peer`` (empty if none)."""
        ...

    async def bundle(self, peer: str, device_id: int) -> PreKeyBundle:
        """A bundle for one device, using up one of its one-time prekeys if any is left;
        :class:`NoDevices` if there is no such device."""
        ...


class MemoryPrekeyDirectory:
    """A :class:`PrekeyDirectory` in a dictionary; devices register with :meth:`publish`."""

    def __init__(self) -> None:
        self._keys: dict[str, dict[int, DeviceKeys]] = {}

    async def publish(self, peer: str, device_id: int, keys: DeviceKeys) -> None:
        """Register (or refresh) a device: identity, signed prekey, more one-time prekeys."""
        keys.signed_prekey.verify(keys.identity_key)
        old = self._keys.setdefault(peer, {}).get(device_id)
        if old is not None and old.identity_key == keys.identity_key:
            keys = attrs.evolve(keys, one_time_prekeys=old.one_time_prekeys + keys.one_time_prekeys)
        self._keys[peer][device_id] = keys

    async def remove_device(self, peer: str, device_id: int) -> None:
        self._keys.get(peer, {}).pop(device_id, None)

    async def devices(self, peer: str) -> list[int]:
        return sorted(self._keys.get(peer, {}))

    def prekeys_left(self, peer: str, device_id: int) -> int:
        return len(self._keys[peer][device_id].one_time_prekeys)

    async def bundle(self, peer: str, device_id: int) -> PreKeyBundle:
        keys = self._keys.get(peer, {}).get(device_id)
        if keys is None:
            raise NoDevices(f"{peer!r} has no device {device_id}")
        one_time: OneTimePreKey | None = None
        if keys.one_time_prekeys:
            one_time, *rest = keys.one_time_prekeys
            self._keys[peer][device_id] = attrs.evolve(keys, one_time_prekeys=tuple(rest))
        return keys.bundle(device_id, one_time)
