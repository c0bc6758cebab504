"""The ``Bot``: handler registry, lifecycle and the compliant send pipeline.

Every outbound message goes through :meth:`Bot._send`, one function that reads as the chain
of ``DESIGN.md``::

    render → policy gate → consent gate → window/billing → seal → transport → ledger

There is no other path to a transport. Inbound envelopes go through :meth:`Bot.receive_envelope`:
open → consent keywords / first-contact opt-in → window refresh → ``@on_message`` handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import attrs

from notifybot.billing import UNKNOWN_COUNTRY, PriceBookSet, in_window, parse_phone, quote
from notifybot.billing.pricing import Quote
from notifybot.clock import Clock, SystemClock, from_millis, to_millis
from notifybot.consent import CONFIRMATIONS, ConsentLedger, Keyword, keyword
from notifybot.envelope import Button, Content, Envelope
from notifybot.errors import (
    ConfigurationError,
    HandlerFailed,
    NotifybotError,
    PolicyViolation,
    ProviderUnavailable,
    Refusal,
    UnknownRecipient,
    UnknownTemplate,
)
from notifybot.policy import check as policy_check
from notifybot.policy.lang import LANGUAGES as POLICY_LANGUAGES
from notifybot.policy.lint import lint_template_source
from notifybot.profile import BusinessProfile
from notifybot.results import Accepted, InboundMessage, Notify, Refused, SendResult
from notifybot.router import Router
from notifybot.sealing import OutboundMessage, PlaintextSealer, Sealer
from notifybot.store.base import Store
from notifybot.store.memory import MemoryStore
from notifybot.store.records import ConsentKind, Customer, LedgerEntry, SentMessage
from notifybot.templates import Rendered, Templates
from notifybot.transports.base import Connectable, Receipt, StatusUpdate, Transport
from notifybot.transports.memory import MemoryTransport

log = logging.getLogger("notifybot")

#: Separates a customer id from the rest of a composite store key (never in SQL text: NUL is).
SEP = "\x1f"
#: Free-form replies are priced as this window-only category.
SERVICE = "service"


class Context:
    """What an ``@on_message`` handler gets as ``ctx``: the message and ways to answer it."""

    def __init__(self, bot: Bot, message: InboundMessage) -> None:
        self.bot = bot
        self.message = message

    @property
    def customer_id(self) -> str:
        return self.message.customer_id

    async def reply(self, text: str, *, buttons: Sequence[Button] = ()) -> SendResult:
        """A free-form reply (allowed only inside the 24-hour window)."""
        return await self.bot.reply(self.message.customer_id, text, buttons=buttons)

    async def send_template(
        self, template: str, variables: Mapping[str, Any], *, locale: str | None = None
    ) -> SendResult:
        """Answer with a template (works outside the window too, and may be billed)."""
        locale = locale or self.message.content.locale
        return await self.bot.send(template, Notify(self.message.customer_id, variables, locale))


class Bot(Router):
    """A business's notification bot.

    Build it with decorators (``@bot.notification``, ``@bot.on_message`` …) or declaratively
    (``notifications={"boarding_pass": fn}``, ``on_message=[fn]``, ``routers=[r]``), then run
    it inside ``async with bot:``.
    """

    def __init__(
        self,
        profile: BusinessProfile,
        *,
        templates: Templates | str | Path | Mapping[str, str],
        transport: Transport | None = None,
        store: Store | None = None,
        sealer: Sealer | None = None,
        clock: Clock | None = None,
        price_books: PriceBookSet | None = None,
        business_id: str | None = None,
        notifications: Mapping[str, Callable[..., Any]] | None = None,
        on_message: Iterable[Callable[..., Any]] = (),
        on_status: Iterable[Callable[..., Any]] = (),
        on_block: Iterable[Callable[..., Any]] = (),
        on_error: Iterable[Callable[..., Any]] = (),
        routers: Iterable[Router] = (),
    ) -> None:
        super().__init__(name=business_id or profile.name)
        self.profile = profile
        self.business_id = business_id or _slug(profile.name)
        if isinstance(templates, Templates):
            self.templates = templates
        elif isinstance(templates, str | Path):
            self.templates = Templates.from_directory(templates)
        else:
            self.templates = Templates(templates)
        self.transport: Transport = transport or MemoryTransport()
        self.store: Store = store or MemoryStore()
        self.sealer: Sealer = sealer or PlaintextSealer()
        self.clock: Clock = clock or SystemClock()
        self.price_books = price_books or PriceBookSet.default()
        self.consent = ConsentLedger(self.store, self.clock)
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}  # lock, tasks using it
        self._started = False
        self._inflight: set[str] = set()  # inbound envelopes being handled now
        #: Called with (result, content) after each accepted send (see ``capture_notifications``).
        self.sent_listeners: list[Callable[[Accepted, Content], None]] = []
        for name, fn in (notifications or {}).items():
            self.register_notification(name, fn)
        for fn in on_message:
            self.message.register(fn)
        for fn in on_status:
            self.status.register(fn)
        for fn in on_block:
            self.block.register(fn)
        for fn in on_error:
            self.errors.register(fn)
        for router in routers:
            self.include_router(router)

    # lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Check the configuration, lint every template, open the store and transport."""
        if self._started:
            return
        if self.transport.end_to_end and not self.sealer.end_to_end:
            raise ConfigurationError(
                f"transport {self.transport.name!r} is end-to-end: give the bot an end-to-end "
                "sealer (notifybot.crypto.SignalSealer)"
            )
        self.check_applied()
        self.check_templates()
        self._check_priced()
        await self.store.open()
        if isinstance(self.transport, Connectable):
            await self.transport.start(self)
        self._started = True

    async def close(self) -> None:
        if isinstance(self.transport, Connectable):
            await self.transport.close()
        await self.store.close()
        self._started = False

    async def __aenter__(self) -> Bot:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def check_templates(self) -> None:
        """Every notification has a template, and no template's literal text is promotional.

        Raises :class:`ConfigurationError` naming the file, line, rule and matched span.
        """
        problems: list[str] = []
        for name, handler in self.all_notifications().items():
            try:
                info = self.templates.resolve(name)
            except UnknownTemplate:
                problems.append(f"notification {name!r} has no template {name}.j2")
                continue
            declared = handler.flags.get("category", "utility")
            if declared != info.category:
                problems.append(
                    f"notification {name!r} is declared {declared!r} but its template "
                    f"{info.origin} is {info.category!r}"
                )
        for info in self.templates.infos():
            labels = [label for label, _ in info.buttons]
            lang = _policy_lang(info.locale)
            for f in lint_template_source(info.source, buttons=labels, lang=lang):
                problems.append(f"{info.origin}:{f.line}: {f.rule_id}: {f.message}: {f.matched!r}")
        if problems:
            raise ConfigurationError("template check failed:\n  " + "\n  ".join(problems))

    def _check_priced(self) -> None:
        """Every template category can be priced by the book in force now."""
        book = self.price_books.book_for(self.clock.now())
        for info in self.templates.infos():
            if info.category not in book.priced_categories:
                raise ConfigurationError(
                    f"{info.origin}: category {info.category!r} has no price in book "
                    f"{book.ref} (it prices {sorted(book.priced_categories)})"
                )

    # sending -----------------------------------------------------------------------------
    async def notify(
        self,
        name: str,
        event: Any = None,
        *,
        idempotency_key: str | None = None,
        ttl: float | None = None,
    ) -> SendResult:
        """Run notification ``name``'s handler on ``event`` and send what it returns.

        ``idempotency_key`` and ``ttl`` (seconds) override what the handler's ``Notify`` says
        (and, for ``ttl``, the notification's declared ``ttl=``).
        """
        handler = self.all_notifications().get(name)
        if handler is None:
            return Refused(UnknownTemplate(f"no notification named {name!r}", template=name))
        try:
            spec = await handler.call({"event": event, "bot": self, "now": self.clock.now()})
            if not isinstance(spec, Notify):
                cause = TypeError(f"returned {type(spec).__name__}, not Notify")
                raise HandlerFailed(handler.name, cause) from cause
        except HandlerFailed as exc:
            await self._report_error(exc, event)
            return Refused(exc, template=name)
        if idempotency_key is not None:
            spec = attrs.evolve(spec, idempotency_key=idempotency_key)
        if ttl is not None:
            spec = attrs.evolve(spec, ttl=ttl)
        return await self.send(name, spec)

    async def send(self, template: str, spec: Notify) -> SendResult:
        """Send template ``template`` as ``spec`` says, through every gate."""
        return await self._send(spec.to, template=template, spec=spec)

    async def reply(
        self, customer_id: str, text: str, *, buttons: Sequence[Button] = ()
    ) -> SendResult:
        """A free-form message: free, and allowed only inside the 24-hour window."""
        return await self._send(customer_id, text=text, buttons=tuple(buttons))

    async def _send(
        self,
        customer_id: str,
        *,
        template: str | None = None,
        spec: Notify | None = None,
        text: str = "",
        buttons: tuple[Button, ...] = (),
        exempt: bool = False,
    ) -> SendResult:
        """The pipeline. ``exempt`` is only for mandated STOP/START confirmations and HELP."""
        if not self._started:
            raise ConfigurationError("start the bot first: `async with bot:` or `bot.start()`")
        key = f"{customer_id}{SEP}{spec.idempotency_key}" if spec and spec.idempotency_key else None
        try:
            customer = await self._customer(customer_id)
            content, category = self._render(customer, template, spec, text, buttons)
            self._policy_gate(content)
            async with self._lock(customer_id):  # per-recipient order from here on
                # Checked under the lock, so a block or a twin send that landed while this one
                # waited is seen (invariant 2; one message per idempotency key).
                if key is not None and (done := await self.store.message_for_key(key)):
                    return await self._duplicate(done)
                if exempt:
                    await self.consent.require_not_blocked(customer_id)
                else:
                    await self.consent.require(customer_id)
                price, open_ = await self._window_and_price(customer, category)
                message_id = self._message_id(key)
                ttl = self._ttl(template, spec)
                outbound = self._outbound(message_id, customer_id, content, category, ttl)
                receipts = await self._seal_and_transmit(outbound)
                await self._record(message_id, customer, template, category, price, open_, key)
        except NotifybotError as exc:
            return Refused(exc, customer_id, template)
        expires = outbound.expires_ms
        accepted = Accepted(
            message_id=message_id,
            customer_id=customer_id,
            template=template,
            category=category,
            price_micros=price.price_micros,
            currency=price.currency,
            billable=price.billable,
            in_window=open_,
            receipts=receipts,
            expires_at=None if expires is None else from_millis(expires),
        )
        for listener in self.sent_listeners:
            listener(accepted, content)
        return accepted

    # the steps ---------------------------------------------------------------------------
    async def _customer(self, customer_id: str) -> Customer:
        customer = await self.store.get_customer(customer_id)
        if customer is None:
            raise UnknownRecipient(customer_id)
        return customer

    def _render(
        self,
        customer: Customer,
        template: str | None,
        spec: Notify | None,
        text: str,
        buttons: tuple[Button, ...],
    ) -> tuple[Content, str]:
        if template is None:
            return Content(text, buttons, locale=customer.locale), SERVICE
        assert spec is not None
        rendered: Rendered = self.templates.render(
            template, spec.variables, spec.locale or customer.locale
        )
        # The variables themselves stay here: only the rendered text travels (no unchecked or
        # unused personal data in the envelope).
        content = Content(rendered.text, rendered.buttons, template, rendered.locale)
        return content, rendered.category

    def _policy_gate(self, content: Content) -> None:
        lang = _policy_lang(content.locale)
        labels = [b.label for b in content.buttons]
        urls = " ".join(b.url for b in content.buttons if b.url)
        verdict = policy_check(f"{content.text} {urls}".strip(), buttons=labels, lang=lang)
        if not verdict.allowed:
            where = f"template {content.template_id!r}" if content.template_id else "reply"
            raise PolicyViolation(verdict, where=where)

    async def _window_and_price(self, customer: Customer, category: str) -> tuple[Quote, bool]:
        now = self.clock.now()
        open_ = in_window(await self.store.last_inbound(customer.customer_id), now)
        book = self.price_books.book_for(now)
        return quote(book, country=customer.country, category=category, in_window=open_), open_

    def _ttl(self, template: str | None, spec: Notify | None) -> float | None:
        """Seconds the message stays deliverable: ``Notify.ttl``, else the notification's
        declared ``ttl=`` (a free-form reply or a confirmation has none)."""
        if spec is not None and spec.ttl is not None:
            return spec.ttl
        handler = self.all_notifications().get(template) if template else None
        ttl = handler.flags.get("ttl") if handler else None
        return None if ttl is None else float(ttl)

    def _outbound(
        self,
        message_id: str,
        customer_id: str,
        content: Content,
        category: str,
        ttl: float | None,
    ) -> OutboundMessage:
        now_ms = to_millis(self.clock.now())
        return OutboundMessage(
            message_id=message_id,
            sender=self.business_id,
            recipient=customer_id,
            content=content,
            timestamp_ms=now_ms,
            category=category,
            expires_ms=None if ttl is None else now_ms + max(1, math.ceil(ttl * 1000)),
        )

    async def _seal_and_transmit(self, outbound: OutboundMessage) -> tuple[Receipt, ...]:
        message_id, customer_id = outbound.message_id, outbound.recipient
        envelopes = await self.sealer.seal(outbound)
        receipts: list[Receipt] = []
        failure: NotifybotError | None = None
        for envelope in envelopes:
            try:
                receipts.append(await self.transport.send(envelope))
            except NotifybotError as exc:
                failure = failure or exc
            except Exception as exc:  # a transport that raised something untyped
                failure = failure or ProviderUnavailable(
                    f"transport {self.transport.name!r} failed: {type(exc).__name__}: {exc}"
                )
        if not receipts:
            raise failure or ProviderUnavailable(f"customer {customer_id!r} has no device")
        if failure is not None:
            log.warning("message %s reached %d of %d devices: %s",
                        message_id, len(receipts), len(envelopes), failure)
        return tuple(receipts)

    async def _record(
        self,
        message_id: str,
        customer: Customer,
        template: str | None,
        category: str,
        price: Quote,
        open_: bool,
        key: str | None,
    ) -> None:
        now = self.clock.now()
        cid = customer.customer_id
        message = SentMessage(message_id, cid, template, category, now, "sent", key)
        charge = LedgerEntry(
            entry_id=uuid.uuid4().hex,
            message_id=message_id,
            customer_ref=customer.customer_id,
            country=customer.country or UNKNOWN_COUNTRY,
            category=category,
            price_micros=price.price_micros,
            currency=price.currency,
            price_book=price.book_ref,
            in_window=open_,
            at=now,
        )
        await self.store.record_sent(message, charge)

    async def _duplicate(self, done: SentMessage) -> Accepted:
        entries = [e for e in await self.store.ledger(done.at) if e.message_id == done.message_id]
        charge = entries[0] if entries else None
        return Accepted(
            message_id=done.message_id,
            customer_id=done.customer_id,
            template=done.template,
            category=done.category,
            price_micros=charge.price_micros if charge else 0,
            currency=charge.currency if charge else "",
            billable=bool(charge and charge.price_micros),
            in_window=bool(charge and charge.in_window),
            duplicate=True,
        )

    def _message_id(self, key: str | None) -> str:
        if key is None:
            return uuid.uuid4().hex
        digest = hashlib.sha256(f"{self.business_id}\x00{key}".encode()).hexdigest()
        return digest[:32]

    @contextlib.asynccontextmanager
    async def _lock(self, customer_id: str) -> AsyncIterator[None]:
        """One sender at a time per customer; the lock is dropped when nobody holds it."""
        lock, users = self._locks.get(customer_id) or (asyncio.Lock(), 0)
        self._locks[customer_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[customer_id]
            if users == 1:
                del self._locks[customer_id]
            else:
                self._locks[customer_id] = (lock, users - 1)

    # customers and consent ---------------------------------------------------------------
    async def add_customer(
        self,
        customer_id: str,
        *,
        phone: str | None = None,
        locale: str | None = None,
        name: str | None = None,
    ) -> Customer:
        """Create or update a customer. ``phone`` (E.164) sets the pricing country."""
        if not customer_id or len(customer_id) > 256 or not customer_id.isprintable():
            raise ConfigurationError("customer id must be 1-256 printable characters")
        parsed = parse_phone(phone) if phone else None
        old = await self.store.get_customer(customer_id) or Customer(customer_id)
        customer = Customer(
            customer_id,
            parsed.e164 if parsed else old.phone,
            parsed.country if parsed else old.country,
            locale or old.locale,
            name or old.name,
        )
        await self.store.put_customer(customer)
        return customer

    async def opt_in(self, customer_id: str, *, source: str, evidence: str) -> None:
        """Record an explicit opt-in (e.g. a ticked box on the booking form) with evidence."""
        await self._customer(customer_id)
        if not source or not evidence:
            raise ConfigurationError("an explicit opt-in needs a source and evidence")
        await self.consent.record(customer_id, ConsentKind.OPT_IN, source=source, evidence=evidence)

    async def forget(self, customer_id: str) -> None:
        """Erase the customer's personal data; the ledger keeps anonymised totals."""
        anon = "anon-" + hashlib.sha256(uuid.uuid4().bytes).hexdigest()[:16]
        await self.store.forget(customer_id, anon)
        for key in await self.store.kv_keys("inbound-seen", f"{customer_id}{SEP}"):
            await self.store.kv_delete("inbound-seen", key)
        forget_sessions = getattr(self.sealer, "forget_customer", None)
        if forget_sessions is not None:  # end-to-end sealers keep per-customer sessions
            await forget_sessions(customer_id)

    # inbound (the transport's InboundSink) -----------------------------------------------
    async def receive_envelope(self, envelope: Envelope) -> InboundMessage | None:
        """Open an inbound envelope and run the inbound chain. Bad input never raises.

        A redelivered envelope (same sender and message id) is handled once; it is marked
        handled only after its handlers ran, so a crash mid-way means it is handled again.
        """
        seen = f"{envelope.sender}{SEP}{envelope.message_id}"
        if seen in self._inflight:
            return None
        self._inflight.add(seen)
        try:
            if envelope.recipient != self.business_id:
                raise UnknownRecipient(envelope.recipient)
            if await self.store.kv_get("inbound-seen", seen) is not None:
                return None
            content = await self.sealer.open(envelope)
            message = await self.receive(
                envelope.sender, content, message_id=envelope.message_id,
                device_id=envelope.device_id,
            )
            await self.store.kv_put("inbound-seen", seen, b"1")
            return message
        except NotifybotError as exc:
            log.warning("inbound envelope rejected: %s", exc)
            await self._report_error(exc, envelope)
            return None
        finally:
            self._inflight.discard(seen)

    async def receive(
        self,
        customer_id: str,
        content: Content | str,
        *,
        message_id: str | None = None,
        device_id: int = 0,
    ) -> InboundMessage:
        """Handle an opened inbound message from ``customer_id``."""
        if isinstance(content, str):
            content = Content(content)
        now = self.clock.now()
        mid = message_id or uuid.uuid4().hex
        message = InboundMessage(mid, customer_id, device_id, content, now)
        if await self.store.get_customer(customer_id) is None:
            await self.store.put_customer(Customer(customer_id, locale=content.locale))
        await self.store.touch_window(customer_id, now)
        word = keyword(content.text)
        if word is Keyword.STOP:
            await self.consent.record(
                customer_id, ConsentKind.OPT_OUT, source="keyword", evidence=content.text
            )
            await self._confirm(customer_id, Keyword.STOP)
            return message
        if word is Keyword.START:
            await self.consent.record(
                customer_id, ConsentKind.OPT_IN, source="keyword", evidence=content.text
            )
            await self._confirm(customer_id, Keyword.START)
            return message
        if word is Keyword.HELP:
            await self._send(customer_id, text=self.profile.help_reply(), exempt=True)
            return message
        await self.consent.on_first_contact(customer_id, evidence=f"message {message.message_id}")
        await self._dispatch_message(message)
        return message

    async def _confirm(self, customer_id: str, word: Keyword) -> None:
        customer = await self._customer(customer_id)
        lang = (customer.locale or "en").split("-")[0]
        texts = CONFIRMATIONS[word]
        text = texts.get(lang, texts["en"]).format(name=self.profile.name)
        result = await self._send(customer_id, text=text, exempt=True)
        if not result.ok:
            log.warning("confirmation to %s not sent: %s", customer_id, result.error)

    async def _dispatch_message(self, message: InboundMessage) -> None:
        customer = await self.store.get_customer(message.customer_id)
        available: dict[str, Any] = {
            "message": message,
            "text": message.text,
            "customer": customer,
            "customer_id": message.customer_id,
            "ctx": Context(self, message),
            "bot": self,
        }
        for handler in self.handlers("message"):
            try:
                extra = await handler.match(message)
                if extra is None:
                    continue
                await handler.call({**available, **extra})
            except HandlerFailed as exc:
                await self._report_error(exc, message)
            return

    async def receive_status(self, update: StatusUpdate) -> None:
        """Record a delivery/read status and run ``@on_status`` handlers."""
        await self.store.set_status(update.message_id, update.status)
        available = {
            "update": update,
            "status": update.status,
            "message_id": update.message_id,
            "customer_id": update.customer_id,
            "bot": self,
        }
        await self._run_all("status", update, available)

    async def receive_block(self, customer_id: str, *, blocked: bool, source: str) -> None:
        """Record that the customer blocked (or unblocked) the business."""
        kind = ConsentKind.BLOCK if blocked else ConsentKind.UNBLOCK
        await self.consent.record(customer_id, kind, source=source)
        available = {"customer_id": customer_id, "blocked": blocked, "source": source, "bot": self}
        await self._run_all("block", customer_id, available)

    async def _run_all(self, kind: str, event: Any, available: Mapping[str, Any]) -> None:
        for handler in self.handlers(kind):
            try:
                extra = await handler.match(event)
                if extra is not None:
                    await handler.call({**available, **extra})
            except HandlerFailed as exc:
                await self._report_error(exc, event)

    async def _report_error(self, error: NotifybotError, event: Any) -> None:
        handlers = list(self.handlers("errors"))
        if not handlers:
            log.warning("%s: %s", type(error).__name__, error)
        for handler in handlers:
            try:
                if await handler.match(error) is not None:
                    await handler.call({"error": error, "event": event, "bot": self})
            except HandlerFailed as exc:  # an error handler failing must not crash a worker
                log.error("error handler failed: %s", exc)


def _policy_lang(locale: str | None) -> str | None:
    """The policy language for a locale; None (detect, all rules) for one without rules."""
    lang = locale.split("-")[0].lower() if locale else None
    return lang if lang in POLICY_LANGUAGES else None


def _slug(name: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    return "-".join(part for part in slug.split("-") if part) or "business"


__all__ = ["Bot", "Context", "Refusal"]
