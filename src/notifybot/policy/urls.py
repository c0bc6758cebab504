"""Link checks: campaign-tracking parameters and promotional paths are content too.

A link to the customer's own order or booking passes; a link whose ``utm_*`` parameters name a
promotional campaign or medium, that carries a coupon, or whose path is a sale/offers page,
makes the message marketing.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

from notifybot.policy.verdict import Reason

_SPLIT = re.compile(r"[^a-z0-9]+")


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_TRAIL = ".,;:!?)]}'\""

#: ``utm_medium`` values that only marketing traffic uses.
_PROMO_MEDIUMS = _set(
    "promo promotion promotional marketing newsletter campaign cpc ppc paid ads ad display"
    " affiliate affiliates retargeting remarketing email-marketing emailmarketing blast"
    " push-marketing sponsored influencer"
)
#: Words in a ``utm_campaign`` (or other utm value, or a path segment) that name a promotion.
_PROMO_WORDS = _set(
    "promo promos promotion promotions sale sales deal deals offer offers discount discounts"
    " coupon coupons voucher vouchers blackfriday cyber cybermonday clearance outlet winback"
    " reengage reengagement reactivation retarget retargeting newsletter launch upsell"
    " crosssell cross upgrade loyalty referral refer invite cashback bogo flash xmas"
    " soldes offres promociones ofertas oferta rebajas descuentos descuento cupones cupon"
    " nouveautes novedades bonsplans reduction reductions destockage liquidacion"
    " abandoned cart lapsed newarrivals arrivals bestsellers freebie giveaway"
)
#: Query keys that carry a coupon or a promotion.
_PROMO_KEYS = _set(
    "coupon coupon_code couponcode promo promo_code promocode discount discount_code voucher"
    " voucher_code offer offer_id deal codepromo cupon referral ref_code invite"
)


def _trie(words: set[str]) -> str:
    """A regex matching any of ``words`` (non-empty), written as a trie: the regex engine
    then tries a letter once at each position, not every word."""
    if words == {""}:
        return ""
    by_first: dict[str, set[str]] = {}
    for w in words:
        if w:
            by_first.setdefault(w[0], set()).add(w[1:])
    alts = [re.escape(c) + _trie(rest) for c, rest in sorted(by_first.items())]
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return f"(?:{body})?" if "" in words else body


def _substrings_of(words: set[str]) -> re.Pattern[str]:
    """A regex finding any of ``words`` inside a text (a word with a shorter one as its
    prefix is left out: the shorter one is found first)."""
    return re.compile(_trie({w for w in words if not any(
        o != w and w.startswith(o) for o in words)}))


#: Cheap pre-check: a link with none of these substrings cannot be promotional.
_MAYBE = _substrings_of(
    {w.split("_")[0] for w in _PROMO_WORDS | _PROMO_KEYS if len(w) >= 3} | {"utm_"}
)


def _words(value: str) -> set[str]:
    return set(_SPLIT.split(unquote(value).lower())) - {""}


def _promo_words(value: str) -> set[str]:
    words = _words(value)
    joined = "".join(sorted(words))
    found = words & _PROMO_WORDS
    if not found and ("blackfriday" in joined or "newarrivals" in unquote(value).lower()
                      .replace("-", "").replace("_", "")):
        found = {"blackfriday" if "blackfriday" in joined else "newarrivals"}
    return found


def may_promote(url: str) -> bool:
    """False when :func:`check_url` surely finds nothing (no promotional word in the link)."""
    return _MAYBE.search(url.rstrip(_TRAIL).lower()) is not None


def check_url(url: str, span: tuple[int, int], field: str = "text") -> list[Reason]:
    """Reasons why the link ``url`` (found at ``span`` of ``field``) is promotional."""
    raw = url.rstrip(_TRAIL)
    span = (span[0], span[0] + len(raw))
    if _MAYBE.search(raw.lower()) is None:
        return []
    try:
        parts = urlsplit(raw if "://" in raw else "http://" + raw)
    except ValueError:
        return []
    reasons: list[Reason] = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        k = key.lower()
        if k == "utm_medium" and value.lower() in _PROMO_MEDIUMS:
            reasons.append(Reason("url.campaign", f"link tracked as a {value!r} campaign", span,
                                  raw, field))
        elif k.startswith("utm_") and _promo_words(value):
            reasons.append(Reason("url.campaign", f"link tracked for promotional campaign "
                                  f"{value!r}", span, raw, field))
        elif k in _PROMO_KEYS and value:
            reasons.append(Reason("url.coupon", f"link carries a promotion ({key}={value})",
                                  span, raw, field))
    for segment in parts.path.split("/"):
        if segment and _promo_words(segment):
            reasons.append(Reason("url.promo-path", f"link to a promotional page ({segment!r})",
                                  span, raw, field))
            break
    return reasons
