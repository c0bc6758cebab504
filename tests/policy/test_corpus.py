"""The labelled corpora: shape, the fit of the shipped engine, and the blind split's floor."""

from __future__ import annotations

from collections import Counter

import pytest
from tests.policy.corpus import BLIND, CORPORA, TRAINING, load

from notifybot.policy import check

TARGET_MARKETING_REFUSED = 0.97
TARGET_UTILITY_REFUSED = 0.03
#: The blind splits, measured with the final engine of the third training round (docs/policy.md):
#: held-out 6 97.5 % / 1.7 %, held-out 7 (measured once) 96.7 % / 1.3 %. The floors keep
#: later changes from doing worse on them; they are not the issue's target.
BLIND_MARKETING_REFUSED = {"held-out-6": 0.95, "held-out-7": 0.95}
BLIND_UTILITY_REFUSED = 0.03


def test_corpus_is_large_varied_and_labelled() -> None:
    rows = [row for path in CORPORA.values() for row in load(path)]
    assert len(rows) >= 4000
    assert len(TRAINING) >= 10
    kinds = Counter((r["lang"], r["label"]) for r in rows)
    for lang in ("en", "fr", "es"):
        for label in ("utility", "marketing"):
            assert kinds[(lang, label)] >= 500, (lang, label)
    for path in BLIND.values():
        blind = Counter((r["lang"], r["label"]) for r in load(path))
        assert min(blind.values()) >= 30 and len(blind) == 6
    texts = [" ".join(str(r["text"]).split()).casefold() for r in rows]
    assert len(set(texts)) == len(texts), "duplicate messages"
    assert all(set(r) <= {"text", "lang", "label", "buttons", "note"} for r in rows)
    assert all(r["label"] in ("utility", "marketing") for r in rows)
    assert sum(1 for r in rows if r.get("buttons")) >= 200


def _rates(rows: list[dict[str, object]]) -> tuple[float, float, list[object], list[object]]:
    marketing = [r for r in rows if r["label"] == "marketing"]
    utility = [r for r in rows if r["label"] == "utility"]
    missed = [r["text"] for r in marketing
              if check(str(r["text"]), buttons=list(r.get("buttons", []))).allowed]
    wrongly = [r["text"] for r in utility
               if not check(str(r["text"]), buttons=list(r.get("buttons", []))).allowed]
    return 1 - len(missed) / len(marketing), len(wrongly) / len(utility), missed, wrongly


def test_the_engine_fits_what_it_was_built_on() -> None:
    """In-sample figures: a stale style model (corpora changed, not retrained) fails here."""
    refused, wrongly_refused, missed, wrongly = _rates(
        [row for name, path in CORPORA.items() if name not in BLIND for row in load(path)])
    assert refused >= TARGET_MARKETING_REFUSED, missed
    assert wrongly_refused <= TARGET_UTILITY_REFUSED, wrongly


@pytest.mark.parametrize("name", sorted(BLIND))
def test_blind_split_does_not_regress(name: str) -> None:
    refused, wrongly_refused, missed, wrongly = _rates(load(BLIND[name]))
    assert refused >= BLIND_MARKETING_REFUSED[name], missed
    assert wrongly_refused <= BLIND_UTILITY_REFUSED, wrongly


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_language_detection_on_corpus(lang: str) -> None:
    rows = [row for path in CORPORA.values() for row in load(path) if row["lang"] == lang]
    right = sum(1 for r in rows if check(str(r["text"])).lang == lang)
    assert right / len(rows) >= 0.85
