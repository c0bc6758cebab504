"""A learned second opinion: a linear model of promotional *style*.

The wording rules catch what can be named (offers, codes, free gifts, upsells...). Brand-voice
copy can sell without any of those words ("From cosy knits to winter boots, our season's
selection has arrived"). :class:`StyleModel` is a logistic regression over the words and word
pairs of the normalised skeleton and of the rules' findings, trained on the labelled corpora in
``tests/policy/`` by ``tools/train_style_model.py`` and shipped as ``style_model.json``. The
engine (:mod:`notifybot.policy.engine`) lets it weigh every finding but the firm ones, and
refuse on wording alone; such a refusal names the words that weighed most, with a span.

Scoring reuses the skeleton's tokens (one dict lookup per word and word pair), so it stays
cheap on the hot path.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from itertools import pairwise, repeat
from typing import Any

import attrs

from notifybot.errors import ConfigurationError

MODEL_VERSION = 2
#: Feature prefixes that name no words of the text (marks, rules, stems, buttons).
_META = (b"m:", b"R:", b"p:", b"bt")
_EMOJI = re.compile("[\u2190-\u2bff\U0001f000-\U0001faff]")
_PREFIX = 5
#: Distinct tokens whose shape and weight are kept between calls (cleared when full).
_TOKEN_CACHE = 50_000


def sigmoid(z: float) -> float:
    """The logistic function, clamped so that no logit overflows."""
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def _shape(token: bytes) -> bytes:
    """A word as a feature: itself, or ``#N`` (its length, up to 6) if it holds a digit."""
    return token if token.isalpha() else b"#%d" % min(len(token), 6)


def features(
    tokens: Sequence[bytes], *, rules: Iterable[str] = (), buttons: Iterable[Sequence[bytes]] = (),
    skeleton: str = "", original: str = "", has_url: bool = False,
) -> list[bytes]:
    """The model's features for a message.

    ``tokens`` are the skeleton's words (:func:`~notifybot.policy.rule.skeleton_tokens`); a word
    holding a digit stands as its shape (``#5``: five characters). Features: every word, every
    adjacent pair, the first five letters of longer words (a cheap stem), the words of each
    button label, the ids of the rules that fired, and a few marks: an exclamation or a
    question outside links (read on the ``skeleton``), an emoji (read on the ``original``), a
    link, the length, no digit at all.
    """
    words = list(map(_shape, tokens))
    out = [*words, *map(b" ".join, pairwise(words))]
    out.extend(b"p:" + w[:_PREFIX] for w in words if len(w) > _PREFIX)
    for label in buttons:
        out.extend(b"btn:" + t for t in label)
    out.extend(b"R:" + r.encode() for r in rules)
    out.extend(_marks(tokens, len(words), skeleton, original, has_url))
    return out


def _marks(
    tokens: Sequence[bytes], n_words: int, skeleton: str, original: str, has_url: bool
) -> list[bytes]:
    marks = [b"m:len%d" % min(n_words // 10, 5)]
    if "!" in skeleton:
        marks.append(b"m:!")
    if "?" in skeleton:
        marks.append(b"m:?")
    if not original.isascii() and _EMOJI.search(original) is not None:
        marks.append(b"m:emoji")
    if has_url:
        marks.append(b"m:url")
    if all(map(bytes.isalpha, tokens)):
        marks.append(b"m:nodigit")
    return marks


@attrs.frozen
class StyleScore:
    """A text's score: the probability of marketing and the words that weighed most."""

    probability: float
    refused: bool
    #: Features with the largest positive weights present in the text, heaviest first.
    top: tuple[str, ...] = ()


@attrs.frozen(repr=False)
class StyleModel:
    """Weights of a linear model over a message's :func:`features`, with its thresholds.

    A finding of a ``firm`` rule refuses whatever the score. ``threshold`` applies when some
    other rule found something (the model weighs that finding in
    context: "free" in "free cancellation on your booking" is not a gift); ``threshold_alone``,
    higher, when no rule did (the model must be surer to refuse on wording alone).
    ``threshold_sentence`` applies to each sentence holding a finding, scored on its own, so
    that a promotion appended to a long utility message is not diluted by it (mixed content).
    """

    weights: dict[bytes, float] = attrs.field(eq=False)
    bias: float
    threshold: float
    threshold_alone: float
    threshold_sentence: float
    trained_on: tuple[str, ...] = ()
    #: Rules precise enough on the corpora to refuse on their own (the model is not asked).
    firm: frozenset[str] = frozenset()
    _pairs: dict[tuple[bytes, ...], float] = attrs.field(init=False, eq=False)
    _tokens: dict[bytes, tuple[bytes, float]] = attrs.field(init=False, eq=False)

    def __repr__(self) -> str:
        return (f"StyleModel({len(self.weights)} features, threshold={self.threshold}, "
                f"threshold_alone={self.threshold_alone}, "
                f"threshold_sentence={self.threshold_sentence}, "
                f"trained_on={list(self.trained_on)})")

    def __attrs_post_init__(self) -> None:
        pairs = {tuple(k.split(b" ")): v for k, v in self.weights.items() if b" " in k}
        object.__setattr__(self, "_pairs", pairs)
        object.__setattr__(self, "_tokens", {})

    def message_probability(
        self, tokens: Sequence[bytes], *, rules: Iterable[str] = (),
        buttons: Iterable[Sequence[bytes]] = (), skeleton: str = "", original: str = "",
        has_url: bool = False,
    ) -> float:
        """``probability(features(...))`` without building the feature list (the hot path).

        Each distinct token's shape and word-plus-stem weight is computed once and kept.
        """
        known = self._tokens
        if len(known) > _TOKEN_CACHE:
            known.clear()
        weights = self.weights
        get = weights.get
        z = self.bias
        words = []
        for t in tokens:
            entry = known.get(t)
            if entry is None:
                w = _shape(t)
                weight = get(w, 0.0)
                if len(w) > _PREFIX:
                    weight += get(b"p:" + w[:_PREFIX], 0.0)
                entry = known[t] = (w, weight)
            words.append(entry[0])
            z += entry[1]
        z += sum(map(self._pairs.get, pairwise(words), repeat(0.0)))
        for label in buttons:
            z += sum(get(b"btn:" + t, 0.0) for t in label)
        for r in rules:
            z += get(b"R:" + r.encode(), 0.0)
        z += sum(get(mark, 0.0) for mark in _marks(tokens, len(words), skeleton, original,
                                                   has_url))
        return sigmoid(z)

    def probability(self, feats: Sequence[bytes]) -> float:
        """The probability of marketing given a message's :func:`features`."""
        return sigmoid(self.bias + sum(map(self.weights.get, feats, repeat(0.0))))

    def score(
        self, feats: Sequence[bytes], *, alone: bool = False, explain: int = 3
    ) -> StyleScore:
        """Score a message's features; when refused, name the ``explain`` heaviest words.

        ``alone``: no rule found anything, so ``threshold_alone`` applies.
        """
        p = self.probability(feats)
        refused = p >= (self.threshold_alone if alone else self.threshold)
        if not refused or not explain:
            return StyleScore(p, refused)
        present = {f: self.weights[f] for f in feats if f in self.weights}
        heaviest = sorted((f for f, w in present.items() if w > 0 and f[:2] not in _META),
                          key=present.__getitem__, reverse=True)[:explain]
        return StyleScore(p, refused, tuple(f.decode() for f in heaviest))

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> StyleModel:
        """Build a model from its JSON document (see ``tools/train_style_model.py``)."""
        try:
            if doc["version"] != MODEL_VERSION:
                raise ConfigurationError(f"style model version {doc['version']!r} is not "
                                         f"{MODEL_VERSION}")
            weights = {str(k).encode("ascii"): float(v) for k, v in doc["weights"].items()}
            thresholds = (float(doc["threshold"]), float(doc["threshold_alone"]),
                          float(doc["threshold_sentence"]))
            if not all(0.0 < t < 1.0 for t in thresholds):
                raise ConfigurationError(f"style model thresholds {thresholds} not in (0, 1)")
            return cls(weights, float(doc["bias"]), *thresholds,
                       tuple(str(t) for t in doc.get("trained_on", ())),
                       frozenset(str(r) for r in doc.get("firm", ())))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigurationError(f"malformed style model: {exc!r}") from exc

    def to_json(self) -> dict[str, Any]:
        """The JSON document :meth:`from_json` reads."""
        return {
            "version": MODEL_VERSION, "bias": round(self.bias, 4),
            "threshold": round(self.threshold, 4),
            "threshold_alone": round(self.threshold_alone, 4),
            "threshold_sentence": round(self.threshold_sentence, 4),
            "trained_on": list(self.trained_on),
            "firm": sorted(self.firm),
            "weights": {k.decode(): round(v, 4) for k, v in sorted(self.weights.items())},
        }


#: A sentence ends at ``.``, ``!`` or ``?`` before a blank (not inside a link or a number),
#: at a line break, or after a link.
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?]+(?=[^\s.!?]))+(?:[.!?]+|\n|$)")
_LINK_END = re.compile(r"(?i)\b(?:https?://|www\.)\S+(?=\s)")


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences (or lines) of ``text`` that hold more than blanks."""
    spans = []
    start = 0
    for stop in [m.end() for m in _LINK_END.finditer(text)] + [len(text)]:
        for m in _SENTENCE.finditer(text[start:stop]):
            if not m[0].isspace():
                spans.append((start + m.start(), start + m.end()))
        start = stop
    return spans


def load_default() -> StyleModel:
    """The model shipped with the package."""
    text = resources.files("notifybot.policy").joinpath("style_model.json").read_text("utf-8")
    return StyleModel.from_json(json.loads(text))


def feature_spans(skeleton: str, feature: str) -> list[tuple[int, int]]:
    """Where a word feature (a word or a word pair) occurs in ``skeleton``, as spans."""
    words = feature.split(" ")
    if any(w.startswith("#") for w in words):
        return []
    pattern = r"(?<![a-z0-9])" + r"[^a-z0-9]+".join(map(re.escape, words)) + r"(?![a-z0-9])"
    return [m.span() for m in re.finditer(pattern, skeleton)]
