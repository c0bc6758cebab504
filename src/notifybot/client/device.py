"""``Device``: a customer's phone on a notifybot relay.

It makes its keys (through :class:`~notifybot.crypto.SignalParty`, sealed in its store under
its key-encryption key), registers, publishes identity, signed prekey and one-time prekeys,
tops them up when the relay says they run low, and keeps a WebSocket open. For each
envelope: parse → skip if already shown (the message id; a retried send is never shown
twice) → decrypt and check the sealed header → drop it unshown if its (sealed) expiry has
passed by the device's own clock (acknowledged as ``expired``: the relay deletes it and the
business gets ``expired``) → check template conformance (a mismatch is reported to the relay
and the message is flagged, not shown) → show → acknowledge (the business gets
``delivered``) → send a read receipt (``auto_read``; else :meth:`mark_read`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from typing import Any, Literal

import attrs

from notifybot.billing import parse_phone
from notifybot.client.conformance import TemplateCheck
from notifybot.client.inbox import Inbox, InboxMessage
from notifybot.clock import Clock, SystemClock, to_millis
from notifybot.crypto.errors import DuplicateMessage
from notifybot.crypto.party import SignalParty
from notifybot.crypto.prekeys import PreKeyBundle
from notifybot.crypto.sealer import open_payload, seal_payload
from notifybot.envelope import Button, Content, Envelope, EnvelopeType
from notifybot.errors import EnvelopeError, NotifybotError
from notifybot.relay.client import (
    Backoff,
    DeviceCredentials,
    RelayClient,
    Subscription,
)
from notifybot.relay.errors import error_for
from notifybot.relay.keyformat import bundle_from_relay, keys_upload, prekeys_doc
from notifybot.store.base import Store
from notifybot.store.memory import MemoryStore

log = logging.getLogger("notifybot.client")

NS_SEEN = "client.seen"
#: The value kept under a message id in ``NS_SEEN`` for a message dropped as expired.
_EXPIRED = b"expired"


@attrs.frozen
class BusinessCard:
    """A business's public profile, as the relay publishes it."""

    business_id: str
    name: str
    address: str = ""
    email: str = ""
    website: str = ""
    description: str = ""
    vertical: str = ""


class Device:
    """One device of a customer account. Build with :meth:`create` (new) or :meth:`resume`.

    ``messages`` is the inbox in arrival order; ``inbox.queue`` / ``inbox.hooks`` announce
    new ones. ``auto_read``: send a read receipt as soon as a message is shown (a simulated
    customer); otherwise call :meth:`mark_read` when the person opens the conversation.
    """

    def __init__(
        self,
        client: RelayClient,
        credentials: DeviceCredentials,
        *,
        store: Store,
        kek: bytes,
        clock: Clock,
        locale: str | None = None,
        auto_read: bool = True,
        prekey_batch: int = 20,
    ) -> None:
        self.client = client
        self.credentials = credentials
        self.store = store
        self.party = SignalParty(store, kek)
        self.clock = clock
        self.locale = locale
        self.auto_read = auto_read
        self.prekey_batch = prekey_batch
        self.inbox = Inbox()
        self.templates = TemplateCheck(client)
        #: Envelopes refused whole (malformed, tampered, not for this device), with why.
        self.rejected: list[tuple[str, str]] = []
        #: Ids of messages that arrived after their expiry, dropped without being shown.
        self.expired: list[str] = []
        self._business_devices: dict[str, int] = {}
        self._sub: Subscription | None = None
        self._unread: list[tuple[str, str]] = []  # (business, message id) to mark read
        self._receipts: set[asyncio.Task[None]] = set()

    # -- set-up ----------------------------------------------------------------------------
    @classmethod
    async def create(
        cls,
        relay_url: str,
        account: str,
        *,
        device_id: int = 1,
        phone: str | None = None,
        country: str | None = None,
        locale: str | None = None,
        link: Device | None = None,
        store: Store | None = None,
        kek: bytes | None = None,
        clock: Clock | None = None,
        auto_read: bool = True,
        one_time_prekeys: int = 20,
    ) -> Device:
        """Register a new device and publish its keys. A second device of an account needs
        ``link=`` one of the account's devices (its token authorises the new one).
        ``phone`` (E.164) gives the relay the billing country unless ``country`` is given."""
        if phone is not None and country is None:
            country = parse_phone(phone).country
        registrar = RelayClient(relay_url, link.credentials.token if link else None)
        try:
            creds = await registrar.register_device(
                account, device_id, phone=phone, country=country
            )
        finally:
            await registrar.close()
        device = await cls.resume(
            relay_url, creds, store=store, kek=kek, clock=clock, locale=locale,
            auto_read=auto_read, one_time_prekeys=one_time_prekeys,
        )  # fmt: skip
        keys = await device.party.device_keys(one_time_prekeys)
        await device.client.upload_keys(**keys_upload(keys))
        return device

    @classmethod
    async def resume(
        cls,
        relay_url: str,
        credentials: DeviceCredentials,
        *,
        store: Store | None = None,
        kek: bytes | None = None,
        clock: Clock | None = None,
        locale: str | None = None,
        auto_read: bool = True,
        one_time_prekeys: int = 20,
    ) -> Device:
        """A device already registered (its keys and sessions are in ``store`` under ``kek``)."""
        store = store or MemoryStore()
        await store.open()
        return cls(
            RelayClient(relay_url, credentials.token), credentials, store=store,
            kek=kek if kek is not None else os.urandom(32), clock=clock or SystemClock(),
            locale=locale, auto_read=auto_read, prekey_batch=one_time_prekeys,
        )  # fmt: skip

    @property
    def account(self) -> str:
        return self.credentials.account

    @property
    def device_id(self) -> int:
        return self.credentials.device_id

    @property
    def messages(self) -> list[InboxMessage]:
        return self.inbox.messages

    def __repr__(self) -> str:
        return f"Device({self.account!r}, {self.device_id})"

    # -- connection ------------------------------------------------------------------------
    async def connect(self, *, backoff: Backoff | None = None) -> None:
        """Open the WebSocket (queued messages arrive first, in order); returns once open."""
        if self._sub is not None:
            return
        self._sub = self.client.subscribe(
            self._on_frame, role="device", backoff=backoff, after_ack=self._after_ack
        )
        await self._sub.wait_connected()

    @property
    def connected(self) -> bool:
        return self._sub is not None and self._sub.connected.is_set()

    async def drop_connection(self) -> None:
        """Lose the connection once (it reconnects by itself): for tests of reconnects."""
        if self._sub is not None:
            await self._sub.drop()

    async def disconnect(self) -> None:
        """Go offline (the relay keeps queueing for this device)."""
        if self._sub is not None:
            await self._sub.close()
            self._sub = None
        await asyncio.gather(*list(self._receipts), return_exceptions=True)

    async def close(self) -> None:
        await self.disconnect()
        await self.client.close()
        await self.store.close()

    async def __aenter__(self) -> Device:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- receiving -------------------------------------------------------------------------
    async def _on_frame(self, frame: dict[str, Any]) -> Literal["expired"] | None:
        kind = frame.get("type")
        if kind == "envelope":
            return await self._on_envelope(frame.get("envelope"))
        if kind == "prekeys_low":
            await self.top_up_prekeys()
        else:
            log.info("ignoring relay frame of type %r", kind)
        return None

    async def top_up_prekeys(self, count: int | None = None) -> int:
        """Upload ``count`` (default: the batch size) new one-time prekeys; the new total."""
        fresh = await self.party.keys.new_prekeys(count or self.prekey_batch)
        return await self.client.add_prekeys(prekeys_doc(fresh))

    def _reject(self, message_id: str, why: str) -> None:
        log.warning("envelope %s rejected: %s", message_id, why)
        self.rejected.append((message_id, why))

    async def _on_envelope(self, doc: Any) -> Literal["expired"] | None:
        """Handle one envelope; ``"expired"`` when it was dropped unshown as expired."""
        try:
            envelope = Envelope.from_json(doc)
        except EnvelopeError as exc:
            self._reject(str(doc.get("id", "?")) if isinstance(doc, dict) else "?", str(exc))
            return None  # acknowledged: it will never become valid
        if (envelope.recipient, envelope.device_id) != (self.account, self.device_id):
            self._reject(envelope.message_id, "not addressed to this device")
            return None
        seen = f"{envelope.sender}/{envelope.message_id}"
        if (earlier := await self.store.kv_get(NS_SEEN, seen)) is not None:
            # a redelivery or a retried send: shown (or dropped as expired) once already
            return "expired" if earlier == _EXPIRED else None
        try:
            content = await self._open(envelope)
        except DuplicateMessage:
            return None
        except NotifybotError as exc:
            if exc.retryable:
                raise  # e.g. the relay is unreachable: leave the frame queued
            self._reject(envelope.message_id, f"{type(exc).__name__}: {exc}")
            return None
        # Checked once opened, so the expiry is the one the business sealed (and the session
        # moved on past this message, as for any message received).
        if envelope.expired(to_millis(self.clock.now())):
            log.info("message %s arrived after its expiry; not shown", envelope.message_id)
            await self.store.kv_put(NS_SEEN, seen, _EXPIRED)
            self.expired.append(envelope.message_id)
            return "expired"
        problem = await self.templates.problem(envelope, content)
        message = InboxMessage(
            message_id=envelope.message_id,
            business_id=envelope.sender,
            direction="in",
            text=content.text,
            at=self.clock.now(),
            buttons=content.buttons,
            template_id=envelope.template_id,
            category=envelope.category,
            status="flagged" if problem else "received",
            detail=problem,
        )
        if problem:
            assert envelope.template_id is not None
            log.warning("message %s does not match its template: %s", envelope.message_id, problem)
            await self.client.report_mismatch(
                envelope.sender, envelope.message_id, envelope.template_id, problem[:1000]
            )
        await self.store.kv_put(NS_SEEN, seen, b"1")
        await self.inbox.add(message)
        if not problem and self.auto_read:
            self._unread.append((envelope.sender, envelope.message_id))
        return None

    async def _open(self, envelope: Envelope) -> Content:
        peer_device = await self._business_device(envelope.sender)

        def accept(plaintext: bytes, registration_id: int | None) -> Content:
            return open_payload(envelope, plaintext, registration_id)

        return await self.party.decrypt(
            envelope.sender, peer_device, envelope.type, envelope.body, accept
        )

    def _after_ack(self) -> None:
        if self._unread:
            batch, self._unread = self._unread, []
            task = asyncio.get_running_loop().create_task(self._send_read(batch))
            self._receipts.add(task)
            task.add_done_callback(self._receipts.discard)

    async def _send_read(self, batch: list[tuple[str, str]]) -> None:
        by_business: dict[str, list[str]] = {}
        for business, mid in batch:
            by_business.setdefault(business, []).append(mid)
        for business, mids in by_business.items():
            try:
                await self.client.read_receipts(business, mids)
            except NotifybotError as exc:
                log.warning("read receipts to %s not sent: %s", business, exc)
                continue
            self.inbox.set_status(set(mids), "read")

    async def mark_read(self, business_id: str) -> int:
        """Send read receipts for every message of ``business_id`` not yet read."""
        mids = [m.message_id for m in self.inbox.received(business_id) if m.status == "received"]
        if mids:
            await self.client.read_receipts(business_id, mids)
            self.inbox.set_status(set(mids), "read")
        return len(mids)

    # -- sending ---------------------------------------------------------------------------
    async def _business_device(self, business_id: str) -> int:
        """The business's device (the lowest id it published keys for; 1 if none known)."""
        if business_id not in self._business_devices:
            devices = await self.client.devices(business_id)
            if not devices:
                return 1
            self._business_devices[business_id] = min(devices)
        return self._business_devices[business_id]

    async def send(
        self, business_id: str, text: str, *, buttons: tuple[Button, ...] = ()
    ) -> InboxMessage:
        """Write to a business (opens or refreshes its 24-hour window); the sent message.

        Raises the typed error of the relay's refusal (e.g. ``UnknownRecipient``)."""
        peer_device = await self._business_device(business_id)
        draft = Envelope(
            message_id=uuid.uuid4().hex,
            sender=self.account,
            recipient=business_id,
            device_id=self.device_id,
            type=EnvelopeType.SIGNAL,
            timestamp_ms=to_millis(self.clock.now()),
            body=b"",
        )
        content = Content(text, buttons, locale=self.locale)
        registration_id = (await self.party.keys.identity()).registration_id

        async def fetch() -> PreKeyBundle:
            return bundle_from_relay(await self.client.bundle(business_id, peer_device))

        kind, body = await self.party.encrypt(
            business_id, peer_device, seal_payload(draft, content, registration_id), fetch
        )
        (result,) = await self.client.send([attrs.evolve(draft, type=kind, body=body)])
        if not result.accepted:
            raise error_for(400, result.code, result.message, customer=business_id)
        message = InboxMessage(
            draft.message_id, business_id, "out", text, self.clock.now(), buttons, status="sent"
        )
        await self.inbox.add(message)
        return message

    # -- businesses ------------------------------------------------------------------------
    async def block(self, business_id: str) -> int:
        """Block a business: the relay refuses its messages and drops those still queued
        (returns how many), and the business is told. Reversible with :meth:`unblock`."""
        return await self.client.block(business_id)

    async def unblock(self, business_id: str) -> None:
        await self.client.unblock(business_id)

    async def blocked(self) -> list[str]:
        return await self.client.blocks()

    async def profile(self, business_id: str) -> BusinessCard:
        doc = await self.client.profile(business_id)
        fields = attrs.fields_dict(BusinessCard)
        return BusinessCard(**{k: str(v) for k, v in doc.items() if k in fields})

    def businesses(self) -> list[str]:
        """The businesses this device has a conversation with, in first-message order."""
        return list(dict.fromkeys(m.business_id for m in self.inbox.messages))

    async def safety_number(self, business_id: str) -> str:
        """The 60-digit safety number of the conversation with ``business_id``."""
        device = await self._business_device(business_id)
        return await self.party.safety_number(self.account, business_id, device)


__all__ = ["BusinessCard", "Device"]
