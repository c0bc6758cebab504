"""Precision/recall of the policy engine on the labelled corpora, per language.

Run: python bench/policy_report.py [-v] [tuning|held-out|held-out-2|...|held-out-7|train_retail|...]
(-v lists every misclassified message; a corpus name limits the report to that corpus)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from notifybot.policy import check

HERE = Path(__file__).resolve().parent.parent / "tests" / "policy"
NAMES = {"corpus.jsonl": "tuning", "corpus_heldout.jsonl": "held-out"}
#: Every corpus: the original tuning and held-out splits, the training splits of the style
#: model (corpus_train_*.jsonl) and held-outs 6 and 7, which no rule and no model was built on.
CORPORA = {
    NAMES.get(p.name, p.stem.removeprefix("corpus_").replace("heldout", "held-out-")): p
    for p in sorted(HERE.glob("corpus*.jsonl"))
}


def load(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def report(name: str, rows: list[dict[str, object]], verbose: bool) -> None:
    print(f"\n== {name} corpus ({len(rows)} messages)")
    print(f"{'lang':<6}{'mkt→refused':>13}{'mkt→allowed':>13}{'util→refused':>14}"
          f"{'util→allowed':>14}{'mkt refused %':>15}{'util refused %':>16}")
    totals = [0, 0, 0, 0]
    for lang in ("en", "fr", "es", "all"):
        cells = [0, 0, 0, 0]
        for row in rows:
            if lang != "all" and row["lang"] != lang:
                continue
            verdict = check(str(row["text"]), buttons=list(row.get("buttons", [])))  # type: ignore[call-overload]
            marketing = row["label"] == "marketing"
            cell = (0 if not verdict.allowed else 1) if marketing else (2 if not verdict.allowed
                                                                         else 3)
            cells[cell] += 1
            if verbose and lang != "all" and cell in (1, 2):
                why = "; ".join(str(r) for r in verdict.reasons)
                print(f"   MISS [{row['label']}] {row['text']!r} {row.get('buttons', '')} {why}")
        if lang == "all":
            totals = cells
        mkt = cells[0] + cells[1]
        util = cells[2] + cells[3]
        print(f"{lang:<6}{cells[0]:>13}{cells[1]:>13}{cells[2]:>14}{cells[3]:>14}"
              f"{100 * cells[0] / max(mkt, 1):>14.1f}%{100 * cells[2] / max(util, 1):>15.1f}%")
    tp, fn, fp, _tn = totals
    precision = tp / max(tp + fp, 1)
    print(f"marketing recall {100 * tp / max(tp + fn, 1):.1f}%  precision {100 * precision:.1f}%")


def main() -> None:
    verbose = "-v" in sys.argv
    wanted = [a for a in sys.argv[1:] if a in CORPORA] or list(CORPORA)
    for name in wanted:
        report(name, load(CORPORA[name]), verbose)


if __name__ == "__main__":
    main()
