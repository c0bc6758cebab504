"""The key directory: where devices publish their keys and senders fetch prekey bundles.

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
class KeyDirectory(Protocol):
    """Devices and prekeys by peer name."""

    async def publish(self, name: str, device_id: int, keys: DeviceKeys) -> None:
        """Register (or refresh) a device: identity, signed prekey, more one-time prekeys."""
        ...

    async def devices(self, name: str) -> list[int]:
        """The registered devices of ``name`` (empty if none)."""
        ...

    async def bundle(self, name: str, device_id: int) -> PreKeyBundle:
        """A bundle for one device, using up one of its one-time prekeys if any is left;
        :class:`NoDevices` if there is no such device."""
        ...


class MemoryKeyDirectory:
    """A :class:`KeyDirectory` in a dictionary."""

    def __init__(self) -> None:
        self._keys: dict[str, dict[int, DeviceKeys]] = {}

    async def publish(self, name: str, device_id: int, keys: DeviceKeys) -> None:
        keys.signed_prekey.verify(keys.identity_key)
        old = self._keys.setdefault(name, {}).get(device_id)
        if old is not None and old.identity_key == keys.identity_key:
            keys = attrs.evolve(keys, one_time_prekeys=old.one_time_prekeys + keys.one_time_prekeys)
        self._keys[name][device_id] = keys

    async def remove_device(self, name: str, device_id: int) -> None:
        self._keys.get(name, {}).pop(device_id, None)

    async def devices(self, name: str) -> list[int]:
        return sorted(self._keys.get(name, {}))

    def prekeys_left(self, name: str, device_id: int) -> int:
        return len(self._keys[name][device_id].one_time_prekeys)

    async def bundle(self, name: str, device_id: int) -> PreKeyBundle:
        keys = self._keys.get(name, {}).get(device_id)
        if keys is None:
            raise NoDevices(f"{name!r} has no device {device_id}")
        one_time: OneTimePreKey | None = None
        if keys.one_time_prekeys:
            one_time, *rest = keys.one_time_prekeys
            self._keys[name][device_id] = attrs.evolve(keys, one_time_prekeys=tuple(rest))
        return keys.bundle(device_id, one_time)
