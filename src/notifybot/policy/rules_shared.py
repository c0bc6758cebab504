"""Rules that read the same in every language: percentages, promo words, shopping events."""

from __future__ import annotations

from notifybot.policy.rule import Rule, rule

RULES: tuple[Rule, ...] = (
    rule(
        "discount.percent", "percentage price cut ('-30 %', 'up to 50%')", "%",
        r"(?<![\d.,])-\s?\d{1,2}(?:[.,]\d+)?\s?%",
        r"\b(?:up to|jusqu'à|hasta(?: un| el)?|jusqu'a) -?\d{1,2}\s?%",
        r"\d\s?% (?:de réduction|de remise|de descuento|sur (?:tout|toute|tous|les|la|le|vos"
        r"|votre)|en (?:toda|todo|todos|todas|tu|hoteles|electrónica))",
    ),
    rule(
        "promo.word", "promotion", "promo promos promotion promotions promoción promociones "
        "promotional promotionnelle promocional",
        r"\bpromo(?:s|tions?|ción|ciones)?\b",
        unless=r"(?:promo|promotion|promoción)s? (?:code |codes? )?(?:could not|couldn't|n'a pas"
        r"|no se pudo|was not|has expired|a expiré|ha caducado|expired)|job promotion",
    ),
    rule(
        "sale.event", "shopping event (Black Friday, Cyber Monday)",
        "black cyber blackfriday cybermonday",
        r"\bblack ?friday\b", r"\bcyber ?monday\b", r"\bcyber ?week\b",
    ),
    rule(
        "offer.bundle", "bundle offer (2x1, 3 for 2)", "2x1 3x2 4x3",
        r"\b(?:2x1|3x2|4x3)\b",
    ),
)
