"""The device's check that a decrypted message is its approved template, filled in.

The relay cannot read messages, so it reviews templates; each envelope names its template in
clear. :class:`TemplateCheck` fetches the approved versions of that template from the relay
(cached per business and name) and says whether the decrypted text and buttons are one of
them with only the placeholders filled (:func:`notifybot.relay.conformance.match_template`).
"""

from __future__ import annotations

from typing import Any

from notifybot.envelope import Content, Envelope
from notifybot.errors import NotifybotError
from notifybot.relay.client import RelayClient
from notifybot.relay.conformance import TemplateButton, buttons_conform, match_template


class TemplateCheck:
    """Conformance of messages to the templates the relay approved."""

    def __init__(self, client: RelayClient) -> None:
        self.client = client
        self._cache: dict[tuple[str, str], list[dict[str, Any]]] = {}

    async def _templates(self, business_id: str, name: str) -> list[dict[str, Any]]:
        key = (business_id, name)
        if key not in self._cache:
            try:
                self._cache[key] = await self.client.templates(business_id, name)
            except NotifybotError as exc:
                if getattr(exc, "code", "") != "unknown_template":
                    raise  # e.g. the relay is down: the frame is retried later
                self._cache[key] = []
        return self._cache[key]

    async def problem(self, envelope: Envelope, content: Content) -> str:
        """Why the message does not conform ('' when it does). Free-form messages (no
        template) conform: the relay allowed them only inside the 24-hour window."""
        name = envelope.template_id
        if name is None:
            return "" if content.template_id is None else "content names a template, envelope not"
        if content.template_id != name:
            return f"content is template {content.template_id!r}, envelope says {name!r}"
        candidates = [
            t for t in await self._templates(envelope.sender, name) if t["status"] != "rejected"
        ]
        if not candidates:
            return f"no approved template {name!r}"
        lang = (content.locale or "").split("-")[0]
        candidates.sort(key=lambda t: t["language"] != lang)  # the message's language first
        for t in candidates:
            if envelope.category is not None and t["category"] != envelope.category:
                continue
            declared = {
                "url_placeholders": t["url_placeholders"],
                "multiline_placeholders": t["multiline_placeholders"],
            }
            if match_template(t["text"], content.text, **declared) is None:
                continue
            want = [TemplateButton(b["label"], b.get("url")) for b in t["buttons"]]
            got = [TemplateButton(b.label, b.url) for b in content.buttons]
            if buttons_conform(want, got, url_placeholders=t["url_placeholders"]):
                return ""
        return f"text or buttons do not match approved template {name!r}"


__all__ = ["TemplateCheck"]
