"""The Signal sealer: one end-to-end encrypted envelope per device of the recipient.

What is encrypted is a header line binding the envelope's metadata (message id, sender and
device, recipient and device, time, template, category), then the :class:`Content` JSON, padded
as Signal pads (``0x80`` then zeros, to a multiple of 160 bytes) so the relay does not learn
exact lengths. Opening checks the header against the envelope it came in: an envelope whose
metadata was changed on the way is refused whole, and its session is left as it was.
"""

from __future__ import annotations

import json
from typing import Any

import attrs

from notifybot.crypto.cipher import SessionCipher
from notifybot.crypto.directory import KeyDirectory
from notifybot.crypto.errors import NoDevices
from notifybot.crypto.keystore import Address, KeyStore
from notifybot.crypto.prekeys import PreKeyBundle
from notifybot.envelope import Content, Envelope, EnvelopeType
from notifybot.errors import ConfigurationError, EnvelopeError
from notifybot.sealing import OutboundMessage
from notifybot.store.base import Store

PAD_BLOCK = 160


def pad(data: bytes) -> bytes:
    """Signal's padding: ``0x80``, then zeros up to a multiple of :data:`PAD_BLOCK`."""
    size = (len(data) // PAD_BLOCK + 1) * PAD_BLOCK
    return data + b"\x80" + bytes(size - len(data) - 1)


def unpad(data: bytes) -> bytes:
    end = len(data.rstrip(b"\x00")) - 1
    if end < 0 or data[end] != 0x80:
        raise EnvelopeError("bad message padding")
    return data[:end]


def _header(env: Envelope) -> dict[str, Any]:
    return {
        "id": env.message_id,
        "from": env.sender,
        "from_device": env.sender_device,
        "to": env.recipient,
        "device": env.device_id,
        "ts": env.timestamp_ms,
        "template": env.template_id,
        "category": env.category,
    }


def _wrap(env: Envelope, content: Content) -> bytes:
    header = json.dumps(_header(env), separators=(",", ":"), ensure_ascii=False).encode()
    return pad(header + b"\n" + content.to_bytes())


def _unwrap(env: Envelope, plaintext: bytes) -> Content:
    header, sep, content = unpad(plaintext).partition(b"\n")
    try:
        bound = json.loads(header) if sep else None
    except (ValueError, UnicodeDecodeError):
        bound = None
    if bound != _header(env):
        raise EnvelopeError("envelope metadata does not match what the sender sealed")
    return Content.from_bytes(content)


class SignalSealer:
    """Seals for, and opens from, peers' devices as one local device (``name``, ``device_id``).

    Both sides use it: the business's bot, and a customer's device (``notifybot.testing``'s
    fake devices). Keys and sessions live in ``store``; peers' keys come from ``directory``.
    """

    end_to_end = True

    def __init__(
        self,
        name: str,
        device_id: int,
        store: Store,
        directory: KeyDirectory,
        *,
        trust_new_identities: bool = False,
    ) -> None:
        self.address = Address(name, device_id)
        self.keys = KeyStore(store)
        self.cipher = SessionCipher(self.keys, trust_new_identities=trust_new_identities)
        self.directory = directory

    async def register(self, one_time_prekeys: int = 20) -> None:
        """Publish this device's keys (identity made on first use) with fresh prekeys."""
        keys = await self.keys.device_keys(one_time_prekeys)
        await self.directory.publish(self.address.name, self.address.device_id, keys)

    async def seal(self, message: OutboundMessage) -> list[Envelope]:
        if message.sender != self.address.name:
            raise ConfigurationError(
                f"this sealer seals as {self.address.name!r}, not {message.sender!r}"
            )
        devices = await self.directory.devices(message.recipient)
        if not devices:
            raise NoDevices(f"{message.recipient!r} has no registered device")
        envelopes = []
        for device_id in devices:
            peer = Address(message.recipient, device_id)

            async def fetch(peer: Address = peer) -> PreKeyBundle:
                return await self.directory.bundle(peer.name, peer.device_id)

            draft = Envelope(
                message_id=message.message_id,
                sender=message.sender,
                recipient=message.recipient,
                device_id=device_id,
                type=EnvelopeType.SIGNAL,
                timestamp_ms=message.timestamp_ms,
                body=b"",
                template_id=message.content.template_id,
                category=message.category,
                sender_device=self.address.device_id,
            )
            kind, body = await self.cipher.encrypt(peer, _wrap(draft, message.content), fetch)
            envelopes.append(attrs.evolve(draft, type=kind, body=body))
        return envelopes

    async def open(self, envelope: Envelope) -> Content:
        if envelope.recipient != self.address.name or envelope.device_id != self.address.device_id:
            raise EnvelopeError(f"envelope is not addressed to {self.address}")
        peer = Address(envelope.sender, envelope.sender_device)
        return await self.cipher.decrypt(
            peer, envelope.type, envelope.body, lambda plaintext: _unwrap(envelope, plaintext)
        )
