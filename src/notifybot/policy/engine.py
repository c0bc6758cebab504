"""The policy check: normalise, scan the wording rules, the links and the buttons, explain."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain

import attrs

from notifybot.errors import ConfigurationError
from notifybot.policy import rules_en, rules_es, rules_fr, rules_shared
from notifybot.policy.anchors import has_transaction
from notifybot.policy.buttons import selling_label
from notifybot.policy.cues import combined_cues
from notifybot.policy.lang import LANGUAGES, language_of
from notifybot.policy.normalise import Normalised, fold_word, normalise
from notifybot.policy.rule import RuleBook, skeleton_tokens
from notifybot.policy.style import (
    StyleModel,
    StyleScore,
    feature_spans,
    features,
    load_default,
    sentences,
)
from notifybot.policy.urls import check_url
from notifybot.policy.verdict import Reason, Verdict

#: Every language's rules run on every text: a French promotion appended to an English
#: receipt is still a promotion, and a wrong language guess cannot open a hole.
BOOK = RuleBook(rules_shared.RULES + rules_en.RULES + rules_fr.RULES + rules_es.RULES)

_MAX_PER_RULE = 3
#: Shorter texts ("OK", "Thanks!") are not judged for a missing transaction.
_MIN_WORDS = 4

#: Promotional words that, written in leetspeak or with spaced letters, are refused on sight.
_DISGUISED = frozenset(map(fold_word, str.split(
    "free sale sales deal deals discount discounts promo promos promotion coupon coupons offer"
    " offers off gift gifts win bonus cash cashback save gratis gratuit gratuite gratuits soldes"
    " remise reduction cadeau cadeaux offert offerte descuento descuentos oferta ofertas rebajas"
    " regalo promocion cupon black friday cyber mega super exclusive limited hot new"
    " nouveau nouveaute novedad novedades shop buy"
)))
_DISGUISED_STEMS = tuple(map(fold_word, str.split(
    "free sale deal discount promo coupon offer gift bonus gratis gratuit soldes remise cadeau"
    " descuento oferta rebaja regalo cupon friday"
)))


class _Default:
    """Marker: use the style model shipped with the package."""


DEFAULT = _Default()
_DEFAULT_STYLE: list[StyleModel] = []


def _default_style() -> StyleModel:
    if not _DEFAULT_STYLE:
        _DEFAULT_STYLE.append(load_default())
    return _DEFAULT_STYLE[0]


#: The rule id of a refusal by the style model alone.
STYLE_RULE = "style.promotional"
#: Findings that always refuse on their own: disguised words, promo links and selling buttons.
#: The style model names further firm rules; it weighs every other finding with the wording.
_FIRM = ("obfuscation", "url.", "button.")


def is_firm(rule_id: str, firm: frozenset[str] = frozenset()) -> bool:
    """Whether a finding of ``rule_id`` refuses on its own (``firm``: the model's firm rules)."""
    return rule_id.startswith(_FIRM) or rule_id in firm


@attrs.frozen
class Evidence:
    """The rules' findings on one message, and what the style model reads of it."""

    text: str
    norm: Normalised
    words: list[bytes] = attrs.field(eq=False)
    reasons: tuple[Reason, ...]
    buttons: tuple[list[bytes], ...] = attrs.field(eq=False)
    lang: str | None

    def features(self) -> list[bytes]:
        """The style model's features (see :func:`notifybot.policy.style.features`)."""
        return features(self.words, rules={r.rule_id for r in self.reasons},
                        buttons=self.buttons, skeleton=self.norm.text, original=self.text,
                        has_url=bool(self.norm.urls))

    def probability(self, model: StyleModel) -> float:
        """``model``'s probability that this message is marketing."""
        return model.message_probability(
            self.words, rules={r.rule_id for r in self.reasons}, buttons=self.buttons,
            skeleton=self.norm.text, original=self.text, has_url=bool(self.norm.urls))


class UnsupportedLanguage(ConfigurationError):
    """``lang`` names a language the policy engine has no rules for."""


class PolicyEngine:
    """A configured checker (rules and languages); :func:`check` uses the default one."""

    def __init__(
        self, book: RuleBook = BOOK, languages: Iterable[str] = LANGUAGES, *, cues: bool = True,
        style: StyleModel | _Default | None = DEFAULT,
    ) -> None:
        self.book = book
        self.languages = frozenset(languages)
        self.cues = cues
        self._style = style

    @property
    def style(self) -> StyleModel | None:
        """The learned style model that weighs the findings (``None``: the rules decide)."""
        if isinstance(self._style, _Default):
            self._style = _default_style()
        return self._style

    def check(
        self, text: str, *, buttons: Sequence[str] = (), lang: str | None = None
    ) -> Verdict:
        """Judge ``text`` and its button labels; see :func:`notifybot.policy.check`."""
        ev = self.evidence(text, buttons=buttons, lang=lang)
        model = self.style
        if model is None:
            if ev.reasons:
                return Verdict(False, "marketing", ev.reasons, ev.lang)
            return Verdict(True, "utility", (), ev.lang)
        firm = tuple(r for r in ev.reasons if is_firm(r.rule_id, model.firm))
        if not firm and not ev.reasons and len(ev.words) < _MIN_WORDS:
            return Verdict(True, "utility", (), ev.lang)
        alone = not ev.reasons
        p = ev.probability(model)
        if firm or p >= (model.threshold_alone if alone else model.threshold):
            weights = model.weights
            kept = tuple(r for r in ev.reasons if is_firm(r.rule_id, model.firm)
                         or weights.get(b"R:" + r.rule_id.encode(), 0.0) > 0)
            if not kept:
                kept = self._style_reasons(model.score(ev.features(), alone=alone), text,
                                           ev.norm)
            return Verdict(False, "marketing", kept, ev.lang)
        if ev.reasons:
            found = self._sentence_findings(model, ev)
            if found:
                return Verdict(False, "marketing", found, ev.lang)
        return Verdict(True, "utility", (), ev.lang)

    def _sentence_findings(self, model: StyleModel, ev: Evidence) -> tuple[Reason, ...]:
        """Findings whose sentence, scored on its own, reads as promotional (mixed content)."""
        found: list[Reason] = []
        for start, end in sentences(ev.text):
            inside = [r for r in ev.reasons
                      if r.field == "text" and r.span[0] < end and start < r.span[1]]
            if not inside:
                continue
            sentence = self.evidence(ev.text[start:end], lang=ev.lang)
            if sentence.probability(model) >= model.threshold_sentence:
                found.extend(inside)
        return tuple(found)

    def evidence(
        self, text: str, *, buttons: Sequence[str] = (), lang: str | None = None
    ) -> Evidence:
        """What the rules find in ``text`` and its buttons, before the style model weighs it."""
        if lang is not None:
            lang = self._language(lang)
        norm = normalise(text)
        words = skeleton_tokens(norm.text)
        tokens = set(words)
        if lang is None:
            lang = language_of(tokens)
        reasons = self._scan(text, norm, tokens, "text", lang)
        if not reasons and len(tokens) >= _MIN_WORDS and not has_transaction(norm.text, tokens):
            start = len(text) - len(text.lstrip())
            end = len(text.rstrip())
            reasons.append(Reason("no-transaction", "refers to no order, booking, account or "
                                  "service event: not a notification", (start, end),
                                  text[start:end]))
        labels: list[list[bytes]] = []
        for i, label in enumerate(buttons):
            found, label_words = self._button(label, f"button {i}", lang)
            reasons.extend(found)
            labels.append(label_words)
        return Evidence(text, norm, words, tuple(reasons), tuple(labels), lang)

    def _language(self, lang: str) -> str:
        primary = lang.replace("_", "-").split("-")[0].lower()
        if primary not in self.languages:
            raise UnsupportedLanguage(
                f"no policy rules for language {lang!r}; supported: {sorted(self.languages)}"
            )
        return primary

    def _scan(
        self, original: str, norm: Normalised, tokens: set[bytes], field: str,
        lang: str | None = None, *, cues: bool = True,
    ) -> list[Reason]:
        reasons: list[Reason] = []
        spans: dict[str, list[tuple[int, int]]] = {}
        found = chain(self.book.scan(norm.text, tokens, lang),
                      combined_cues(norm.text, tokens, lang) if self.cues and cues else ())
        for rule, start, end in found:
            taken = spans.setdefault(rule.rule_id, [])
            if len(taken) >= _MAX_PER_RULE or any(a < end and start < b for a, b in taken):
                continue
            taken.append((start, end))
            reasons.append(_reason(rule.rule_id, rule.message, original, norm, start, end, field))
        for start, end in norm.obfuscated:
            word = norm.text[start:end]
            if word in _DISGUISED or (len(word) > 6 and any(s in word for s in _DISGUISED_STEMS)):
                reasons.append(_reason("obfuscation", "promotional word disguised (leetspeak, "
                                       "spaced or symbol-separated letters)", original, norm,
                                       start, end, field))
        for start, end in norm.urls:
            reasons.extend(check_url(original[start:end], (start, end), field))
        reasons.sort(key=lambda r: r.span)
        return reasons

    @staticmethod
    def _style_reasons(score: StyleScore, original: str, norm: Normalised) -> tuple[Reason, ...]:
        message = (f"reads as promotional copy (style score {score.probability:.2f}); "
                   f"weighed most: {', '.join(repr(f) for f in score.top) or 'the whole text'}")
        for feature in score.top:
            for start, end in feature_spans(norm.text, feature)[:1]:
                return (_reason(STYLE_RULE, message, original, norm, start, end, "text"),)
        start = len(original) - len(original.lstrip())
        end = len(original.rstrip())
        return (Reason(STYLE_RULE, message, (start, end), original[start:end]),)

    def _button(
        self, label: str, field: str, lang: str | None
    ) -> tuple[list[Reason], list[bytes]]:
        norm = normalise(label)
        words = skeleton_tokens(norm.text)
        reasons = self._scan(label, norm, set(words), field, lang, cues=False)
        span = selling_label(norm.text)
        if span is not None:
            reasons.insert(0, _reason("button.call-to-action", "selling call-to-action button",
                                      label, norm, span[0], span[1], field))
        return reasons, words


def _reason(
    rule_id: str, message: str, original: str, norm: Normalised, start: int, end: int,
    field: str,
) -> Reason:
    a, b = norm.original_span(start, end)
    return Reason(rule_id, message, (a, b), original[a:b], field)


DEFAULT_ENGINE = PolicyEngine()


def check(text: str, *, buttons: Sequence[str] = (), lang: str | None = None) -> Verdict:
    """Judge whether ``text`` (with its button labels) is transactional or promotional.

    Returns a :class:`Verdict`: ``allowed`` and ``category`` (``"utility"`` or
    ``"marketing"``), the ``reasons`` (rule id, message, span of the original text or label,
    matched text, field), and the language (``lang`` as given, else detected; ``None`` if
    no evidence). Raises :class:`UnsupportedLanguage` for a ``lang`` without rules.
    """
    return DEFAULT_ENGINE.check(text, buttons=buttons, lang=lang)
