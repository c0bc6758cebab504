"""Weak promotional cues: each is harmless alone, two kinds together make a sales pitch.

"Order before 9pm" (a call to action) or "Hungry?" (a hook) or "for the same price" (a
benefit) each appear in service messages; a message combining two *kinds* of them ("Craving
sushi? Order before 9pm and we'll add a miso soup") is selling. Kinds: ``cta`` (an imperative
sales verb opening a sentence), ``benefit``, ``hook`` (a teaser question), ``time`` (a
deadline or a period of the offer).
"""

from __future__ import annotations

from collections.abc import Set

from notifybot.policy import rules_en, rules_es, rules_fr
from notifybot.policy.rule import Plan, Rule, RuleBook, rule

CUES: tuple[Rule, ...] = (
    rule(
        "cue.cta.en", "call to buy",
        r"\b(?:order (?:now|today|tonight|before|by|online|again|more)|book (?:now|today|early"
        r"|before|your (?:first|next))|reserve (?:now|today|yours)|buy|shop|grab|try|swap|switch"
        r"|trade in|top up|treat yourself|pre-?order|come and (?:see|try|visit|discover|taste)"
        r"|come in|pop in"
        r"|stop by|drop by|visit (?:us|our)|join us|discover|explore|check out|sign up|subscribe"
        r"|upgrade|add|get yours|don'?t wait|take a look|hurry|enjoy)\b",
    ),
    rule(
        "cue.cta.fr", "incitation à acheter",
        r"\b(?:commandez|précommandez|réservez (?:dès|avant|vite|votre premi)|achetez|essayez"
        r"|testez|goûtez|explorez"
        r"|dégustez|pensez à demander|demandez-nous"
        r"|passez (?:à|au|en)|rechargez|venez (?:découvrir|déguster|goûter|nous voir|essayer"
        r"|profiter|tester)|découvrez|profitez|rejoignez|inscrivez-vous|abonnez-vous"
        r"|faites-vous plaisir|offrez-vous|craquez|ajoutez|laissez-vous tenter"
        r"|n'attendez (?:plus|pas)|foncez)\b",
    ),
    rule(
        "cue.cta.es", "incitación a comprar",
        r"\b(?:pide (?:ya|ahora|hoy|antes|esta|tu)|reserva (?:ya|ahora|hoy|antes|tu|con)|compra"
        r"|prueba|pásate|cámbiate|recarga|ven a (?:conocer|descubrir|probar|vernos|visitarnos)"
        r"|descubre|aprovecha|únete|apúntate|suscríbete|date un capricho|regálate|añade"
        r"|pregunta por nuestr[oa]s?"
        r"|no esperes|disfruta|explora)\b",
    ),
    rule(
        "cue.benefit.en", "a benefit on offer",
        r"\b(?:and|to) (?:get|receive|enjoy|save|earn|pay less|win|grab)\b", r"\bpay less\b",
        r"\bcheaper\b", r"\bsame (?:monthly )?price\b", r"\bon us\b", r"\bfree\b",
        r"\bdouble (?:data|points|miles|rewards)\b", r"\bextra (?:data|gb|points|storage|miles)\b",
        r"\bget (?:a |an )?(?:[$E]\s?\d+|\d+\s?[$E]) (?:credit|voucher|back)\b",
        r"\bthe price of\b", r"\bbetter (?:price|deal|rate)s?\b", r"\bspecial price\b",
        r"\bbonus\b", r"\bperks?\b", r"\bwe'?ll add\b", r"\bgets you\b",
        unless=rules_en.FREE_OK,
    ),
    rule(
        "cue.benefit.fr", "un avantage proposé",
        r"\b(?:et|pour) (?:recevez|obtenez|profitez|économisez|gagnez|payez moins|bénéficiez)\b",
        r"\bmoins cher\b", r"\bmême prix\b", r"\bon vous offre\b", r"\ble double\b",
        r"\bcrédit de \d", r"\bau prix de\b", r"\bavantages?\b", r"\bgratuit(?:e|s|es)?\b",
        r"\boffert(?:e|s|es)?\b", r"\btarif préférentiel\b", r"\ben bonus\b",
        unless=rules_fr.FREE_OK,
    ),
    rule(
        "cue.benefit.es", "una ventaja ofrecida",
        r"\by (?:recibe|consigue|obtén|ahorra|gana|disfruta|llévate|paga menos)\b",
        r"\bmás barat[oa]s?\b", r"\bmismo precio\b", r"\bte (?:invitamos|regalamos)\b",
        r"\bel doble\b", r"\bal precio de\b", r"\bde crédito\b", r"\bventajas?\b",
        r"\bgratis\b", r"\bgratuit[oa]s?\b", r"\bprecio reducido\b",
        r"\b(?:millas|puntos|datos|gb) extra\b",
        unless=rules_es.FREE_OK,
    ),
    rule(
        "cue.hook.en", "teaser question",
        r"\b(?:craving|hungry|thirsty|fancy|thinking (?:about|of)|looking for|need (?:a|an|extra"
        r"|more)|did you know|why not|how about|ready for|want (?:more|to save)|psst|by the way"
        r"|have you (?:tried|seen|discovered)|why wait|get ready for|it'?s never been easier)\b",
    ),
    rule(
        "cue.hook.fr", "question d'accroche",
        r"\b(?:envie d|une petite faim|besoin (?:de plus|d'un|d'une)|saviez-vous|pourquoi ne pas"
        r"|et si vous|prêt pour|vous cherchez|au fait|vous avez (?:essayé|testé|découvert)"
        r"|pourquoi attendre|préparez(?:-vous)?|n'a jamais été aussi (?:simple|facile))\b",
    ),
    rule(
        "cue.hook.es", "pregunta gancho",
        r"\b(?:te apetece|con hambre|necesitas (?:más|un|una)|sabías que|por qué no"
        r"|qué tal si|buscas|por cierto|(?:ya )?has probado|por qué esperar|prepárate"
        r"|list[oa] para|nunca ha sido tan fácil)\b",
    ),
    rule(
        "cue.novelty.en", "something new to sell",
        r"\bour (?:new|latest|newest)\b",
        r"\bunforgettable\b",
    ),
    rule(
        "cue.novelty.fr", "une nouveauté à vendre",
        r"\bnotre (?:nouvel|nouvelle|nouveau)\b", r"\bnos nouveaux?\b", r"\bnos nouvelles\b",
        r"\binoubliable\b",
    ),
    rule(
        "cue.novelty.es", "una novedad que vender",
        r"\bnuestr[oa]s? nuev[oa]s?\b",
        r"\binolvidable\b",
    ),
    rule(
        "cue.time.en", "period of an offer",
        r"\bthis (?:week|weekend|month|friday|saturday|sunday)\b", r"\btonight\b",
        r"\b(?:before|by) \d+\s?(?:am|pm)\b", r"\bnext (?:week|friday|saturday|weekend)\b",
    ),
    rule(
        "cue.time.fr", "durée d'une offre",
        r"\bcette semaine\b", r"\bce (?:week-end|soir|mois|samedi|vendredi)\b",
        r"\bla semaine prochaine\b",
        r"\bavant (?:\d+h|le \d)",
    ),
    rule(
        "cue.time.es", "plazo de una oferta",
        r"\besta (?:semana|noche)\b", r"\beste (?:fin de semana|mes|sábado|viernes)\b",
        r"\bla próxima semana\b",
        r"\bantes de las \d", r"\bantes del \d",
    ),
)

CUE_BOOK = RuleBook(CUES)
_SENTENCE_END = frozenset(".!?:;\n")


def _opens_sentence(skeleton: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and skeleton[i] in " \t\"'*-":
        i -= 1
    return i < 0 or skeleton[i] in _SENTENCE_END


#: The kind of each cue ("cta", "benefit", ...), read from its id.
_KINDS = {r.rule_id: r.rule_id.split(".")[1] for r in CUES}


def cue_plan(tokens: Set[bytes], lang: str | None) -> Plan | None:
    """``CUE_BOOK``'s plan for a text holding ``tokens``; None when the cues that can fire
    are of one kind at most (then :func:`combined_cues` reports nothing)."""
    plan = CUE_BOOK.plan(tokens, lang)
    live, percent = plan
    kinds = {_KINDS[r.rule_id] for tried in live.values() for _, r, _ in tried}
    kinds.update(_KINDS[r.rule_id] for r in percent)
    return plan if len(kinds) >= 2 else None


def combined_cues(
    skeleton: str, tokens: Set[bytes], lang: str | None, plan: Plan | None = None
) -> list[tuple[Rule, int, int]]:
    """The cues in ``skeleton`` if at least two kinds are present, else nothing.

    ``plan`` is ``CUE_BOOK.plan(tokens, lang)``, if already made.
    """
    if plan is None:
        plan = CUE_BOOK.plan(tokens, lang)
    live, percent = plan
    kinds = {_KINDS[r.rule_id] for tried in live.values() for _, r, _ in tried}
    if "%" in skeleton:
        kinds.update(_KINDS[r.rule_id] for r in percent)
    if len(kinds) < 2:
        return []  # one kind at most can be found: nothing to report, no pattern to try
    hits = []
    for r, start, end in CUE_BOOK.run(skeleton, tokens, plan):
        kind = _KINDS[r.rule_id]
        if kind == "cta" and not _opens_sentence(skeleton, start):
            continue
        hits.append((kind, r, start, end))
    if len({kind for kind, *_ in hits}) >= 2:
        return [(r, start, end) for _, r, start, end in hits]
    return []
