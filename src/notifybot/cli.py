"""The ``notifybot`` command line."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``notifybot`` console script."""
    print("notifybot: not yet", file=sys.stderr)
    return 2
