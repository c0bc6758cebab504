"""The labelled corpora: shape, and the engine's targets on both splits."""

from __future__ import annotations

from collections import Counter

import pytest
from tests.policy.corpus import HELD_OUT, TUNING, load

from notifybot.policy import check

TARGET_MARKETING_REFUSED = 0.97
TARGET_UTILITY_REFUSED = 0.03


def test_corpus_is_large_varied_and_labelled() -> None:
    tuning, held_out = load(TUNING), load(HELD_OUT)
    rows = tuning + held_out
    assert len(rows) >= 300
    assert len(held_out) >= 0.25 * len(rows)
    kinds = Counter((r["lang"], r["label"]) for r in rows)
    for lang in ("en", "fr", "es"):
        for label in ("utility", "marketing"):
            assert kinds[(lang, label)] >= 30, (lang, label)
    assert len({r["text"] for r in rows}) == len(rows), "duplicate messages"
    assert all(set(r) <= {"text", "lang", "label", "buttons", "note"} for r in rows)
    assert sum(1 for r in rows if r.get("buttons")) >= 20


@pytest.mark.parametrize("path", [TUNING, HELD_OUT], ids=["tuning", "held-out"])
def test_targets(path: object) -> None:
    rows = load(path)  # type: ignore[arg-type]
    marketing = [r for r in rows if r["label"] == "marketing"]
    utility = [r for r in rows if r["label"] == "utility"]
    missed = [r["text"] for r in marketing
              if check(str(r["text"]), buttons=list(r.get("buttons", []))).allowed]
    wrongly = [r["text"] for r in utility
               if not check(str(r["text"]), buttons=list(r.get("buttons", []))).allowed]
    assert 1 - len(missed) / len(marketing) >= TARGET_MARKETING_REFUSED, missed
    assert len(wrongly) / len(utility) <= TARGET_UTILITY_REFUSED, wrongly


def test_language_detection_on_corpus() -> None:
    rows = load(TUNING) + load(HELD_OUT)
    right = sum(1 for r in rows if check(str(r["text"])).lang == r["lang"])
    assert right / len(rows) >= 0.9
