"""The business's public profile (name, address, email, website, description)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import attrs

from notifybot.errors import ConfigurationError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
VERTICALS = frozenset(
    {
        "airline",
        "travel",
        "transport",
        "delivery",
        "retail",
        "finance",
        "health",
        "utilities",
        "education",
        "government",
        "other",
    }
)


def _text(limit: int, *, required: bool = True) -> Any:
    def check(_inst: object, attribute: attrs.Attribute[Any], value: str) -> None:
        if not isinstance(value, str):
            raise ConfigurationError(f"profile {attribute.name} must be a string")
        if required and not value.strip():
            raise ConfigurationError(f"profile {attribute.name} must not be empty")
        if len(value) > limit:
            raise ConfigurationError(f"profile {attribute.name} is over {limit} characters")

    return check


def _email(_inst: object, _attr: attrs.Attribute[Any], value: str) -> None:
    if value and not _EMAIL.match(value):
        raise ConfigurationError(f"profile email {value!r} is not an e-mail address")


def _website(_inst: object, _attr: attrs.Attribute[Any], value: str) -> None:
    if value:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.netloc:
            raise ConfigurationError(f"profile website {value!r} must be an https:// URL")


@attrs.frozen
class BusinessProfile:
    """What customers see about the business. Validated at construction."""

    name: str = attrs.field(validator=_text(128))
    address: str = attrs.field(default="", validator=_text(256, required=False))
    email: str = attrs.field(default="", validator=[_text(128, required=False), _email])
    website: str = attrs.field(default="", validator=[_text(256, required=False), _website])
    description: str = attrs.field(default="", validator=_text(512, required=False))
    vertical: str = "other"
    help_text: str = ""

    def __attrs_post_init__(self) -> None:
        if self.vertical not in VERTICALS:
            raise ConfigurationError(
                f"profile vertical {self.vertical!r} is not one of {sorted(VERTICALS)}"
            )

    def help_reply(self) -> str:
        """The reply to HELP: the profile's help text, or one built from the contacts."""
        if self.help_text:
            return self.help_text
        contacts = [c for c in (self.website, self.email) if c]
        tail = f" Contact: {', '.join(contacts)}." if contacts else ""
        return (
            f"{self.name}: reply to this chat for help.{tail} "
            "Send STOP to stop messages, START to resume."
        )

    def to_json(self) -> dict[str, str]:
        return attrs.asdict(self)
