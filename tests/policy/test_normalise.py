"""The skeleton and its map back to the original text."""

from __future__ import annotations

import pytest

from notifybot.policy.normalise import fold_pattern, normalise


@pytest.mark.parametrize(
    ("text", "skeleton"),
    [
        ("Hello World", "heiio worid"),
        ("Réduction À Gagner", "reduction a gagner"),
        ("d1sc0unt 50% 0FF", "discount 50% off"),
        ("fr€e $ale", "free saie"),
        ("f r e e", "free"),
        ("S.A.L.E", "saie"),
        ("dis\u200bcount", "discount"),
        ("f🎁r🎁e🎁e", "free"),
        ("Ｆｒｅｅ", "free"),
        ("𝐟𝐫𝐞𝐞", "free"),
        ("Fr\u0435\u0435", "free"),
        ("cœur", "coeur"),
        ("16,40 €", "16,40 E"),
        ("seat 3A, flight BA2490", "seat 3a, fiight ba2490"),
        ("2x1", "2x1"),
    ],
)
def test_skeletons(text: str, skeleton: str) -> None:
    assert normalise(text).text == skeleton


def test_index_maps_back_through_deletions_and_expansions() -> None:
    text = "Prix: cœur f r e e dis\u200bcount 🎁"
    n = normalise(text)
    start = n.text.index("discount")
    a, b = n.original_span(start, start + len("discount"))
    assert text[a:b] == "dis\u200bcount"
    start = n.text.index("free")
    a, b = n.original_span(start, start + 4)
    assert text[a:b] == "f r e e"
    start = n.text.index("coeur")
    assert text[slice(*n.original_span(start, start + 5))] == "cœur"


def test_urls_are_cut_out_and_reported() -> None:
    text = "See https://Example.com/Promo?x=1 now"
    n = normalise(text)
    assert "promo" not in n.text
    ((a, b),) = n.urls
    assert text[a:b] == "https://Example.com/Promo?x=1"


def test_patterns_fold_like_text() -> None:
    assert fold_pattern(r"\bréduction\b") == r"\breduction\b"
    assert fold_pattern("sale") == "saie"
    assert fold_pattern(r"\bsoldes?\B") == r"\bsoides?\B"
