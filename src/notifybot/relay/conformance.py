"""Does a decrypted message match its approved template, with only the placeholders filled?

The relay reviews templates, never messages (it cannot read them); a device checks each
decrypted message against the approved template named in clear on its envelope. The check
is deliberately conservative — when in doubt it says *no* and the device reports a mismatch:

* A reviewable template is literal text with ``{{ name }}`` placeholders (a dotted name,
  optionally with Jinja filters: ``{{ flight.gate|upper }}``). Control blocks (``{% %}``),
  comments (``{# #}``), other expressions and two placeholders with no literal text between
  them (ambiguous) make the template unreviewable: it is rejected at review.
* A filled value never contains a line break, unless the template declares the placeholder
  in ``multiline_placeholders``; it never contains a URL, a scheme (``x://``), ``www.`` or
  anything shaped like a domain name (``word.letters``, which also catches e-mail addresses
  and some initials like ``j.smith``), unless declared in ``url_placeholders``; it is at most
  :data:`MAX_VALUE_CHARS` characters.
* A placeholder used twice must be filled with the same value both times.
* One trailing newline is ignored on both sides (Jinja drops a template's last newline).
* The regular expression is matched lazily from the left: if the split it finds breaks a rule
  the message is refused, even if another split might have passed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

import attrs

from notifybot.errors import TemplateError

#: Longest value one placeholder may be filled with.
MAX_VALUE_CHARS = 500

_TAG = re.compile(r"\{\{(.*?)\}\}|\{%|%\}|\{#|#\}", re.DOTALL)
_EXPR = re.compile(
    r"^\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)"
    r"(\s*\|\s*[A-Za-z_][A-Za-z0-9_]*(\([^(){}]*\))?)*\s*$"
)
_URL = re.compile(r"(?i)(?:[a-z][a-z0-9+.-]*://|\bwww\.|\b[a-z0-9-]+\.[a-z]{2,}\b)")


class UnreviewableTemplate(TemplateError):
    """The template uses constructs whose filled text cannot be checked against it."""

    code = "template_unreviewable"


@attrs.frozen
class ParsedTemplate:
    """Literal pieces around placeholders: ``literals[0] p[0] literals[1] ... literals[n]``."""

    literals: tuple[str, ...]
    placeholders: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]  # where each placeholder sits in the source

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.placeholders)


def parse_template(text: str) -> ParsedTemplate:
    """Split a template into literals and placeholder names (or raise UnreviewableTemplate)."""
    literals: list[str] = []
    names: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _TAG.finditer(text):
        if m.group(1) is None:
            raise UnreviewableTemplate(
                f"only {{{{ placeholders }}}} are allowed, found {m[0]!r} at {m.start()}"
            )
        expr = _EXPR.match(m.group(1))
        if expr is None:
            raise UnreviewableTemplate(f"placeholder {m[0]!r} at {m.start()} is not a plain name")
        literal = text[pos : m.start()]
        if names and literal == "":
            raise UnreviewableTemplate(f"placeholders at {m.start()} need literal text between")
        literals.append(literal)
        names.append(expr.group(1))
        spans.append(m.span())
        pos = m.end()
    literals.append(text[pos:])
    return ParsedTemplate(tuple(literals), tuple(names), tuple(spans))


def neutral_text(text: str) -> str:
    """The template with each placeholder replaced by a neutral token of the same length
    (so the policy engine's spans point into the submitted text)."""

    def blank(m: re.Match[str]) -> str:
        return "X" + " " * (len(m[0]) - 1)

    return re.sub(r"\{\{.*?\}\}", blank, text, flags=re.DOTALL)


def _trim(text: str) -> str:
    return text[:-1] if text.endswith("\n") else text


def match_template(
    template_text: str,
    rendered_text: str,
    *,
    url_placeholders: Collection[str] = (),
    multiline_placeholders: Collection[str] = (),
) -> dict[str, str] | None:
    """The placeholder values if ``rendered_text`` is ``template_text`` filled in, else None."""
    try:
        parsed = parse_template(_trim(template_text))
    except UnreviewableTemplate:
        return None
    groups: dict[str, str] = {}
    pattern = [re.escape(parsed.literals[0])]
    for i, name in enumerate(parsed.placeholders):
        if name in groups:
            pattern.append(f"(?P={groups[name]})")
        else:
            groups[name] = f"g{len(groups)}"
            body = r"[\s\S]" if name in multiline_placeholders else r"[^\n\r\u2028\u2029]"
            pattern.append(f"(?P<{groups[name]}>{body}{{0,{MAX_VALUE_CHARS}}}?)")
        pattern.append(re.escape(parsed.literals[i + 1]))
    m = re.fullmatch("".join(pattern), _trim(rendered_text))
    if m is None:
        return None
    values = {name: m.group(g) for name, g in groups.items()}
    for name, value in values.items():
        if name not in url_placeholders and _URL.search(value):
            return None
    return values


def matches_template(template_text: str, rendered_text: str, **declared: Collection[str]) -> bool:
    """True when ``rendered_text`` is the template with only its placeholders filled."""
    return match_template(template_text, rendered_text, **declared) is not None


@attrs.frozen
class TemplateButton:
    label: str
    url: str | None = None


def buttons_conform(
    template_buttons: Sequence[TemplateButton],
    buttons: Sequence[TemplateButton],
    *,
    url_placeholders: Collection[str] = (),
) -> bool:
    """Buttons conform when each one matches its template button (labels and URLs may have
    placeholders; a URL's placeholders may hold URL text only if declared)."""
    if len(template_buttons) != len(buttons):
        return False
    for want, got in zip(template_buttons, buttons, strict=True):
        if match_template(want.label, got.label) is None:
            return False
        if (want.url is None) != (got.url is None):
            return False
        if want.url is not None and got.url is not None:
            values = match_template(want.url, got.url, url_placeholders=url_placeholders)
            if values is None or any(" " in v for v in values.values()):
                return False
    return True
