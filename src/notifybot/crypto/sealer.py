"""The business's Signal sealer: one end-to-end encrypted envelope per customer device.

Envelopes follow the transport contract: ``sender`` and ``recipient`` are the business and
customer ids, and ``device_id`` is always the *customer's* device (the one sealed for, or
the one that sent). The encrypted payload is a header line that binds the envelope's
metadata (id, sender, recipient, device, time, template, category, and the expiry when it
has one) and the sender's registration id, then :meth:`Content.to_bytes`, padded as Signal
pads (``0x80`` then zeros to a multiple of 160 bytes) so the relay does not learn exact
lengths. Opening checks the header against the envelope it came in: a changed field rejects
the envelope whole, and its session stays as it was. The header has an ``exp`` key exactly
when the envelope has an expiry, so a relay can neither extend, remove nor add one (and
headers sealed before expiries existed still open). A customer's device frames its payload
with the same two functions.
"""

from __future__ import annotations

import json
from typing import Any

import attrs

from notifybot.crypto.directory import PrekeyDirectory
from notifybot.crypto.errors import InvalidMessage, NoDevices
from notifybot.crypto.party import SignalParty
from notifybot.crypto.prekeys import DeviceKeys, PreKeyBundle
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
        raise InvalidMessage("bad message padding")
    return data[:end]


def _header(env: Envelope, registration_id: int | None) -> dict[str, Any]:
    header = {
        "id": env.message_id,
        "from": env.sender,
        "to": env.recipient,
        "device": env.device_id,
        "ts": env.timestamp_ms,
        "template": env.template_id,
        "category": env.category,
        "reg": registration_id,
    }
    if env.expires_ms is not None:  # absent otherwise: headers sealed before expiry existed
        header["exp"] = env.expires_ms
    return header


def seal_payload(envelope: Envelope, content: Content, registration_id: int) -> bytes:
    """The plaintext to encrypt for ``envelope`` (its body is ignored)."""
    header = json.dumps(_header(envelope, registration_id), separators=(",", ":")).encode()
    return pad(header + b"\n" + content.to_bytes())


def open_payload(envelope: Envelope, plaintext: bytes, registration_id: int | None) -> Content:
    """The content of a decrypted payload, if its header matches ``envelope`` (and the PreKey
    frame's ``registration_id``, when there is one); else :class:`EnvelopeError`."""
    header, sep, content = unpad(plaintext).partition(b"\n")
    try:
        bound = json.loads(header) if sep else None
    except (ValueError, UnicodeDecodeError):
        bound = None
    if not isinstance(bound, dict):
        raise InvalidMessage("payload without a header")
    if registration_id is None:
        registration_id = bound.get("reg")
    if bound != _header(envelope, registration_id):
        raise EnvelopeError("envelope metadata does not match what the sender sealed")
    return Content.from_bytes(content)


class SignalSealer:
    """The business's :class:`~notifybot.sealing.Sealer` for end-to-end transports.

    ``kek``: the 32-byte key-encryption key that seals keys and sessions in ``store``.
    ``device_id``: the business's own device number in its published bundle.
    """

    end_to_end = True

    def __init__(
        self,
        name: str,
        store: Store,
        directory: PrekeyDirectory,
        *,
        kek: bytes,
        device_id: int = 1,
        trust_new_identities: bool = False,
    ) -> None:
        self.name = name
        self.device_id = device_id
        self.party = SignalParty(store, kek, trust_new_identities=trust_new_identities)
        self.directory = directory

    def __repr__(self) -> str:
        return f"SignalSealer({self.name!r}, {self.party!r})"

    async def seal(self, message: OutboundMessage) -> list[Envelope]:
        if message.sender != self.name:
            raise ConfigurationError(f"this sealer seals as {self.name!r}, not {message.sender!r}")
        devices = await self.directory.devices(message.recipient)
        if not devices:
            raise NoDevices(f"{message.recipient!r} has no registered device")
        registration_id = (await self.party.keys.identity()).registration_id
        envelopes = []
        for device_id in devices:

            async def fetch(device_id: int = device_id) -> PreKeyBundle:
                return await self.directory.bundle(message.recipient, device_id)

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
                expires_ms=message.expires_ms,
            )
            plaintext = seal_payload(draft, message.content, registration_id)
            kind, body = await self.party.encrypt(message.recipient, device_id, plaintext, fetch)
            envelopes.append(attrs.evolve(draft, type=kind, body=body))
        return envelopes

    async def open(self, envelope: Envelope) -> Content:
        if envelope.recipient != self.name:
            raise EnvelopeError(f"envelope is not addressed to {self.name!r}")

        def accept(plaintext: bytes, registration_id: int | None) -> Content:
            return open_payload(envelope, plaintext, registration_id)

        return await self.party.decrypt(
            envelope.sender, envelope.device_id, envelope.type, envelope.body, accept
        )

    async def device_keys(self, one_time_prekeys: int = 20) -> DeviceKeys:
        """The business's keys to publish to the relay (see :meth:`SignalParty.device_keys`)."""
        return await self.party.device_keys(one_time_prekeys)

    async def forget_customer(self, customer: str) -> None:
        """Erase every session and identity key of ``customer`` (right to erasure)."""
        await self.party.forget_peer(customer)

    async def drop_device(self, customer: str, device_id: int) -> None:
        """Forget a device the customer no longer has (when the relay says it is stale)."""
        await self.party.forget_device(customer, device_id)

    async def trust_identity(self, customer: str, device_id: int, identity_key: bytes) -> None:
        """Accept a customer device's new identity key (see :class:`UntrustedIdentity`)."""
        await self.party.trust_identity(customer, device_id, identity_key)

    async def safety_number(self, customer: str, device_id: int) -> str:
        """The safety number of the conversation with a customer device."""
        return await self.party.safety_number(self.name, customer, device_id)
