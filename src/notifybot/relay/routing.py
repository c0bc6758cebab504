"""Deciding what happens to each envelope of a batch (pure functions over :class:`Facts`).

The database gathers the facts for a batch and applies the decisions inside one transaction
(see :meth:`notifybot.relay.db.Tables.route_business_batch` and ``route_device_batch``), so a
block recorded concurrently can never let an envelope in after it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Set
from datetime import datetime
from typing import Any

import attrs

from notifybot.billing.phone import UNKNOWN_COUNTRY
from notifybot.clock import from_millis
from notifybot.envelope import Envelope, EnvelopeType
from notifybot.errors import EnvelopeError
from notifybot.relay.schema import SchemaViolation, Validator

#: ``pricer(country, category, in_window, at) -> price in micro-units``.
Pricer = Callable[[str, str, bool, datetime], int]

#: The category recorded for a free-form reply inside the 24-hour window.
SERVICE_CATEGORY = "service"
#: The country recorded when the recipient registered none.


def free_pricer(country: str, category: str, in_window: bool, at: datetime) -> int:
    """The default pricer: everything is free (plug in the billing rate card)."""
    return 0


def business_queue(business_id: str) -> str:
    return f"b:{business_id}"


def device_queue(account: str, device_id: int) -> str:
    return f"d:{account}:{device_id}"


@attrs.frozen
class Facts:
    """What the relay knows about the parties of one batch, read in its transaction."""

    devices: Mapping[str, Set[int]]  # account -> registered device ids
    blocked: Set[str]  # accounts that blocked the sending business
    templates: Mapping[str, str]  # approved template name -> category
    last_inbound_ms: Mapping[str, int]  # account -> last customer message to the business
    countries: Mapping[str, str]  # account -> billing country
    businesses: Set[str]  # for device batches: the recipients that are businesses


@attrs.frozen
class QueueRow:
    rkey: str
    item_id: str
    kind: str
    sender: str
    payload: str
    #: Not delivered from this instant on (the envelope's ``expires``); None: kept until acked.
    expires_ms: int | None = None


@attrs.frozen
class ExpiredItem:
    """A queued item deleted undelivered because its expiry passed."""

    rkey: str
    item_id: str
    kind: str
    sender: str
    payload: str


def event_row(business: str, kind: str, payload: Mapping[str, Any]) -> QueueRow:
    """An event for a business's queue (a status or a block), under a fresh id."""
    body = json.dumps(payload, separators=(",", ":"))
    return QueueRow(business_queue(business), f"evt_{uuid.uuid4().hex}", kind, "relay", body)


def expiry_reports(items: Iterable[ExpiredItem], now_ms: int) -> list[QueueRow]:
    """An ``expired`` status for the sending business of each envelope in ``items`` that was
    bound for a device (a customer's expired message to a business is dropped silently)."""
    rows = []
    for item in items:
        if item.kind != "envelope" or not item.rkey.startswith("d:"):
            continue
        env = json.loads(item.payload)["envelope"]
        rows.append(event_row(item.sender, "status", {
            "message_id": item.item_id, "customer": env["to"], "device": env["device"],
            "status": "expired", "ts": now_ms, "detail": "expired before delivery",
        }))  # fmt: skip
    return rows


@attrs.frozen
class LedgerRow:
    business: str
    message_id: str
    account: str
    country: str
    category: str
    in_window: bool
    price_micros: int
    at_ms: int


@attrs.frozen
class Decision:
    """The results to report, and the rows to write, for one batch."""

    results: list[dict[str, Any]]
    queue: list[QueueRow]
    ledger: list[LedgerRow]
    touched: list[str] = attrs.field(factory=list)  # accounts whose window opens (device sends)


class _Refuse(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code, self.message = code, message


def _parse(
    doc: Any, validator: Validator, envelope_schema: Mapping[str, Any], now_ms: int
) -> Envelope:
    try:
        validator.validate(doc, envelope_schema, "envelope")
        env = Envelope.from_json(doc)
    except (SchemaViolation, EnvelopeError) as exc:
        raise _Refuse("bad_envelope", str(exc)) from None
    if env.type is EnvelopeType.PLAINTEXT:
        raise _Refuse("plaintext_refused", "the relay carries end-to-end encrypted bodies only")
    if env.expired(now_ms):
        raise _Refuse("expired", f"the envelope expired at {env.expires_ms} (now {now_ms})")
    return env


def _result(doc: Any, error: _Refuse | None) -> dict[str, Any]:
    d = doc if isinstance(doc, dict) else {}
    mid, dev = d.get("id"), d.get("device")
    out: dict[str, Any] = {
        "id": mid if isinstance(mid, str) else "",
        "device": dev if type(dev) is int else 0,
        "status": "accepted" if error is None else "refused",
    }
    if error is not None:
        out["error"] = {"code": error.code, "message": error.message}
    return out


def decide_business_batch(
    business: str,
    docs: list[Any],
    facts: Facts,
    *,
    now_ms: int,
    window_ms: int,
    pricer: Pricer,
    validator: Validator,
    envelope_schema: Mapping[str, Any],
) -> Decision:
    """Route a business's envelopes to customers' devices, with one ledger row per message."""
    results: list[dict[str, Any]] = []
    queue: list[QueueRow] = []
    ledger: dict[str, LedgerRow] = {}
    for doc in docs:
        try:
            env = _parse(doc, validator, envelope_schema, now_ms)
            if env.sender != business:
                raise _Refuse("sender_mismatch", f"'from' must be your business id {business!r}")
            account = env.recipient
            if account in facts.blocked:
                raise _Refuse("blocked", f"customer {account!r} blocked this business")
            if env.device_id not in facts.devices.get(account, ()):
                raise _Refuse("unknown_device", f"no device {env.device_id} for {account!r}")
            last = facts.last_inbound_ms.get(account)
            in_window = last is not None and now_ms - last < window_ms
            if env.template_id is not None:
                category = facts.templates.get(env.template_id)
                if category is None:
                    raise _Refuse(
                        "template_not_approved",
                        f"template {env.template_id!r} is not approved for this business",
                    )
                if env.category is not None and env.category != category:
                    raise _Refuse(
                        "category_mismatch",
                        f"template {env.template_id!r} was approved as {category!r}",
                    )
            elif not in_window:
                raise _Refuse(
                    "outside_window",
                    "outside the 24-hour window only approved templates may be sent",
                )
            else:
                category = SERVICE_CATEGORY
        except _Refuse as refusal:
            results.append(_result(doc, refusal))
            continue
        payload = json.dumps({"envelope": doc}, separators=(",", ":"))
        queue.append(
            QueueRow(device_queue(account, env.device_id), env.message_id, "envelope",
                     business, payload, env.expires_ms)
        )  # fmt: skip
        if env.message_id not in ledger:
            country = facts.countries.get(account, UNKNOWN_COUNTRY)
            price = pricer(country, category, in_window, from_millis(now_ms))
            ledger[env.message_id] = LedgerRow(
                business, env.message_id, account, country, category, in_window, price, now_ms
            )
        results.append(_result(doc, None))
    return Decision(results, queue, list(ledger.values()))


def decide_device_batch(
    account: str,
    device_id: int,
    docs: list[Any],
    facts: Facts,
    *,
    now_ms: int,
    validator: Validator,
    envelope_schema: Mapping[str, Any],
) -> Decision:
    """Route a customer device's envelopes to businesses (each opens the 24-hour window)."""
    results: list[dict[str, Any]] = []
    queue: list[QueueRow] = []
    touched: list[str] = []
    for doc in docs:
        try:
            env = _parse(doc, validator, envelope_schema, now_ms)
            if env.sender != account:
                raise _Refuse("sender_mismatch", f"'from' must be your account {account!r}")
            if env.recipient not in facts.businesses:
                raise _Refuse("unknown_address", f"no business {env.recipient!r}")
            if env.template_id is not None:
                raise _Refuse("bad_envelope", "customers' messages carry no template")
        except _Refuse as refusal:
            results.append(_result(doc, refusal))
            continue
        payload = json.dumps({"envelope": doc, "device": device_id}, separators=(",", ":"))
        queue.append(
            QueueRow(business_queue(env.recipient), f"{account}:{device_id}:{env.message_id}",
                     "envelope", account, payload, env.expires_ms)
        )  # fmt: skip
        touched.append(env.recipient)
        results.append(_result(doc, None))
    return Decision(results, queue, [], touched)
