"""Properties of the policy engine over generated inputs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.policy.corpus import HELD_OUT, TUNING, load

from notifybot.policy import check
from notifybot.policy.lint import lint_template_source
from notifybot.policy.normalise import normalise

UTILITY = [str(r["text"]) for r in load(TUNING) + load(HELD_OUT)
           if r["label"] == "utility" and not r.get("buttons")]
PROMOTIONS = [
    "Use code SAVE10 for 10% off your next order.",
    "Don't miss our summer sale!",
    "Refer a friend and get $10.",
    "Download our app for exclusive deals.",
    "We miss you! Come back and enjoy a free coffee.",
    "Profitez de -20 % sur toute la boutique.",
    "Code promo ETE : livraison gratuite.",
    "Découvrez notre nouvelle collection.",
    "¡Aprovecha un 30% de descuento!",
    "Envío gratis solo este fin de semana.",
    "Invita a tus amigos y gana 5 €.",
]
GLUE = [" ", "\n", " P.S. "]
ZERO_WIDTH = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])
ANY_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",)), max_size=200
) | st.text(st.sampled_from(list("free sale 0134@$€ %.-\u200b🎁éÉ\n")), max_size=80)


@settings(max_examples=300)
@given(ANY_TEXT)
def test_never_fails_and_spans_slice_the_original(text: str) -> None:
    v = check(text)
    assert v.allowed == (not v.reasons)
    assert v.category == ("utility" if v.allowed else "marketing")
    for r in v.reasons:
        assert 0 <= r.span[0] <= r.span[1] <= len(text)
        assert text[r.span[0] : r.span[1]] == r.matched


@settings(max_examples=300)
@given(ANY_TEXT)
def test_skeleton_map_is_ordered_and_in_bounds(text: str) -> None:
    n = normalise(text)
    assert n.text.isascii()
    if n.index is None:
        assert len(n.text) == len(text)
    else:
        assert len(n.index) == len(n.text)
        assert list(n.index) == sorted(n.index)
        assert all(0 <= i < len(text) for i in n.index)


@settings(max_examples=200)
@given(st.sampled_from(UTILITY), st.sampled_from(PROMOTIONS), st.sampled_from(GLUE))
def test_any_promotion_appended_to_utility_makes_it_marketing(
    utility: str, promotion: str, glue: str
) -> None:
    assert check(utility).allowed
    v = check(utility + glue + promotion)
    assert not v.allowed
    assert any(r.span[1] > len(utility) for r in v.reasons)


@settings(max_examples=200)
@given(st.sampled_from(PROMOTIONS), st.data())
def test_zero_width_characters_and_case_do_not_hide_a_promotion(
    promotion: str, data: st.DataObject
) -> None:
    chars = list(promotion)
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(chars)))
        chars.insert(at, data.draw(ZERO_WIDTH))
    text = "".join(chars)
    text = text.upper() if data.draw(st.booleans()) else text
    assert not check(text).allowed, text


@settings(max_examples=100)
@given(st.sampled_from(UTILITY + PROMOTIONS))
def test_lint_of_plain_text_agrees_with_check(text: str) -> None:
    findings = lint_template_source(text)
    assert len(findings) == len(check(text).reasons)
    for f in findings:
        line = text.splitlines()[f.line - 1]
        assert line[f.column - 1 :].startswith(f.matched)
