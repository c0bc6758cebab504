"""Rules that read the same in every language: percentages, promo words, shopping events."""

from __future__ import annotations

from notifybot.policy.rule import Rule, rule, windowed

RULES: tuple[Rule, ...] = (
    windowed(
        "discount.percent", "percentage price cut ('-30 %', '50% off', 'up to 50%')", "%",
        r"(?<![\d.,])-\s?\d{1,2}(?:[.,]\d+)?\s?%",
        r"\b(?:up to|jusqu'à|hasta(?: un| el)?|jusqu'a) -?\d{1,2}\s?%",
        r"(?<![\d.,])\d+(?:[.,]\d+)?\s?%\s?(?:off\b|de réduction|de remise|de descuento"
        r"|de rabais|menos\b|dto\b"
        r"|sur (?:tout|toute|tous|les|la|le|vos|votre)\b|en (?:toda|todo|todos|todas|tu|hoteles"
        r"|electrónica)\b)",
        r"%\s?off\b",
        r"\b(?:enjoy|get|take|save|disfruta de|obt[ée]n|consigue|aprovecha|b[ée]n[ée]ficiez de"
        r"|profitez de|obtenez|gagnez|[ée]conomisez|ahorra|llévate|earn)(?: de)?(?: un| el| hasta"
        r"| up to| jusqu'à)? \d+(?:[.,]\d+)?\s?%",
        r"\d\s?%\s?(?:back\b|rembours[ée]s|de reembolso|de cashback|cashback|cheaper\b"
        r"|less\b|moins cher|de moins\b|más barat|menos\b)",
        back=40, ahead=30,
    ),
    windowed(
        "discount.amount-off", "amount off the price ('$10 off')", "off",
        r"(?:[$E]\s?\d+(?:[.,]\d+)?|\d+(?:[.,]\d+)?\s?(?:[$E]|eur\b|euros?\b|usd\b|dollars?\b))"
        r"\s?off\b",
        back=20, ahead=4,
    ),
    rule(
        "promo.word", "promotion",
        r"\bpromo(?:s|tions?|ción|ciones)?\b",
        unless=r"(?:promo|promotion|promoción)s? (?:code |codes? )?(?:could not|couldn't|n'a pas"
        r"|no se pudo|was not|has expired|a expiré|ha caducado|expired)|job promotion",
    ),
    rule(
        "cashback.offer", "cashback offer",
        r"\bcashback\b",
        unless=r"cashback (?:of|de) [$E\d][^!?\n]{0,70}(?:credited|crédité|abonado|paid|versé"
        r"|ingresado)|(?:abonado|crédité|credited|versé|paid|ingresado)\b[^.!?\n]{0,30}cashback",
    ),
    rule(
        "sale.event", "shopping event (Black Friday, Cyber Monday)",
        r"\bblack ?friday\b", r"\bcyber ?monday\b", r"\bcyber ?week\b",
    ),
    rule(
        "offer.bundle", "bundle offer (2x1, 3 for 2)",
        r"\b(?:2x1|3x2|4x3)\b",
    ),
)
