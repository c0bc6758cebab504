"""The exported names: an accidental change to the public surface fails here."""

from __future__ import annotations

import inspect

import notifybot
import notifybot.testing
from notifybot.errors import ConfigurationError, NotifybotError

EXPECTED = {
    # the bot and its building blocks
    "Bot", "Context", "Router", "BusinessProfile", "Templates", "Notify",
    # results and messages
    "Accepted", "Refused", "SendResult", "InboundMessage", "Content", "Button",
    # seams: clock, store, transport, sealing, envelope
    "Clock", "ManualClock", "SystemClock", "Store", "MemoryStore", "Transport",
    "MemoryTransport", "Receipt", "StatusUpdate", "Sealer", "PlaintextSealer",
    "OutboundMessage", "Envelope", "EnvelopeType",
    # policy
    "Verdict", "Reason",
    # errors
    "NotifybotError", "Refusal", "PolicyViolation", "ConsentRefusal", "NotOptedIn",
    "RecipientOptedOut", "RecipientBlocked", "OutsideSessionWindow", "TemplateError",
    "UnknownTemplate", "MissingVariable", "TemplateSyntaxError", "UnknownRecipient",
    "InvalidPhoneNumber", "HandlerFailed", "MessageExpired", "TransportError", "RateLimited",
    "ProviderUnavailable", "EnvelopeError", "CryptoError", "ConfigurationError",
}  # fmt: skip

TESTING = {"CapturedNotification", "FakeCustomer", "ManualClock", "capture_notifications"}


def test_all_is_exactly_the_expected_set() -> None:
    assert len(notifybot.__all__) == len(set(notifybot.__all__)), "duplicate names in __all__"
    assert set(notifybot.__all__) == EXPECTED


def test_every_exported_name_exists() -> None:
    missing = [name for name in notifybot.__all__ if not hasattr(notifybot, name)]
    assert missing == []


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from notifybot import *", namespace)
    assert set(namespace) - {"__builtins__"} == EXPECTED


def test_exported_errors_sit_in_the_tree() -> None:
    for name in EXPECTED:
        obj = getattr(notifybot, name)
        if inspect.isclass(obj) and issubclass(obj, Exception):
            assert issubclass(obj, NotifybotError) != issubclass(obj, ConfigurationError), name
    assert issubclass(ConfigurationError, ValueError)
    assert not issubclass(ConfigurationError, NotifybotError)


def test_version_is_a_string() -> None:
    assert isinstance(notifybot.__version__, str) and notifybot.__version__


def test_testing_exports() -> None:
    assert set(notifybot.testing.__all__) == TESTING
    for name in TESTING:
        assert hasattr(notifybot.testing, name), name
    assert notifybot.testing.ManualClock is notifybot.ManualClock
