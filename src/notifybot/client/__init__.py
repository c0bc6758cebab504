"""The customer's side of notifybot: a :class:`Device` on a relay (see ``docs/client.md``)."""

from notifybot.client.conformance import TemplateCheck
from notifybot.client.device import BusinessCard, Device
from notifybot.client.inbox import Inbox, InboxMessage
from notifybot.relay.client import DeviceCredentials

__all__ = ["BusinessCard", "Device", "DeviceCredentials", "Inbox", "InboxMessage", "TemplateCheck"]
