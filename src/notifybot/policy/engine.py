"""The policy check: normalise, scan the wording rules, the links and the buttons, explain."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from notifybot.errors import ConfigurationError
from notifybot.policy import rules_en, rules_es, rules_fr, rules_shared
from notifybot.policy.anchors import ANCHOR_WORDS, has_transaction
from notifybot.policy.buttons import selling_label
from notifybot.policy.cues import CUE_BOOK, combined_cues, cue_plan
from notifybot.policy.lang import LANGUAGE_WORDS, LANGUAGES, language_of
from notifybot.policy.normalise import (
    Map,
    built,
    fold_word,
    original_span,
    skeleton,
    skeleton_tokens,
)
from notifybot.policy.rule import Plan, Rule, RuleBook
from notifybot.policy.style import (
    StyleModel,
    StyleScore,
    feature_spans,
    features,
    load_default,
    sentences,
)
from notifybot.policy.urls import check_url, may_promote
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
    skeleton: str
    index: Map = attrs.field(eq=False)
    has_url: bool
    words: list[bytes] = attrs.field(eq=False)
    reasons: tuple[Reason, ...]
    buttons: tuple[tuple[bytes, ...], ...] = attrs.field(eq=False)
    lang: str | None

    def features(self) -> list[bytes]:
        """The style model's features (see :func:`notifybot.policy.style.features`)."""
        return features(self.words, rules={r.rule_id for r in self.reasons},
                        buttons=self.buttons, skeleton=self.skeleton, original=self.text,
                        has_url=self.has_url)

    def probability(self, model: StyleModel) -> float:
        """``model``'s probability that this message is marketing."""
        return model.message_probability(
            self.words, rules={r.rule_id for r in self.reasons}, buttons=self.buttons,
            skeleton=self.skeleton, original=self.text, has_url=self.has_url)


class UnsupportedLanguage(ConfigurationError):
    """``lang`` names a language the policy engine has no rules for."""


#: The verdict of every allowed message, by language (verdicts are immutable).
_UTILITY: dict[str | None, Verdict] = {}

#: Button labels judged and remembered per engine (labels come from templates: few, repeated).
_MAX_LABELS = 1024
#: Plans remembered per engine (see :meth:`PolicyEngine._plan`).
_MAX_PLANS = 4096

#: What a text's rule-relevant words decide: its language, the rule book's plan, the cues'
#: plan (None without cues) and whether a transaction word is present.
_Plans = tuple[str | None, Plan, Plan | None, bool]
#: A button label's reasons and words.
_Label = tuple[tuple[Reason, ...], tuple[bytes, ...]]


class PolicyEngine:
    """A configured checker (rules and languages); :func:`check` uses the default one.

    What to try on a text (its language, which rules can fire) depends only on which of the
    words the rules, the language guess and the transaction check know it holds; messages
    from one template share them. So those decisions are remembered by that set of words,
    and a message costs its normalisation and the patterns that can fire, not the planning.
    """

    def __init__(
        self, book: RuleBook = BOOK, languages: Iterable[str] = LANGUAGES, *, cues: bool = True,
        style: StyleModel | _Default | None = DEFAULT,
    ) -> None:
        self.languages = frozenset(languages)
        self._book = book
        self._cues = cues
        self._style = style
        self._labels: dict[tuple[str, int, str | None], _Label] = {}
        self._plans: dict[tuple[frozenset[bytes], str | None], _Plans] = {}
        self._vocabulary: frozenset[bytes] = frozenset()
        self._forget()

    @property
    def book(self) -> RuleBook:
        """The wording rules."""
        return self._book

    @book.setter
    def book(self, book: RuleBook) -> None:
        self._book = book
        self._forget()

    @property
    def cues(self) -> bool:
        """Whether weak cues of two kinds together make a text promotional."""
        return self._cues

    @cues.setter
    def cues(self, cues: bool) -> None:
        self._cues = cues
        self._forget()

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
            return _utility(ev.lang)
        firm = tuple(r for r in ev.reasons if is_firm(r.rule_id, model.firm))
        if not firm and not ev.reasons and len(ev.words) < _MIN_WORDS:
            return _utility(ev.lang)
        alone = not ev.reasons
        if firm or ev.probability(model) >= (
                model.threshold_alone if alone else model.threshold):
            weights = model.weights
            kept = tuple(r for r in ev.reasons if is_firm(r.rule_id, model.firm)
                         or weights.get(b"R:" + r.rule_id.encode(), 0.0) > 0)
            if not kept:
                kept = self._style_reasons(model.score(ev.features(), alone=alone), ev)
            return Verdict(False, "marketing", kept, ev.lang)
        if ev.reasons:
            found = self._sentence_findings(model, ev)
            if found:
                return Verdict(False, "marketing", found, ev.lang)
        return _utility(ev.lang)

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

    @staticmethod
    def _style_reasons(score: StyleScore, ev: Evidence) -> tuple[Reason, ...]:
        message = (f"reads as promotional copy (style score {score.probability:.2f}); "
                   f"weighed most: {', '.join(repr(f) for f in score.top) or 'the whole text'}")
        original = ev.text
        for feature in score.top:
            for start, end in feature_spans(ev.skeleton, feature)[:1]:
                return (_reason(STYLE_RULE, message, original, built(ev.index), start, end,
                                "text"),)
        return (_whole_text(STYLE_RULE, message, original),)

    def evidence(
        self, text: str, *, buttons: Sequence[str] = (), lang: str | None = None
    ) -> Evidence:
        """What the rules find in ``text`` and its buttons, before the style model weighs it."""
        given = None if lang is None else self._language(lang)
        folded, index, urls, obfuscated = skeleton(text)
        words = skeleton_tokens(folded)
        # Only the words some rule, the language guess or the anchors read (not every word:
        # use ``words`` for anything else); the plans for them are remembered.
        known = self._vocabulary.intersection(words)
        lang, book_plan, cue_plan, anchored = (
            self._plans.get((known, given)) or self._plan(known, given))
        found = self._book.run(folded, known, book_plan)
        if cue_plan is not None:
            found += combined_cues(folded, known, lang, cue_plan)
        reasons = (self._explain(text, folded, index, urls, obfuscated, found, "text")
                   if found or obfuscated or (urls and _any_promoting(text, urls)) else [])
        if not (reasons or anchored) and (  # then no-transaction, if four words or more
                len(known) >= _MIN_WORDS or len(set(words)) >= _MIN_WORDS
        ) and not has_transaction(folded, known):
            reasons.append(_whole_text("no-transaction", "refers to no order, booking, account"
                                       " or service event: not a notification", text))
        labels = []
        for i, label in enumerate(buttons):
            found_in_label, label_words = self._button(label, i, lang)
            reasons += found_in_label
            labels.append(label_words)
        return Evidence(text, folded, index, bool(urls), words, tuple(reasons), tuple(labels),
                        lang)

    def _forget(self) -> None:
        """Forget what was remembered: the book or the cues setting changed."""
        self._plans.clear()
        self._labels.clear()
        self._vocabulary = self._book.vocabulary | LANGUAGE_WORDS | ANCHOR_WORDS | (
            CUE_BOOK.vocabulary if self._cues else frozenset())

    def _plan(self, known: frozenset[bytes], given: str | None) -> _Plans:
        """Decide (and remember) what to try on texts holding the words ``known``."""
        lang = language_of(known) if given is None else given
        plans = (lang, self._book.plan(known, lang),
                 cue_plan(known, lang) if self._cues else None,
                 not ANCHOR_WORDS.isdisjoint(known))
        if len(self._plans) >= _MAX_PLANS:
            self._plans.clear()
        self._plans[(known, given)] = plans
        return plans

    def _language(self, lang: str) -> str:
        primary = lang.replace("_", "-").split("-")[0].lower()
        if primary not in self.languages:
            raise UnsupportedLanguage(
                f"no policy rules for language {lang!r}; supported: {sorted(self.languages)}"
            )
        return primary

    def _explain(
        self, original: str, folded: str, index: Map, urls: list[tuple[int, int]],
        obfuscated: list[tuple[int, int]], found: list[tuple[Rule, int, int]], field: str,
    ) -> list[Reason]:
        """The reasons: rule matches (at most three per rule, no overlaps), disguised
        promotional words and promotional links, in the order of the text."""
        index = built(index)
        reasons: list[Reason] = []
        spans: dict[str, list[tuple[int, int]]] = {}
        for rule, start, end in found:
            taken = spans.setdefault(rule.rule_id, [])
            if len(taken) >= _MAX_PER_RULE or any(a < end and start < b for a, b in taken):
                continue
            taken.append((start, end))
            reasons.append(_reason(rule.rule_id, rule.message, original, index, start, end,
                                   field))
        for start, end in obfuscated:
            word = folded[start:end]
            if word in _DISGUISED or (len(word) > 6 and any(s in word for s in _DISGUISED_STEMS)):
                reasons.append(_reason("obfuscation", "promotional word disguised (leetspeak, "
                                       "spaced or symbol-separated letters)", original, index,
                                       start, end, field))
        for start, end in urls:
            reasons.extend(check_url(original[start:end], (start, end), field))
        reasons.sort(key=lambda r: r.span)
        return reasons

    def _button(self, label: str, i: int, lang: str | None) -> _Label:
        """The reasons against button ``i``, and its words (remembered: labels come from
        templates)."""
        key = (label, i, lang)
        known = self._labels.get(key)
        if known is not None:
            return known
        field = f"button {i}"
        folded, index, urls, obfuscated = skeleton(label)
        label_words = tuple(skeleton_tokens(folded))
        tokens = set(label_words)
        found = self._book.run(folded, tokens, self._book.plan(tokens, lang))
        reasons = (self._explain(label, folded, index, urls, obfuscated, found, field)
                   if found or obfuscated or urls else [])
        span = selling_label(folded)
        if span is not None:
            reasons.insert(0, _reason("button.call-to-action", "selling call-to-action button",
                                      label, built(index), span[0], span[1], field))
        if len(self._labels) >= _MAX_LABELS:
            self._labels.clear()
        known = self._labels[key] = (tuple(reasons), label_words)
        return known


def _any_promoting(text: str, urls: list[tuple[int, int]]) -> bool:
    return any(may_promote(text[a:b]) for a, b in urls)


def _utility(lang: str | None) -> Verdict:
    """The verdict of an allowed message in ``lang`` (one shared, immutable instance)."""
    verdict = _UTILITY.get(lang)
    if verdict is None:
        verdict = _UTILITY[lang] = Verdict(True, "utility", (), lang)
    return verdict


def _whole_text(rule_id: str, message: str, text: str) -> Reason:
    """A reason about the whole text (its span leaves out leading and trailing blanks)."""
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    return Reason(rule_id, message, (start, end), text[start:end])


def _reason(
    rule_id: str, message: str, original: str, index: Map, start: int, end: int,
    field: str,
) -> Reason:
    a, b = original_span(index, start, end)
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
