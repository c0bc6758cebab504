"""The non-promotional policy engine.

``check(text, *, buttons=(), lang=None) -> Verdict``. (Placeholder engine: replaced by the
full multilingual engine.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from notifybot.policy.verdict import Category, Reason, Verdict

_PLACEHOLDER = re.compile(r"\b(discount|coupon|upgrade|book now|% off|promo)\b", re.IGNORECASE)


def check(text: str, *, buttons: Sequence[str] = (), lang: str | None = None) -> Verdict:
    """Judge whether ``text`` (with its button labels) is transactional or promotional."""
    reasons = []
    for field, value in [("text", text)] + [(f"button {i}", b) for i, b in enumerate(buttons)]:
        for m in _PLACEHOLDER.finditer(value):
            reasons.append(Reason("promo.keyword", "promotional wording", m.span(), m[0], field))
    if reasons:
        return Verdict(False, "marketing", tuple(reasons), lang)
    return Verdict(True, "utility", (), lang)


__all__ = ["Category", "Reason", "Verdict", "check"]
