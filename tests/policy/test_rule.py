"""Rule construction: first words read from patterns, required words, the rule book."""

from __future__ import annotations

import pytest

from notifybot.policy.engine import BOOK
from notifybot.policy.normalise import fold_pattern
from notifybot.policy.rule import RuleBook, first_words, required_words, rule, windowed


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"\bfree (?:gifts?|shipping)\b", {"free"}),
        (r"\b(?:get|claim|try)\b\s+free", {"get", "ciaim", "try"}),
        (r"(?<!point of )\bsale\b", {"saie"}),
        (r"\bgratuite?s?\b", {"gratuit", "gratuite", "gratuits", "gratuites"}),
        (r"\bit'?s been", {"it", "its"}),
        (r"\bdescúbre(?:la|lo)?\b", {"descubre", "descubreia", "descubreio"}),
        (r"\bupgrade\b[^.!?\n]{0,50}\bfor", {"upgrade"}),
    ],
)
def test_first_words(pattern: str, words: set[str]) -> None:
    assert first_words(fold_pattern(pattern)) == words


@pytest.mark.parametrize(
    "pattern", [r"\d+% off", r"-\s?\d", r"[$E]\d", r"\bdiscount\w*", r"\w+ off"]
)
def test_patterns_not_starting_with_a_word_are_rejected(pattern: str) -> None:
    with pytest.raises(ValueError):
        rule("x", "x", pattern)


def test_required_words_are_conservative() -> None:
    assert required_words(r"\b(?:a|your) gift (?:for you|awaits)\b") == {"gift"}
    assert required_words(r"\bgifts? with") == set()
    assert required_words(r"\brecomienda(?:nos)? a (?:un|tus) amig") == {"a"}


def test_anchored_rule_fires_only_at_its_words() -> None:
    book = RuleBook([rule("t.free", "free gift", r"\bfree gifts?\b", unless=r"no free gift")])
    assert [(r.rule_id, s, e) for r, s, e in book.scan("a free gift and free gifts")] == [
        ("t.free", 2, 11), ("t.free", 16, 26)]
    assert list(book.scan("freegift, no free gift")) == []


def test_windowed_rule_searches_around_its_trigger() -> None:
    book = RuleBook([windowed("t.pct", "pct", "%", r"\d+\s?% off", back=10, ahead=5)])
    ((_, s, e),) = book.scan("now 25 % off")
    assert (s, e) == (4, 12)
    with pytest.raises(ValueError):
        windowed("t.bad", "bad", "co-op", "x")


def test_rule_ids_are_unique_and_namespaced() -> None:
    with pytest.raises(ValueError):
        RuleBook([rule("a", "a", r"\bx\b"), rule("a", "b", r"\by\b")])
    assert len(BOOK.rules) >= 40
    assert all("." in r.rule_id for r in BOOK.rules)
