"""What the terminal inbox prints: plain functions from messages and profiles to text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from notifybot.client.device import BusinessCard
from notifybot.client.inbox import InboxMessage

HELP = """\
commands:
  /list              businesses, with unread counts        (also: /ls)
  /open ID|N         open a conversation (a business id, or its number in /list)
  /profile [ID|N]    a business's public profile
  /block [ID|N]      block a business (it can no longer message you)
  /unblock [ID|N]    unblock it
  /safety [ID|N]     the safety number of the conversation (compare it out of band)
  /help              this help
  /quit              leave (Ctrl-D too)
anything else is a message to the open business"""


@attrs.frozen
class BusinessRow:
    """One line of ``/list``."""

    number: int
    business_id: str
    name: str
    unread: int
    blocked: bool
    is_open: bool


def _clock(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


def label(business_id: str, name: str | None) -> str:
    return f"{name} ({business_id})" if name else business_id


def format_message(message: InboxMessage, name: str | None = None) -> str:
    """One message: time, who, text (indented), buttons, and a flag if it failed conformance."""
    who = "you" if message.direction == "out" else (name or message.business_id)
    head = f"[{_clock(message.at)}] {who}"
    if message.template_id:
        head += f"  · {message.template_id}"
    if message.status == "flagged":
        head += "  ⚠ FLAGGED"
    lines = [head]
    lines += [f"    {line}" for line in message.text.splitlines() or [""]]
    for button in message.buttons:
        lines.append(f"    [ {button.label} ] → {button.url}")
    if message.status == "flagged":
        lines.append(
            "    ⚠ this message does not match the template the relay approved; it was "
            "reported to the relay."
        )
        if message.detail:
            lines.append(f"    ⚠ {message.detail}")
    return "\n".join(lines)


def format_conversation(
    messages: Sequence[InboxMessage], business_id: str, name: str | None, blocked: bool
) -> str:
    title = f"── {label(business_id, name)}" + ("  [blocked]" if blocked else "") + " ──"
    body = [format_message(m, name) for m in messages]
    if not body:
        body = ["    (no messages yet: type a message to write first)"]
    return "\n".join([title, *body])


def format_card(card: BusinessCard, blocked: bool = False) -> str:
    lines = [f"── {card.name} ──" + ("  [blocked]" if blocked else "")]
    fields = [
        ("id", card.business_id), ("kind", card.vertical), ("address", card.address),
        ("email", card.email), ("website", card.website), ("about", card.description),
    ]  # fmt: skip
    lines += [f"  {k:<8} {v}" for k, v in fields if v]
    return "\n".join(lines)


def format_businesses(rows: Sequence[BusinessRow]) -> str:
    if not rows:
        return "no conversations yet: /open BUSINESS_ID, then type a message"
    out = []
    for r in rows:
        marks = ("  ◀ open" if r.is_open else "") + ("  [blocked]" if r.blocked else "")
        unread = f"{r.unread} unread" if r.unread else "-"
        out.append(f"  {r.number:>2}. {label(r.business_id, r.name):<48} {unread:>9}{marks}")
    return "\n".join(out)


def format_safety(number: str, business_id: str, name: str | None) -> str:
    groups = [number[i : i + 5] for i in range(0, len(number), 5)]
    rows = [" ".join(groups[i : i + 4]) for i in range(0, len(groups), 4)]
    head = f"safety number with {label(business_id, name)}:"
    return "\n".join([head, *[f"    {r}" for r in rows]])


__all__ = [
    "HELP",
    "BusinessRow",
    "format_businesses",
    "format_card",
    "format_conversation",
    "format_message",
    "format_safety",
    "label",
]
