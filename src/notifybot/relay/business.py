"""Putting a bot on a notifybot relay, end-to-end encrypted: :func:`connect`.

::

    bot = Bot(profile, templates=..., store=SQLiteStore(path), clock=clock)
    link = await connect(bot, "http://127.0.0.1:8787", kek=key_encryption_key)
    async with bot:              # the bot now sends through the relay, sealed with Signal
        ...

``connect`` (before the bot starts):

1. registers the business on the relay, or reuses its credentials (given, or kept in the
   bot's store sealed under ``kek`` from an earlier run); the bot's ``business_id`` becomes
   the relay's id;
2. publishes the bot's profile;
3. publishes the business's identity key, signed prekey and one-time prekeys (customers write
   first, so they need its bundle), and tops them up when the relay says they run low;
4. submits every template (each locale variant) for review, and raises
   :class:`~notifybot.errors.ConfigurationError` listing the relay's reasons if any is rejected;
5. gives the bot a :class:`SignalRelayTransport` and a :class:`~notifybot.crypto.SignalSealer`
   whose prekey directory is the relay.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from notifybot.bot import Bot
from notifybot.crypto.sealer import SignalSealer
from notifybot.errors import ConfigurationError
from notifybot.relay.client import Backoff, BusinessCredentials, RelayClient
from notifybot.relay.keyformat import RelayPrekeyDirectory, keys_upload, prekeys_doc
from notifybot.templates.registry import TemplateInfo
from notifybot.transports.relay import RelayTransport

log = logging.getLogger("notifybot.relay.business")

NS_CREDENTIALS = "relay.business"
#: The language a template without a locale suffix is submitted in.
DEFAULT_LANGUAGE = "en"


@attrs.frozen
class Declared:
    """Placeholders a template declares to the relay's review (see ``docs/relay.md``)."""

    url_placeholders: tuple[str, ...] = ()
    multiline_placeholders: tuple[str, ...] = ()


class SignalRelayTransport(RelayTransport):
    """:class:`RelayTransport` that also tops up the business's one-time prekeys when the
    relay signals ``prekeys_low`` on the business socket."""

    def __init__(self, url: str, token: str, *, prekey_batch: int = 100, **options: Any) -> None:
        super().__init__(url, token, **options)
        #: Whose one-time prekeys to top up (set by :func:`connect`).
        self.sealer: SignalSealer | None = None
        self.prekey_batch = prekey_batch

    async def _on_frame(self, frame: dict[str, Any]) -> None:
        if frame.get("type") == "prekeys_low" and self.sealer is not None:
            fresh = await self.sealer.party.keys.new_prekeys(self.prekey_batch)
            total = await self.client.add_prekeys(prekeys_doc(fresh))
            log.info("business prekeys topped up to %d", total)
            return
        await super()._on_frame(frame)


@attrs.frozen
class RelayBusiness:
    """What :func:`connect` set up (the same objects the bot now uses)."""

    credentials: BusinessCredentials
    transport: SignalRelayTransport
    sealer: SignalSealer
    templates: tuple[dict[str, Any], ...]  # the relay's review of each template

    @property
    def business_id(self) -> str:
        return self.credentials.business_id


def _aead(kek: bytes) -> AESGCM:
    if not isinstance(kek, bytes) or len(kek) != 32:
        raise ConfigurationError("the key-encryption key must be 32 random bytes")
    return AESGCM(kek)


async def _saved(bot: Bot, kek: bytes, url: str) -> BusinessCredentials | None:
    raw = await bot.store.kv_get(NS_CREDENTIALS, url)
    if raw is None:
        return None
    try:
        doc = json.loads(_aead(kek).decrypt(raw[:12], raw[12:], url.encode()))
    except (InvalidTag, ValueError):
        raise ConfigurationError("stored relay credentials do not open with this KEK") from None
    return BusinessCredentials(doc["business_id"], doc["token"])


async def _save(bot: Bot, kek: bytes, url: str, creds: BusinessCredentials) -> None:
    nonce = os.urandom(12)
    doc = json.dumps({"business_id": creds.business_id, "token": creds.token}).encode()
    sealed = _aead(kek).encrypt(nonce, doc, url.encode())
    await bot.store.kv_put(NS_CREDENTIALS, url, nonce + sealed)


def template_submission(info: TemplateInfo, declared: Declared | None = None) -> dict[str, Any]:
    """The arguments of :meth:`RelayClient.submit_template` for one template variant."""
    d = declared or Declared()
    return {
        "name": info.name,
        "text": info.body,
        "language": (info.locale or DEFAULT_LANGUAGE).lower(),
        "category": info.category,
        "buttons": [{"label": label, "url": url} for label, url in info.buttons],
        "url_placeholders": list(d.url_placeholders),
        "multiline_placeholders": list(d.multiline_placeholders),
    }


def _reasons(review: Mapping[str, Any]) -> str:
    where = f"{review['name']} ({review['language']})"
    why = "; ".join(
        f"{r['field']}: {r['rule_id']}: {r['message']}" + (f" {r['matched']!r}" if r["matched"]
                                                          else "")
        for r in review["reasons"]
    )  # fmt: skip
    return f"{where}: {why or 'rejected'}"


async def submit_templates(
    client: RelayClient, bot: Bot, declared: Mapping[str, Declared] | None = None
) -> list[dict[str, Any]]:
    """Submit every template variant of ``bot``; ConfigurationError if any is rejected."""
    reviews, rejected = [], []
    for info in sorted(bot.templates.infos(), key=lambda i: i.key):
        doc = template_submission(info, (declared or {}).get(info.name))
        review = await client.submit_template(doc.pop("name"), doc.pop("text"), **doc)
        reviews.append(review)
        if review["status"] != "approved":
            rejected.append(_reasons(review))
    if rejected:
        raise ConfigurationError(
            "the relay rejected templates:\n  " + "\n  ".join(rejected)
        )
    return reviews


async def connect(
    bot: Bot,
    relay_url: str,
    *,
    kek: bytes,
    credentials: BusinessCredentials | None = None,
    declared: Mapping[str, Declared] | None = None,
    one_time_prekeys: int = 100,
    device_id: int = 1,
    backoff: Backoff | None = None,
    batch_max: int = 100,
    linger: float = 0.005,
) -> RelayBusiness:
    """Put ``bot`` (not started yet) on the relay at ``relay_url`` (see the module docs).

    ``kek``: the 32-byte key-encryption key that seals the business's keys, sessions and
    relay token in the bot's store. ``declared``: per template name, placeholders that may
    hold URLs or line breaks (the relay's review needs them declared).
    """
    if bot._started:
        raise ConfigurationError("connect the bot to the relay before starting it")
    await bot.store.open()
    creds = credentials or await _saved(bot, kek, relay_url)
    if creds is None:
        async with RelayClient(relay_url) as anonymous:
            creds = await anonymous.register_business(bot.profile.name)
    await _save(bot, kek, relay_url, creds)
    transport = SignalRelayTransport(
        relay_url, creds.token, prekey_batch=one_time_prekeys, backoff=backoff,
        batch_max=batch_max, linger=linger,
    )  # fmt: skip
    sealer = SignalSealer(
        creds.business_id, bot.store, RelayPrekeyDirectory(transport), kek=kek,
        device_id=device_id,
    )  # fmt: skip
    transport.sealer = sealer
    client = transport.client
    try:
        p = bot.profile
        await client.publish_profile(
            p.name, address=p.address, email=p.email, website=p.website,
            description=p.description, vertical=p.vertical,
        )  # fmt: skip
        reviews = await submit_templates(client, bot, declared)
        keys = await sealer.device_keys(one_time_prekeys)
        await client.upload_keys(**keys_upload(keys))
    except BaseException:
        await client.close()
        raise
    bot.business_id = creds.business_id
    bot.transport = transport
    bot.sealer = sealer
    return RelayBusiness(creds, transport, sealer, tuple(reviews))


__all__ = [
    "Declared",
    "RelayBusiness",
    "SignalRelayTransport",
    "connect",
    "submit_templates",
    "template_submission",
]
