"""Template review: the relay judges templates (it can never read messages).

The policy engine runs on the template's literal text (each placeholder replaced by a neutral
token of the same length, so reported spans point into the submitted text) and on its button
labels. A template is rejected when the engine finds promotional content, when it is declared
``marketing`` (business-initiated messages must be non-promotional), when it cannot be checked
by :mod:`notifybot.relay.conformance`, or when it declares placeholders it does not use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from notifybot.policy import Verdict
from notifybot.relay.conformance import UnreviewableTemplate, neutral_text, parse_template

#: ``policy_check(text, buttons=..., lang=...) -> Verdict`` (``notifybot.policy.check``).
PolicyCheck = Callable[..., Verdict]


def _reason(rule: str, message: str, span: tuple[int, int], matched: str, field: str = "text"
            ) -> dict[str, Any]:  # fmt: skip
    return {"rule_id": rule, "message": message, "span": list(span), "matched": matched,
            "field": field}  # fmt: skip


def review_template(submitted: dict[str, Any], policy_check: PolicyCheck) -> list[dict[str, Any]]:
    """The reasons to reject ``submitted`` (a TemplateInput document); empty means approve."""
    text: str = submitted["text"]
    labels: Sequence[str] = [b["label"] for b in submitted.get("buttons", ())]
    reasons: list[dict[str, Any]] = []
    if submitted["category"] == "marketing":
        reasons.append(_reason(
            "template.marketing", "the relay carries no marketing templates", (0, 0), ""
        ))  # fmt: skip
    try:
        parsed = parse_template(text)
    except UnreviewableTemplate as exc:
        return [*reasons, _reason("template.unreviewable", str(exc), (0, len(text)), text)]
    for key in ("url_placeholders", "multiline_placeholders"):
        for name in submitted.get(key, ()):
            if name not in parsed.names:
                reasons.append(_reason(
                    "template.undeclared_placeholder",
                    f"{key} names {name!r}, which the text does not use", (0, 0), name,
                ))  # fmt: skip
    for i, label in enumerate(labels):
        if "{{" in label or "{%" in label:
            try:
                parse_template(label)
            except UnreviewableTemplate as exc:
                reasons.append(_reason("template.unreviewable", str(exc), (0, len(label)),
                                       label, f"button {i}"))  # fmt: skip
    verdict = policy_check(
        neutral_text(text),
        buttons=[neutral_text(label) for label in labels],
        lang=submitted["language"],
    )
    if not verdict.allowed:
        for r in verdict.reasons:
            source = text if r.field == "text" else _label(labels, r.field)
            matched = source[r.span[0] : r.span[1]] if source else r.matched
            reasons.append(_reason(r.rule_id, r.message, r.span, matched, r.field))
        if not verdict.reasons:
            reasons.append(_reason("policy.refused", f"judged {verdict.category}", (0, 0), ""))
    return reasons


def _label(labels: Sequence[str], field: str) -> str:
    try:
        return labels[int(field.removeprefix("button "))]
    except (ValueError, IndexError):
        return ""
