"""Button labels: a "Shop now" button makes any message marketing."""

from __future__ import annotations

import re

from notifybot.policy.normalise import fold_pattern

#: Call-to-action labels that sell (matched on the label's skeleton, from its start).
_SELLING_LABEL = re.compile(fold_pattern(
    r"^\W*(?:"
    # English
    r"shop|buy|order (?:now|again|more|today)|get (?:the |this |my |your )?(?:offer|deal|discount"
    r"|coupon|code|app|\d+\s?%|[$E]?\d+)|claim|redeem|see (?:the |all |our )?(?:deals|offers"
    r"|sale|collection|new)|view (?:the |all |our )?(?:deals|offers|sale|collection)|browse"
    r"|explore|discover|upgrade|subscribe|join|sign up|refer|invite|download (?:the |our )?app"
    r"|install|use (?:my |the )?code|start (?:my |your |a )?(?:free )?trial|try (?:it )?free"
    r"|add to (?:cart|basket|bag)|save \d|unlock|learn about (?:our )?offers"
    # French
    r"|acheter|achète|j'en profite|profite[rz]?|voir les (?:offres|promos|nouveautés|soldes)"
    r"|découvrir|découvre[rz]?|commander (?:maintenant|à nouveau)|télécharger l'app|installer"
    r"|s'inscrire|s'abonner|parrainer|inviter|obtenir (?:l'offre|la réduction|le code|mon code)"
    r"|j'achète|je découvre|je commande|en profiter|utiliser le code"
    # Spanish
    r"|comprar|compra (?:ya|ahora)|ver (?:las |todas las )?(?:ofertas|promociones|novedades"
    r"|rebajas)|descubrir|descúbrelo|aprovechar|aprovecha|obtener (?:descuento|oferta|cupón"
    r"|código)|descargar (?:la )?app|canjear|suscribirse|suscríbete|unirme|únete|invitar"
    r"|pedir (?:ya|ahora|de nuevo)|quiero (?:la oferta|mi descuento)|usar código"
    r")(?:\W|$)"
))


#: Promotional nouns anywhere in a label ("See today's deals", "Voir les bons plans").
_PROMO_NOUN = re.compile(fold_pattern(
    r"\b(?:deals?|offers?|sale|promos?|promotions?|bons plans|soldes|chollos|ofertas|rebajas"
    r"|descuentos?|promociones|novedades|nouveautés|new arrivals|best ?sellers|coupons?|cupones"
    r"|discounts?|réductions?|bargains?|gifts?|cadeaux?|regalos?)\b"
))


def selling_label(skeleton: str) -> tuple[int, int] | None:
    """The span of the whole label (stripped) when it opens with a selling call-to-action."""
    if _SELLING_LABEL.match(skeleton) is None and _PROMO_NOUN.search(skeleton) is None:
        return None
    start = len(skeleton) - len(skeleton.lstrip())
    return (start, max(len(skeleton.rstrip()), start + 1))
