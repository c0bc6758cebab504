"""Loading the labelled policy corpora (shared by the tests and bench/policy_report.py)."""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
TUNING = HERE / "corpus.jsonl"
HELD_OUT = HERE / "corpus_heldout.jsonl"
#: A second held-out split, written later (after the first rules) and never tuned on.
HELD_OUT_2 = HERE / "corpus_heldout2.jsonl"
#: A third held-out split, utility-heavy, written after the combined cues and never tuned on.
HELD_OUT_3 = HERE / "corpus_heldout3.jsonl"
#: A fourth held-out split, keyword-light marketing, written last and measured blind once.
HELD_OUT_4 = HERE / "corpus_heldout4.jsonl"
#: A fifth held-out split: measured once, blind, by the rules (75 % / 0 %); the style model
#: has since been trained on it.
HELD_OUT_5 = HERE / "corpus_heldout5.jsonl"
#: The blind split: written by a writer who never saw the engine or the other corpora, and
#: kept out of every rule change and of the style model's training.
HELD_OUT_6 = HERE / "corpus_heldout6.jsonl"
#: A second blind split, written with the third round of training corpora and measured once,
#: with the final model of that round.
HELD_OUT_7 = HERE / "corpus_heldout7.jsonl"
#: The splits never trained or tuned on.
BLIND = {"held-out-6": HELD_OUT_6, "held-out-7": HELD_OUT_7}
#: The style model's training splits, written blind to the engine (by vertical and by kind).
TRAINING = {p.stem.removeprefix("corpus_"): p for p in sorted(HERE.glob("corpus_train_*.jsonl"))}
CORPORA = {"tuning": TUNING, "held-out": HELD_OUT, "held-out-2": HELD_OUT_2,
           "held-out-3": HELD_OUT_3, "held-out-4": HELD_OUT_4, "held-out-5": HELD_OUT_5,
           **TRAINING, **BLIND}
#: What the shipped style model must have been trained on: everything but the blind splits.
TRAINED_ON = sorted(p.name for name, p in CORPORA.items() if name not in BLIND)


def load(path: Path) -> list[dict[str, object]]:
    """Rows of a JSONL corpus: text, lang, label, and optional buttons and note."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
