"""Helpers shared by the crypto tests."""

from __future__ import annotations

import asyncio

from notifybot.store import MemoryStore
from notifybot.store.base import Store

KEK = bytes(range(32))


class YieldingStore(MemoryStore):
    """A MemoryStore whose reads suspend, as a database's do (so coroutines interleave)."""

    async def kv_get(self, namespace: str, key: str) -> bytes | None:
        value = await super().kv_get(namespace, key)
        await asyncio.sleep(0)  # the answer comes back later
        return value


async def dump(store: Store) -> dict[tuple[str, str], bytes | None]:
    """Everything the crypto code keeps in ``store``."""
    out = {}
    for ns in ("identity", "prekey", "signed_prekey", "session", "peer_identity"):
        for key in await store.kv_keys(f"crypto.{ns}"):
            out[(ns, key)] = await store.kv_get(f"crypto.{ns}", key)
    return out
