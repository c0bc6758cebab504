"""Static lint of a Jinja template's literal text against the policy rules.

Only what the template author wrote is judged: ``{{ expressions }}`` become a same-length run
of ``0`` (a neutral, number-like placeholder: ``{{ pct }}% off`` still reads as a price cut),
``{% tags %}`` and ``{# comments #}`` become spaces (newlines kept). Offsets therefore stay
those of the source, and each finding carries a 1-based line and column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs

from notifybot.policy.engine import check

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


@attrs.frozen
class LintFinding:
    """One promotional passage in a template: where, which rule, what text.

    ``line`` and ``column`` are 1-based positions in the template source; for a finding in a
    button label (``field`` is ``"button N"``) they are positions in that label.
    """

    line: int
    column: int
    rule_id: str
    message: str
    matched: str
    field: str = "text"

    def __str__(self) -> str:
        where = "" if self.field == "text" else f" ({self.field})"
        return (f"{self.line}:{self.column}{where}: [{self.rule_id}] {self.message}: "
                f"{self.matched!r}")


def literal_text(source: str) -> str:
    """``source`` with Jinja expressions, tags and comments blanked to same-length filler."""

    def blank(m: re.Match[str]) -> str:
        fill = "0" if m[0].startswith("{{") else " "
        return "".join(c if c == "\n" else fill for c in m[0])

    return _JINJA.sub(blank, source)


def _position(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def lint_template_source(
    source: str, *, buttons: Sequence[str] = (), lang: str | None = None
) -> list[LintFinding]:
    """Findings for the literal text of a Jinja template (and its button labels), in order.

    An empty list means the literal text passes the policy. Rendering can still add
    promotional content through variables; the policy gate checks the rendered text too.
    """
    literal = literal_text(source)
    labels = [literal_text(b) for b in buttons]
    verdict = check(literal, buttons=labels, lang=lang)
    findings = []
    for reason in verdict.reasons:
        if reason.field == "text":
            text, original = literal, source
        else:
            i = int(reason.field.split()[-1])
            text, original = labels[i], buttons[i]
        line, column = _position(text, reason.span[0])
        findings.append(LintFinding(line, column, reason.rule_id, reason.message,
                                    original[reason.span[0] : reason.span[1]], reason.field))
    return findings
