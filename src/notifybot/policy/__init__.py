"""The non-promotional policy engine.

``check(text, *, buttons=(), lang=None) -> Verdict``: business-initiated messages must be
transactional ("utility"); offers, discounts, coupons, free gifts, sales, upsell and cross-sell,
re-engagement, announcements, app-install, referral and loyalty pushes, rewarded surveys and
any of these appended to a utility message ("mixed content") are "marketing" and refused.
Links and button labels count as content. Every refusal explains itself (rule id, message,
span of the original text). See ``docs/policy.md``.
"""

from __future__ import annotations

from notifybot.policy.engine import PolicyEngine, UnsupportedLanguage, check
from notifybot.policy.lang import LANGUAGES, detect_language
from notifybot.policy.normalise import Normalised
from notifybot.policy.verdict import Category, Reason, Verdict

__all__ = [
    "LANGUAGES",
    "Category",
    "Normalised",
    "PolicyEngine",
    "Reason",
    "UnsupportedLanguage",
    "Verdict",
    "check",
    "detect_language",
]
