"""``notifybot demo NAME``: run one of the examples beside the package end to end.

The examples are real programs in the source tree (``examples/airline``,
``examples/ridehail``); this command finds the tree (the current folder or one above it, or
the checkout this package was installed from in editable mode) and runs ``examples.NAME.demo``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import cast

EXAMPLES = ("airline", "ridehail")


def find_examples_root() -> Path | None:
    """The folder that holds ``examples/``, or None."""
    here = Path.cwd().resolve()
    candidates = [here, *here.parents, Path(__file__).resolve().parents[2]]
    for folder in candidates:
        if (folder / "examples" / "airline" / "demo.py").is_file():
            return folder
    return None


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in EXAMPLES:
        print(f"usage: notifybot demo {{{','.join(EXAMPLES)}}} [--data DIR]", file=sys.stderr)
        return 2
    root = find_examples_root()
    if root is None:
        print(
            "notifybot demo: the examples/ folder was not found; run this from the notifybot "
            "source tree",
            file=sys.stderr,
        )
        return 2
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    module = importlib.import_module(f"examples.{argv[0]}.demo")
    run = cast(Callable[[list[str]], int], module.main)
    return run(argv[1:])
