"""Consent: opt-in by first contact or explicit record, opt-out and block, keywords.

Every change is an event in the store's audit trail (who, what, when, source, evidence), so
the business can prove consent. :func:`keyword` recognises the opt-out / opt-in / help words
in English, French and Spanish.
"""

from __future__ import annotations

import enum
import unicodedata

from notifybot.clock import Clock
from notifybot.errors import NotOptedIn, RecipientBlocked, RecipientOptedOut
from notifybot.store.base import Store
from notifybot.store.records import ConsentEvent, ConsentKind, ConsentState


class Keyword(enum.Enum):
    """A control word a customer can send."""

    STOP = "stop"
    START = "start"
    HELP = "help"


_WORDS: dict[str, Keyword] = {}
for _kw, _words in {
    Keyword.STOP: (
        # en
        "stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "opt out",
        # fr
        "arret", "arreter", "desabonner", "desinscrire", "stop sms",
        # es
        "baja", "alto", "parar", "detener", "cancelar", "darme de baja",
    ),
    Keyword.START: (
        "start", "unstop", "subscribe", "resume", "optin", "opt in",
        "reprise", "reprendre", "commencer", "abonner",
        "alta", "iniciar", "reanudar", "comenzar", "suscribir",
    ),
    Keyword.HELP: ("help", "info", "aide", "ayuda"),
}.items():
    for _w in _words:
        _WORDS[_w] = _kw


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(letters.replace("-", " ").replace("_", " ").split()).strip(" .!¡?¿")


def keyword(text: str) -> Keyword | None:
    """The control keyword ``text`` is, if the whole message is one (``"Arrêt"`` → STOP)."""
    if len(text) > 40:
        return None
    return _WORDS.get(_fold(text))


#: The mandated confirmation replies, by keyword and language.
CONFIRMATIONS: dict[Keyword, dict[str, str]] = {
    Keyword.STOP: {
        "en": "You will no longer receive messages from {name}. Send START to resume.",
        "fr": "Vous ne recevrez plus de messages de {name}. Envoyez START pour reprendre.",
        "es": "Ya no recibirás mensajes de {name}. Envía ALTA para reanudar.",
    },
    Keyword.START: {
        "en": "You will receive messages from {name} again. Send STOP to stop.",
        "fr": "Vous recevrez de nouveau les messages de {name}. Envoyez STOP pour arrêter.",
        "es": "Volverás a recibir mensajes de {name}. Envía BAJA para darte de baja.",
    },
}


class ConsentLedger:
    """Records consent events and answers "may we message this customer?"."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def record(
        self, customer_id: str, kind: ConsentKind, *, source: str, evidence: str = ""
    ) -> ConsentState:
        """Append an event to the audit trail and return the new state."""
        event = ConsentEvent(customer_id, kind, source, self.clock.now(), evidence)
        return await self.store.append_consent(event)

    async def on_first_contact(self, customer_id: str, *, evidence: str) -> ConsentState:
        """An inbound message opts a customer in, unless they opted out or blocked."""
        state = await self.store.consent_state(customer_id)
        if state.opted_in or state.opted_out:
            return state
        return await self.record(
            customer_id, ConsentKind.OPT_IN, source="first_contact", evidence=evidence
        )

    async def require(self, customer_id: str) -> ConsentState:
        """Raise the typed refusal if the customer may not be messaged."""
        state = await self.store.consent_state(customer_id)
        if state.blocked:
            raise RecipientBlocked(customer_id, f"blocked the business ({state.source})")
        if state.opted_out:
            raise RecipientOptedOut(customer_id, f"opted out ({state.source})")
        if not state.opted_in:
            raise NotOptedIn(customer_id, "has not contacted the business nor opted in")
        return state

    async def require_not_blocked(self, customer_id: str) -> None:
        """For the exempt confirmation replies: only a block stops them."""
        state = await self.store.consent_state(customer_id)
        if state.blocked:
            raise RecipientBlocked(customer_id, f"blocked the business ({state.source})")
