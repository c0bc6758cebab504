"""The policy engine's fast paths give what the plain ways of computing the same thing give.

Each shortcut (the codec-based fold, the leet pre-check, the rule index filed by rare words,
the benign check through the token set, the link pre-filter, remembered plans and labels) is
compared with a direct computation on generated and corpus texts.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.policy.corpus import CORPORA, load

from notifybot.policy import PolicyEngine, check, urls
from notifybot.policy import normalise as nm
from notifybot.policy.cues import CUE_BOOK
from notifybot.policy.engine import BOOK
from notifybot.policy.normalise import skeleton_tokens
from notifybot.policy.rule import Rule, RuleBook

ROWS = [r for path in CORPORA.values() for r in load(path)]
TEXTS = [str(r["text"]) for r in ROWS]
SKELETONS = [nm.skeleton(t)[0] for t in TEXTS]

ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=120) | st.text(
    st.sampled_from(list("Free SALE 0134@$€ %.-!\u200b\ufe0f🎁✈éÉßœΣς’…İ\n\x00\x7f")),
    max_size=60,
)
LEETISH = st.text(st.sampled_from(list("abcdefghijklmnopqrstuvwxyz0123456789@$|!E .,-:'")),
                  max_size=60) | st.lists(st.lists(st.sampled_from(
                      ["a", "ab", "abc", "abcd", "s", "1", "12", "134", "2024", "!", "$", "E"]),
                      max_size=5).map("".join), max_size=6).map(" ".join)


def _reference_fold(text: str) -> tuple[str, list[int] | None]:
    """Character by character: the one-to-one table on the lower-cased text, else fold_char."""
    lowered = text.replace("\u0130", "I").lower()
    fast = nm._fold_latin1(lowered)
    if fast is not None:
        return fast, None
    folded, index = nm._fold_general(text, lowered)
    return folded, nm.built(index)


@settings(max_examples=400)
@given(ANY_TEXT)
def test_the_codec_fold_equals_the_character_by_character_fold(text: str) -> None:
    if text.isascii():
        text += "é"
    folded, index = nm._fold_non_ascii(text)
    assert (folded, nm.built(index)) == _reference_fold(text)


def test_a_final_sigma_folds_as_a_lone_one() -> None:
    # Runs are lower-cased on their own, out of context: only the sigma depends on context.
    assert nm._TABLE.get(ord("σ")) == nm._TABLE.get(ord("ς"))
    for text in ("ΟΔΟΣ x", "ΣΟΣ", "aΣ", "Σ.", "café ΟΔΟΣ 🎁"):
        folded, index = nm._fold_non_ascii(text)
        assert (folded, nm.built(index)) == _reference_fold(text)


def _reference_unleet(folded: str) -> tuple[str, list[tuple[int, int]]]:
    """Word by word: every word of letters and leet characters with two letters or more."""
    pieces, changed, done = [], [], 0
    for m in re.finditer(r"[a-z0-9@$|!E]+", folded):
        word = m[0]
        if sum(c.isalpha() and c != "E" for c in word) < 2 or nm._CODE.fullmatch(word):
            continue
        plain = nm._unleet_word(word)
        if plain != word:
            pieces += (folded[done:m.start()], plain)
            done = m.end()
            changed.append(m.span())
    return "".join(pieces) + folded[done:], changed


@settings(max_examples=1000)
@given(LEETISH)
def test_the_leet_pass_reads_every_word_with_two_letters(text: str) -> None:
    cls = text.encode("ascii").translate(nm._CLASS)
    expected = _reference_unleet(text)
    if nm._LEET_IN_WORD.search(cls) is None:
        assert expected == (text, [])
    else:
        assert nm._unleet(text, cls) == expected


def test_the_leet_pass_skips_reference_numbers_times_and_seats() -> None:
    text = "flight ba117 and af1234, seat 23f at 15h40. thanks sam!"
    cls = text.encode("ascii").translate(nm._CLASS)
    assert nm._unleet(text, cls) == (text, [])
    for changed in ("your 1st order", "d1sc0unt", "s4l3", "save10", "fr33", "b1g", "ab13", "$ale",
                    "ab1!", "sa!!", "1ab", "abc1d", "save134"):
        cls = changed.encode("ascii").translate(nm._CLASS)
        assert nm._LEET_IN_WORD.search(cls) is not None, changed
        assert nm._unleet(changed, cls) == _reference_unleet(changed), changed
        assert nm._unleet(changed, cls)[1], changed


_LINK_WORDS = {w.split("_")[0] for w in urls._PROMO_WORDS | urls._PROMO_KEYS if len(w) >= 3}
_LINK_WORDS.add("utm_")


@settings(max_examples=400)
@given(st.text(st.sampled_from(list("abcdeilmnoprstuvwy_-/.?=&0123")), max_size=40),
       st.sampled_from(sorted(_LINK_WORDS)), st.integers(0, 40), st.integers(0, 12))
def test_the_link_prefilter_finds_exactly_the_promotional_substrings(
    text: str, word: str, at: int, keep: int
) -> None:
    text = text[:at] + word[:keep] + text[at:]
    assert (urls._MAYBE.search(text) is not None) == any(w in text for w in _LINK_WORDS)


def test_the_link_prefilter_knows_every_word() -> None:
    for word in _LINK_WORDS:
        assert urls._MAYBE.search(f"https://x.example/a?{word}=1") is not None, word
    assert urls._MAYBE.search("https://x.example/orders/88123/track") is None


def test_a_link_without_a_promotional_word_has_no_reason() -> None:
    links = [m[0] for t in TEXTS for m in re.finditer(r"(?:https?://|www\.)\S+", t)]
    links += ["https://ex.com/c?utm_campaign=black%20friday", "www.example.fr/soldes-ete",
              "https://t.example.es/p?utm_campaign=rebajas_verano&x=1", "https://x.example/a."]
    assert len(links) > 20
    for link in links:
        reasons = urls.check_url(link, (0, len(link)))
        assert urls.may_promote(link) or not reasons, link
    assert not urls.may_promote("https://fly.example.com/manage/QX7P2L.")
    assert urls.may_promote("https://shop.example.com/x?utm_source=chat&utm_medium=promo")


def _reference_scan(
    book: RuleBook, skeleton: str, tokens: set[bytes], lang: str | None
) -> list[tuple[str, int, int]]:
    """Rules tried at every whole-word occurrence of their first words (no filing, no plan)."""
    by_first: dict[str, list[tuple[Rule, re.Pattern[str] | None, frozenset[str],
                                   frozenset[str]]]] = {}
    for r in book.rules:
        for w, needs, any_of, pattern in r.anchors:
            by_first.setdefault(w, []).append((r, pattern, needs, any_of))
        for w in r.triggers:
            by_first.setdefault(w, []).append((r, None, frozenset(), frozenset()))
    words = {t.decode() for t in tokens}
    found: list[tuple[Rule, int, int]] = []
    for w, entries in by_first.items():
        if w == "%" or w not in words:
            continue
        live = [(r, p) for r, p, needs, any_of in entries
                if needs <= words and (not any_of or any_of & words) and lang not in r.not_in]
        for m in re.finditer(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])", skeleton):
            for r, p in live:
                hit = (p.match(skeleton, m.start()) if p is not None else
                       r.pattern.search(skeleton, max(0, m.start() - r.back), m.end() + r.ahead))
                if hit is not None and hit.end() > hit.start():
                    found.append((r, hit.start(), hit.end()))
    for pos in (i for i, c in enumerate(skeleton) if c == "%"):
        for r, _, _, _ in by_first.get("%", []):
            hit = r.pattern.search(skeleton, max(0, pos - r.back), pos + 1 + r.ahead)
            if hit is not None and hit.end() > hit.start():
                found.append((r, hit.start(), hit.end()))
    kept = {(r.rule_id, a, b) for r, a, b in found if not r.benign(skeleton, a, b)}
    return sorted(kept, key=lambda f: (f[1], f[2], f[0]))


def test_the_rule_index_finds_what_trying_every_first_word_finds() -> None:
    extra = [s + " " + t for s, t in zip(SKELETONS[::7], SKELETONS[3::7], strict=False)]
    for skeleton in SKELETONS + extra:
        tokens = set(skeleton_tokens(skeleton))
        for book in (BOOK, CUE_BOOK):
            for lang in (None, "es"):
                got = sorted(((r.rule_id, a, b) for r, a, b in book.scan(skeleton, tokens, lang)),
                             key=lambda f: (f[1], f[2], f[0]))
                assert got == _reference_scan(book, skeleton, tokens, lang), skeleton


def test_benign_through_the_token_set_equals_the_window_scan() -> None:
    rules = [r for r in BOOK.rules + CUE_BOOK.rules if r.unless is not None]
    checked = 0
    for skeleton in SKELETONS:
        tokens = set(skeleton_tokens(skeleton))
        for r in rules:
            for m in r.pattern.finditer(skeleton):
                if m.end() > m.start():
                    checked += 1
                    assert r.benign(skeleton, m.start(), m.end(), tokens) == r.benign(
                        skeleton, m.start(), m.end()), (r.rule_id, skeleton)
    assert checked > 100


def test_remembered_plans_give_the_verdicts_of_a_fresh_engine() -> None:
    warm = PolicyEngine()
    for r in ROWS + ROWS[::-1]:
        buttons = tuple(map(str, r.get("buttons") or ()))
        text = str(r["text"])
        assert warm.check(text, buttons=buttons) == PolicyEngine().check(text, buttons=buttons)
        assert warm.check(text, lang=str(r["lang"])) == PolicyEngine().check(
            text, lang=str(r["lang"]))


def test_changing_the_cues_or_the_book_forgets_remembered_plans() -> None:
    engine = PolicyEngine()
    text = "Swap to paperless billing today and get a $5 credit."
    assert {r.rule_id for r in engine.check(text).reasons} == {"cue.benefit.en", "cue.cta.en"}
    engine.cues = False
    assert not any(r.rule_id.startswith("cue.") for r in engine.check(text).reasons)
    engine.cues = True
    assert {r.rule_id for r in engine.check(text).reasons} == {"cue.benefit.en", "cue.cta.en"}
    promo = "Your parcel has shipped. Use code SAVE10 at checkout."
    assert "coupon.en.code" in {r.rule_id for r in engine.check(promo).reasons}
    engine.book = RuleBook([])
    assert engine.check(promo).allowed


def test_a_remembered_button_label_keeps_its_own_field() -> None:
    text = "Your package is out for delivery."
    for _ in range(2):
        v = check(text, buttons=["Shop now", "Track package", "Shop now"])
        assert [(r.rule_id, r.field, r.span) for r in v.reasons] == [
            ("button.call-to-action", "button 0", (0, 8)),
            ("button.call-to-action", "button 2", (0, 8)),
        ]
