"""Train the policy engine's style model on the labelled corpora.

Run: python tools/train_style_model.py --cv 5 --max-fp 0.03 --threshold-sentence 0.9 --write

Trains a logistic regression (AdaGrad, L2) over the style features (words, word pairs, stems,
button words, the rules that fired, marks) of every corpus in tests/policy/ except the blind
held-out splits listed in ``BLIND``. Rules whose findings are marketing at least
``FIRM_PRECISION`` of the time become *firm* (they refuse without asking the model).

With ``--cv K`` it first reports K-fold out-of-fold figures of the whole engine (firm rules,
else the model's probability against three thresholds: when some rule found something, when
none did, and for a sentence holding a finding) and picks the thresholds with the most
marketing refused while out-of-fold utility refusals stay at or under ``--max-fp``.
``--threshold-sentence`` fixes the sentence threshold (0.9 keeps promotions appended to a
utility message refused). ``--write`` saves src/notifybot/policy/style_model.json.
Deterministic: the folds and the example order come from a fixed seed.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from notifybot.policy.engine import Evidence, PolicyEngine, is_firm  # noqa: E402
from notifybot.policy.style import StyleModel, sentences, sigmoid  # noqa: E402

CORPUS_DIR = ROOT / "tests" / "policy"
OUT = ROOT / "src" / "notifybot" / "policy" / "style_model.json"
#: Splits never trained on: the final, blind measures.
BLIND = frozenset({"corpus_heldout6.jsonl", "corpus_heldout7.jsonl"})
SEED = 20261121
#: A rule is firm (refuses without asking the model) if this share of its findings is marketing.
FIRM_PRECISION = 0.97
MIN_FIRM = 3
MIN_DOCS = 2


def load_rows() -> tuple[list[dict[str, object]], list[str]]:
    rows: list[dict[str, object]] = []
    names = []
    for path in sorted(CORPUS_DIR.glob("corpus*.jsonl")):
        if path.name in BLIND:
            continue
        names.append(path.name)
        rows.extend(json.loads(line) for line in path.read_text("utf-8").splitlines() if line)
    return rows, names


RULES_ONLY = PolicyEngine(style=None)


def evidence(row: dict[str, object]) -> Evidence:
    return RULES_ONLY.evidence(str(row["text"]), buttons=[str(b) for b in row.get("buttons", ())])  # type: ignore[attr-defined]


def train(
    docs: Sequence[list[bytes]], labels: Sequence[int], *, epochs: int = 30, rate: float = 0.5,
    l2: float = 1e-3, min_docs: int = MIN_DOCS,
) -> tuple[dict[bytes, float], float]:
    df = Counter(f for d in docs for f in d)
    kept = [[f for f in d if df[f] >= min_docs] for d in docs]
    w: dict[bytes, float] = {}
    g2: dict[bytes, float] = {}
    bias, bias_g2 = 0.0, 0.0
    order = list(range(len(docs)))
    rng = random.Random(SEED)
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            feats = kept[i]
            z = bias + sum(w.get(f, 0.0) for f in feats)
            p = sigmoid(z)
            err = p - labels[i]
            for f in feats:
                grad = err + l2 * w.get(f, 0.0)
                g2[f] = g2.get(f, 0.0) + grad * grad
                w[f] = w.get(f, 0.0) - rate * grad / math.sqrt(g2[f] + 1e-8)
            bias_g2 += err * err
            bias -= rate * err / math.sqrt(bias_g2 + 1e-8)
    return {f: v for f, v in w.items() if abs(v) >= 1e-3}, bias


def sentence_docs(ev: Evidence) -> list[list[bytes]]:
    """Features of each sentence holding a text finding, as the engine scores them."""
    docs = []
    for start, end in sentences(ev.text):
        if any(r.field == "text" and r.span[0] < end and start < r.span[1] for r in ev.reasons):
            sentence = RULES_ONLY.evidence(ev.text[start:end], lang=ev.lang)
            docs.append(sorted(set(sentence.features())))
    return docs


def firm_rules(evs: Sequence[Evidence], labels: Sequence[int]) -> frozenset[str]:
    """Rules whose findings are marketing at least FIRM_PRECISION of the time (and MIN_FIRM)."""
    hits: dict[str, list[int]] = {}
    for ev, label in zip(evs, labels, strict=True):
        for rule_id in {r.rule_id for r in ev.reasons}:
            hits.setdefault(rule_id, [0, 0])[label] += 1
    return frozenset(rule_id for rule_id, (util, mkt) in hits.items()
                     if mkt >= MIN_FIRM and mkt / (mkt + util) >= FIRM_PRECISION)


def probability(weights: dict[bytes, float], bias: float, feats: list[bytes]) -> float:
    return sigmoid(bias + sum(weights.get(f, 0.0) for f in feats))


def cross_validate(
    evs: list[Evidence], docs: list[list[bytes]], labels: list[int], k: int, max_fp: float,
    sentence: float | None = None,
) -> tuple[float, float, float]:
    by_rules = [bool(e.reasons) for e in evs]
    firm = [False] * len(evs)
    sentence_features = [sentence_docs(e) if e.reasons else [] for e in evs]
    by_sentence = [0.0] * len(evs)
    idx = list(range(len(evs)))
    random.Random(SEED).shuffle(idx)
    oof = [0.0] * len(evs)
    for fold in range(k):
        test = set(idx[fold::k])
        train_i = [i for i in idx if i not in test]
        w, b = train([docs[i] for i in train_i], [labels[i] for i in train_i])
        firm_set = firm_rules([evs[i] for i in train_i], [labels[i] for i in train_i])
        for i in test:
            oof[i] = probability(w, b, docs[i])
            firm[i] = any(is_firm(r.rule_id, firm_set) for r in evs[i].reasons)
            by_sentence[i] = max((probability(w, b, d) for d in sentence_features[i]),
                                 default=0.0)
    n_mkt = sum(labels)
    n_util = len(labels) - n_mkt
    rules_tp = sum(1 for i in idx if labels[i] and by_rules[i])
    rules_fp = sum(1 for i in idx if not labels[i] and by_rules[i])
    print(f"rules alone: marketing refused {100 * rules_tp / n_mkt:.1f}%  utility refused "
          f"{100 * rules_fp / n_util:.1f}%  ({len(evs)} messages, {k}-fold)")
    grid = []
    for t1 in (0.3, 0.5, 0.7, 0.8):
        for t2 in (0.8, 0.9, 0.95, 0.97, 0.99):
            for ts in (0.8, 0.9, 0.95, 0.97, 0.99) if sentence is None else (sentence,):
                refused = [firm[i] or (oof[i] >= t1 or by_sentence[i] >= ts if by_rules[i]
                                       else oof[i] >= t2) for i in idx]
                tp = sum(1 for i, r in zip(idx, refused, strict=True) if labels[i] and r)
                fp = sum(1 for i, r in zip(idx, refused, strict=True) if not labels[i] and r)
                grid.append((tp / n_mkt, fp / n_util, t1, t2, ts))
    print(f"{'threshold':>10}{'alone':>7}{'sentence':>10}{'mkt refused %':>15}"
          f"{'util refused %':>16}")
    for recall, fp_rate, t1, t2, ts in sorted(grid, reverse=True)[:400]:
        if max_fp / 2 <= fp_rate <= 1.5 * max_fp:
            print(f"{t1:>10.2f}{t2:>7.2f}{ts:>10.2f}{100 * recall:>15.1f}{100 * fp_rate:>16.1f}")
    fitting = [g for g in grid if g[1] <= max_fp]
    best = max(fitting) if fitting else (0.0, 0.0, 0.8, 0.99, 0.99)
    chosen = best[2:]
    print(f"chosen thresholds (rule found, alone, sentence) {chosen}: out of fold, marketing "
          f"refused {100 * best[0]:.1f}%, utility refused {100 * best[1]:.1f}% "
          f"(at most {100 * max_fp:.1f}%)")
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cv", type=int, default=0, help="folds for cross-validation")
    parser.add_argument("--max-fp", type=float, default=0.025,
                        help="largest out-of-fold utility refusal rate when picking a threshold")
    parser.add_argument("--threshold", type=float, default=None,
                        help="use this threshold (when a rule found something)")
    parser.add_argument("--threshold-alone", type=float, default=0.9,
                        help="with --threshold: the threshold when no rule found anything")
    parser.add_argument("--threshold-sentence", type=float, default=None,
                        help="the threshold of a sentence holding a finding (with --cv: fixed,"
                        " the others are chosen)")
    parser.add_argument("--write", action="store_true", help="save the model")
    args = parser.parse_args(argv)
    rows, names = load_rows()
    evs = [evidence(r) for r in rows]
    docs = [sorted(set(e.features())) for e in evs]
    labels = [1 if r["label"] == "marketing" else 0 for r in rows]
    print(f"{len(rows)} messages from {len(names)} corpora; {sum(labels)} marketing")
    thresholds = (0.7, 0.95, 0.95)
    if args.cv:
        thresholds = cross_validate(evs, docs, labels, args.cv, args.max_fp,
                                    args.threshold_sentence)
    elif args.threshold is not None:
        thresholds = (args.threshold, args.threshold_alone, args.threshold_sentence or 0.9)
    weights, bias = train(docs, labels)
    firm = firm_rules(evs, labels)
    model = StyleModel(weights, bias, *thresholds, trained_on=tuple(names), firm=firm)
    print(f"{len(weights)} features kept; thresholds {thresholds}; {len(firm)} firm rules")
    if args.write:
        OUT.write_text(json.dumps(model.to_json(), ensure_ascii=True, separators=(",", ":"))
                       + "\n", encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
