"""Lint a template's literal text (placeholder until the full engine lands)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs

from notifybot.policy import check

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


@attrs.frozen
class LintFinding:
    line: int
    column: int
    rule_id: str
    message: str
    matched: str


def lint_template_source(
    source: str, *, buttons: Sequence[str] = (), lang: str | None = None
) -> list[LintFinding]:
    literal = _JINJA.sub(lambda m: "x" * len(m[0]) if "\n" not in m[0] else m[0], source)
    verdict = check(literal, buttons=buttons, lang=lang)
    out = []
    for r in verdict.reasons:
        line = literal.count("\n", 0, r.span[0]) + 1 if r.field == "text" else 1
        col = r.span[0] - (literal.rfind("\n", 0, r.span[0]) + 1) + 1
        out.append(LintFinding(line, col, r.rule_id, r.message, r.matched))
    return out
