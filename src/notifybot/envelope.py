"""The envelope: what a transport carries around one message for one device.

The transport and the relay see only the envelope's routing metadata (message id, sender,
recipient, device, type, time, template id, category and expiry) and an opaque ``body``. For an
end-to-end transport the body is a Signal message (``SIGNAL`` or ``PREKEY``); only transports
that declare ``end_to_end = False`` (the in-memory transport, external platforms) may carry a
``PLAINTEXT`` body, which is the JSON encoding of :class:`Content`.

Wire form (``to_json`` / ``from_json``), versioned so a post-quantum version can be added::

    {"v": 1, "id": "...", "from": "...", "to": "...", "device": 1, "type": 2,
     "ts": 1767258000000, "template": "boarding_pass" | null, "category": "utility" | null,
     "expires": 1767279600000, "body": "<base64>"}

``expires`` (optional; absent or ``null`` when the message has no time to live) is the
instant, in milliseconds since the epoch, from which the message must no longer be delivered
or shown; it is later than ``ts``. ``to_json`` leaves it out when there is none, so envelopes
without one keep the form they had before it existed.
"""

from __future__ import annotations

import base64
import binascii
import json
from enum import IntEnum
from typing import Any

import attrs

from notifybot.errors import EnvelopeError

ENVELOPE_VERSION = 1
#: Largest body an envelope may carry (bytes, before base64).
MAX_BODY_BYTES = 64 * 1024
#: Latest expiry an envelope may carry: the last millisecond of the year 9999.
MAX_EXPIRES_MS = 253_402_300_799_999


class EnvelopeType(IntEnum):
    """What the body holds (numbers follow libsignal's CiphertextMessage types)."""

    PLAINTEXT = 0
    SIGNAL = 2
    PREKEY = 3


@attrs.frozen
class Button:
    """A quick-reply or link button shown under a message."""

    label: str
    url: str | None = None


@attrs.frozen
class Content:
    """What the customer sees: text, buttons, and the template it came from."""

    text: str
    buttons: tuple[Button, ...] = ()
    template_id: str | None = None
    locale: str | None = None
    variables: tuple[tuple[str, str], ...] = ()

    def to_bytes(self) -> bytes:
        doc: dict[str, Any] = {"text": self.text}
        if self.buttons:
            doc["buttons"] = [{"label": b.label, "url": b.url} for b in self.buttons]
        if self.template_id:
            doc["template"] = self.template_id
        if self.locale:
            doc["locale"] = self.locale
        if self.variables:
            doc["vars"] = dict(self.variables)
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Content:
        try:
            doc = json.loads(data.decode())
            buttons = tuple(
                Button(str(b["label"]), None if b.get("url") is None else str(b["url"]))
                for b in doc.get("buttons", ())
            )
            text = doc["text"]
            if not isinstance(text, str):
                raise TypeError("text must be a string")
            variables = tuple((str(k), str(v)) for k, v in dict(doc.get("vars", {})).items())
            return cls(text, buttons, doc.get("template"), doc.get("locale"), variables)
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise EnvelopeError(f"malformed message content: {exc}") from None


def _nonempty(_inst: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not value or len(value) > 256:
        raise EnvelopeError(f"envelope field {attribute.name!r} must be 1-256 characters")
    if not value.isprintable():
        raise EnvelopeError(f"envelope field {attribute.name!r} has control characters")


@attrs.frozen
class Envelope:
    """One message for one device, as a transport carries it."""

    message_id: str = attrs.field(validator=_nonempty)
    sender: str = attrs.field(validator=_nonempty)
    recipient: str = attrs.field(validator=_nonempty)
    device_id: int
    type: EnvelopeType
    timestamp_ms: int
    body: bytes = attrs.field(repr=lambda b: f"<{len(b)} bytes>")
    template_id: str | None = None
    category: str | None = None
    #: Not deliverable from this instant on (ms since the epoch); None: no time to live.
    expires_ms: int | None = None
    version: int = ENVELOPE_VERSION

    def __attrs_post_init__(self) -> None:
        if self.version != ENVELOPE_VERSION:
            raise EnvelopeError(f"unsupported envelope version {self.version}")
        if not 0 <= self.device_id < 2**31:
            raise EnvelopeError("device id out of range")
        if len(self.body) > MAX_BODY_BYTES:
            raise EnvelopeError(f"envelope body over {MAX_BODY_BYTES} bytes")
        if self.expires_ms is not None:
            if type(self.expires_ms) is not int or not 0 < self.expires_ms <= MAX_EXPIRES_MS:
                raise EnvelopeError(
                    "expires must be an integer of milliseconds since the epoch, or null"
                )
            if self.expires_ms <= self.timestamp_ms:
                raise EnvelopeError("expires must be later than ts")

    def expired(self, now_ms: int) -> bool:
        """True when the envelope may no longer be delivered or shown at ``now_ms``."""
        return self.expires_ms is not None and now_ms >= self.expires_ms

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "v": self.version,
            "id": self.message_id,
            "from": self.sender,
            "to": self.recipient,
            "device": self.device_id,
            "type": int(self.type),
            "ts": self.timestamp_ms,
            "template": self.template_id,
            "category": self.category,
        }
        if self.expires_ms is not None:
            doc["expires"] = self.expires_ms
        doc["body"] = base64.b64encode(self.body).decode("ascii")
        return doc

    @classmethod
    def from_json(cls, doc: Any) -> Envelope:
        """Parse the wire form; anything malformed raises :class:`EnvelopeError`."""
        if not isinstance(doc, dict):
            raise EnvelopeError("envelope must be a JSON object")
        try:
            version = doc["v"]
            if version != ENVELOPE_VERSION:
                raise EnvelopeError(f"unsupported envelope version {version!r}")
            device = doc["device"]
            ts = doc["ts"]
            if type(device) is not int or type(ts) is not int:
                raise EnvelopeError("device and ts must be integers")
            expires = doc.get("expires")
            if expires is not None and type(expires) is not int:
                raise EnvelopeError("expires must be an integer or null")
            template, category = doc.get("template"), doc.get("category")
            for name, val in (("template", template), ("category", category)):
                if val is not None and not isinstance(val, str):
                    raise EnvelopeError(f"{name} must be a string or null")
            body_text = doc["body"]
            if not isinstance(body_text, str) or len(body_text) > MAX_BODY_BYTES * 4 // 3 + 4:
                raise EnvelopeError("body must be base64 text within the size limit")
            body = base64.b64decode(body_text, validate=True)
            return cls(
                message_id=doc["id"],
                sender=doc["from"],
                recipient=doc["to"],
                device_id=device,
                type=EnvelopeType(doc["type"]),
                timestamp_ms=ts,
                body=body,
                template_id=template,
                category=category,
                expires_ms=expires,
            )
        except EnvelopeError:
            raise
        except KeyError as exc:
            raise EnvelopeError(f"envelope is missing field {exc.args[0]!r}") from None
        except (ValueError, TypeError, binascii.Error) as exc:
            raise EnvelopeError(f"malformed envelope: {exc}") from None

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_json(), separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Envelope:
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise EnvelopeError(f"envelope is not JSON: {exc}") from None
        return cls.from_json(doc)
