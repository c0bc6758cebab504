"""One wording rule, and the book that indexes rules by their trigger words.

A rule is a regex over the normalised *skeleton* (see :mod:`notifybot.policy.normalise`) plus
the words that can start a match (its triggers). A text is only searched with the rules whose
triggers it contains, so a check costs one tokenisation and a set intersection, plus a few
regex searches, instead of hundreds.

``unless`` names benign phrasings: a match that lies inside a benign match (``free`` inside
``free cancellation``, ``remise`` inside ``remise en main propre``) is not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import attrs

from notifybot.policy.normalise import fold_pattern, fold_word

_TOKEN = re.compile(r"[a-z0-9]+")
_UNLESS_WINDOW = 60


@attrs.frozen
class Rule:
    """A wording rule: id, human message, trigger words, skeleton regex, benign exceptions."""

    rule_id: str
    message: str
    triggers: frozenset[str]
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None = None

    def matches(self, skeleton: str) -> Iterator[tuple[int, int]]:
        """Spans of the skeleton that this rule reports (benign phrasings excluded)."""
        for m in self.pattern.finditer(skeleton):
            start, end = m.span()
            if end == start:
                continue
            if self.unless is not None and self._benign(skeleton, start, end):
                continue
            yield start, end

    def _benign(self, skeleton: str, start: int, end: int) -> bool:
        assert self.unless is not None
        lo = max(0, start - _UNLESS_WINDOW)
        hi = end + _UNLESS_WINDOW
        return any(
            b.start() <= start and b.end() >= end
            for b in self.unless.finditer(skeleton, lo, hi)
        )


def rule(
    rule_id: str, message: str, triggers: str, *patterns: str, unless: str | None = None
) -> Rule:
    """Build a :class:`Rule` from readable words and patterns (folded to skeleton form)."""
    words = frozenset(fold_word(w) for w in triggers.split())
    for w in words:
        if w != "%" and not _TOKEN.fullmatch(w):
            raise ValueError(f"rule {rule_id}: trigger {w!r} is not a single word")
    body = "|".join(f"(?:{p})" for p in patterns)
    return Rule(
        rule_id,
        message,
        words,
        re.compile(fold_pattern(body)),
        re.compile(fold_pattern(unless)) if unless else None,
    )


class RuleBook:
    """Rules indexed by trigger word."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        index: dict[str, list[Rule]] = {}
        for r in self.rules:
            for w in r.triggers:
                index.setdefault(w, []).append(r)
        self._index = {w: tuple(rs) for w, rs in index.items()}
        self._triggers = frozenset(index)
        self._order = {id(r): i for i, r in enumerate(self.rules)}
        ids = [r.rule_id for r in self.rules]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"duplicate rule ids: {sorted(dupes)}")

    def candidates(self, skeleton: str) -> list[Rule]:
        """The rules whose trigger words occur in ``skeleton``, in book order."""
        words = set(_TOKEN.findall(skeleton))
        if "%" in skeleton:
            words.add("%")
        return self.candidates_for(words)

    def candidates_for(self, words: set[str]) -> list[Rule]:
        """The rules triggered by a set of skeleton words, in book order."""
        hit = self._triggers.intersection(words)
        if not hit:
            return []
        if len(hit) == 1:
            return list(self._index[next(iter(hit))])
        chosen: dict[int, Rule] = {}
        for w in hit:
            for r in self._index[w]:
                chosen[id(r)] = r
        return sorted(chosen.values(), key=lambda r: self._order[id(r)])

    def scan(self, skeleton: str) -> Iterator[tuple[Rule, int, int]]:
        """Every (rule, start, end) reported on ``skeleton``."""
        for r in self.candidates(skeleton):
            for start, end in r.matches(skeleton):
                yield r, start, end
