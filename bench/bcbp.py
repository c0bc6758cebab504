"""How fast the airline example's BCBP codec encodes and decodes (prints figures; not a test).

Run from the repository root: ``python bench/bcbp.py``.
"""

from __future__ import annotations

import sys
import timeit
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from examples.airline.bcbp import decode, encode

ONE_LEG = "M1DESMARAIS/LUC       EABC123 YULFRAAC 0834 226F001A0025 100"
FOUR_LEGS = "M4DESMARAIS/LUC       E" + "".join(
    f"ABC123 YULFRAAC 083{i} 226F001A0025 10A>5180WW622" for i in range(4)
) + "^164GIWVC5EH7JNT"


def main() -> None:
    for label, text in (("1 leg", ONE_LEG), ("4 legs + conditional", FOUR_LEGS)):
        bp = decode(text)
        assert encode(bp) == text
        for what, fn in (("decode", partial(decode, text)), ("encode", partial(encode, bp))):
            runs, _ = timeit.Timer(fn).autorange()
            best = min(timeit.Timer(fn).repeat(repeat=5, number=runs)) / runs
            print(f"{label:<22} {what}: {best * 1e6:7.1f} µs/op  ({1 / best:,.0f} ops/s)")


if __name__ == "__main__":
    main()
