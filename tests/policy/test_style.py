"""The style model: features, loading, and how the engine weighs findings with it."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from tests.policy.corpus import HELD_OUT_6, TRAINED_ON, TUNING, load

from notifybot.errors import ConfigurationError
from notifybot.policy import PolicyEngine
from notifybot.policy.engine import STYLE_RULE
from notifybot.policy.rule import skeleton_tokens
from notifybot.policy.style import StyleModel, feature_spans, features, load_default, sentences


def _model(weights: dict[str, float], *, bias: float = -4.0, firm: frozenset[str] = frozenset(),
           threshold: float = 0.5, alone: float = 0.5, sentence: float = 0.5) -> StyleModel:
    return StyleModel({k.encode(): v for k, v in weights.items()}, bias, threshold, alone,
                      sentence, firm=firm)


def test_features_read_words_pairs_stems_rules_buttons_and_marks() -> None:
    words = skeleton_tokens("your parcel 12345 arrives tomorrow!")
    feats = features(words, rules=["free.en"], buttons=[[b"track"]],
                     skeleton="your parcel 12345 arrives tomorrow!", original="🎁 x",
                     has_url=True)
    assert b"#5" in feats and b"12345" not in feats  # a number stands as its shape
    assert b"parcel #5" in feats and b"your parcel" in feats  # adjacent pairs
    assert b"p:arriv" in feats and b"p:parce" in feats
    assert {b"R:free.en", b"btn:track", b"m:!", b"m:emoji", b"m:url"} <= set(feats)
    assert b"m:nodigit" not in feats
    assert b"m:nodigit" in features(skeleton_tokens("hello there"))


def test_the_shipped_model_is_trained_on_every_split_but_the_blind_one() -> None:
    model = load_default()
    assert sorted(model.trained_on) == TRAINED_ON
    assert not {"corpus_heldout6.jsonl", "corpus_heldout7.jsonl"} & set(model.trained_on)
    assert 0 < model.threshold <= model.threshold_alone < 1
    assert "weights" not in repr(model) and str(len(model.weights)) in repr(model)


@pytest.mark.parametrize("change", [
    {"version": 1}, {"threshold": 1.5}, {"threshold_alone": 0}, {"weights": [1, 2]},
    {"bias": "x"},
])
def test_malformed_model_is_a_configuration_error(change: dict[str, object]) -> None:
    text = resources.files("notifybot.policy").joinpath("style_model.json").read_text("utf-8")
    doc = {**json.loads(text), **change}
    with pytest.raises(ConfigurationError):
        StyleModel.from_json(doc)


def test_round_trip_through_json() -> None:
    model = _model({"sale": 1.25, "R:free.en": -2.0}, firm=frozenset({"referral.en"}))
    again = StyleModel.from_json(json.loads(json.dumps(model.to_json())))
    assert again.weights == model.weights and again.firm == model.firm
    assert (again.threshold, again.threshold_alone, again.threshold_sentence) == (0.5, 0.5, 0.5)


def test_wording_alone_can_refuse_and_the_reason_points_at_the_heaviest_word() -> None:
    engine = PolicyEngine(style=_model({"zebra": 9.0}))
    text = "Your order 4417 ships today. ZEBRA!"
    verdict = engine.check(text)
    assert not verdict.allowed
    (reason,) = verdict.reasons
    assert reason.rule_id == STYLE_RULE and reason.matched == "ZEBRA"
    assert text[reason.span[0] : reason.span[1]] == "ZEBRA"
    assert engine.check("Your order 4417 ships today.").allowed


def test_the_model_weighs_soft_findings_but_not_firm_ones() -> None:
    text = ("The free gift with your order #BW-4410 was out of stock, so it will follow in a "
            "separate parcel.")
    found = {r.rule_id for r in PolicyEngine(style=None).evidence(text).reasons}
    assert found and not any(r.startswith(("obfuscation", "url.", "button.")) for r in found)
    forgiving = _model({f"R:{r}": -9.0 for r in found}, sentence=0.99)
    assert PolicyEngine(style=forgiving).check(text).allowed
    firm = _model({f"R:{r}": -9.0 for r in found}, firm=frozenset(found), sentence=0.99)
    verdict = PolicyEngine(style=firm).check(text)
    assert not verdict.allowed and {r.rule_id for r in verdict.reasons} <= found
    # Disguised words are always firm, whatever the weights say.
    assert not PolicyEngine(style=_model({"R:obfuscation": -50.0})).check(
        "Your order 4417 ships today. F R E E gift inside").allowed


def test_a_promotional_sentence_is_not_diluted_by_a_long_utility_message() -> None:
    utility = ("Your boarding pass for flight UA902 to Denver is ready. Boarding starts at 10:15,"
               " gate C7, seat 23F. ")
    text = utility + "Refer a friend and get $10."
    found = PolicyEngine(style=None).evidence(text).reasons
    assert found and all(r.span[0] >= len(utility) for r in found)
    weights = {f"R:{r.rule_id}": 6.0 for r in found} | {"boarding": -20.0}
    verdict = PolicyEngine(style=_model(weights, threshold=0.5, sentence=0.5)).check(text)
    assert not verdict.allowed
    assert all(r.span[0] >= len(utility) for r in verdict.reasons)
    lenient = _model(weights, threshold=0.5, sentence=0.999)
    assert PolicyEngine(style=lenient).check(text).allowed


def test_short_texts_are_not_judged_on_wording_alone() -> None:
    engine = PolicyEngine(style=_model({"thanks": 50.0}))
    assert engine.check("Thanks!").allowed
    assert engine.check("").allowed
    assert not engine.check("Thanks, thanks, thanks and thanks!").allowed


def test_sentences_and_feature_spans() -> None:
    text = "Order 1 shipped. Track it!\nSee you"
    assert [text[a:b].strip() for a, b in sentences(text)] == [
        "Order 1 shipped.", "Track it!", "See you"]
    assert feature_spans("our new range is here", "new range") == [(4, 13)]
    assert feature_spans("renewal", "new") == []


def test_the_hot_path_score_equals_the_feature_list_score() -> None:
    engine = PolicyEngine()
    model = engine.style
    assert model is not None
    rows = [r for path in (TUNING, HELD_OUT_6) for r in load(path)]
    for row in rows:
        ev = engine.evidence(str(row["text"]), buttons=[str(b) for b in row.get("buttons", ())])  # type: ignore[attr-defined]
        assert abs(ev.probability(model) - model.probability(ev.features())) < 1e-9
