"""notifybot: transactional notifications over end-to-end encrypted chat, under the rules
of business messaging (opt-in by first contact, non-promotional, blockable, 24-hour window).
"""

from notifybot.bot import Bot, Context
from notifybot.clock import Clock, ManualClock, SystemClock
from notifybot.envelope import Button, Content, Envelope, EnvelopeType
from notifybot.errors import (
    ConfigurationError,
    ConsentRefusal,
    CryptoError,
    EnvelopeError,
    HandlerFailed,
    InvalidPhoneNumber,
    MessageExpired,
    MissingVariable,
    NotifybotError,
    NotOptedIn,
    OutsideSessionWindow,
    PolicyViolation,
    ProviderUnavailable,
    RateLimited,
    RecipientBlocked,
    RecipientOptedOut,
    Refusal,
    TemplateError,
    TemplateSyntaxError,
    TransportError,
    UnknownRecipient,
    UnknownTemplate,
)
from notifybot.policy import Reason, Verdict
from notifybot.profile import BusinessProfile
from notifybot.results import Accepted, InboundMessage, Notify, Refused, SendResult
from notifybot.router import Router
from notifybot.sealing import OutboundMessage, PlaintextSealer, Sealer
from notifybot.store import MemoryStore, Store
from notifybot.templates import Templates
from notifybot.transports import MemoryTransport, Receipt, StatusUpdate, Transport

__version__ = "0.1.0"

__all__ = [
    "Accepted",
    "Bot",
    "BusinessProfile",
    "Button",
    "Clock",
    "ConfigurationError",
    "ConsentRefusal",
    "Content",
    "Context",
    "CryptoError",
    "Envelope",
    "EnvelopeError",
    "EnvelopeType",
    "HandlerFailed",
    "InboundMessage",
    "InvalidPhoneNumber",
    "ManualClock",
    "MemoryStore",
    "MemoryTransport",
    "MessageExpired",
    "MissingVariable",
    "NotOptedIn",
    "Notify",
    "NotifybotError",
    "OutboundMessage",
    "OutsideSessionWindow",
    "PlaintextSealer",
    "PolicyViolation",
    "ProviderUnavailable",
    "RateLimited",
    "Reason",
    "Receipt",
    "RecipientBlocked",
    "RecipientOptedOut",
    "Refusal",
    "Refused",
    "Router",
    "Sealer",
    "SendResult",
    "StatusUpdate",
    "Store",
    "SystemClock",
    "TemplateError",
    "TemplateSyntaxError",
    "Templates",
    "Transport",
    "TransportError",
    "UnknownRecipient",
    "UnknownTemplate",
    "Verdict",
]
