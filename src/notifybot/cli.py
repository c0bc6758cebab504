"""The ``notifybot`` command line.

::

    notifybot demo airline|ridehail [--data DIR]   run an example end to end
    notifybot lint DIR                             lint a template folder (exit 1 on violation)
    notifybot check-text [--lang L] [--button LABEL]... [--json] TEXT
    notifybot billing report [--db PATH] [--month YYYY-MM] [--by country|category|day]
    notifybot relay serve [--host H] [--port P] [--db PATH]
    notifybot device --relay URL --name NAME       an interactive customer inbox

Each subcommand's logic lives beside the part it belongs to; this module only dispatches.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from typing import cast

from notifybot import __version__

#: subcommand → (module with ``main(argv) -> int``, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("notifybot.demo", "run an example (airline, ridehail) end to end"),
    "lint": ("notifybot.templates.lint_cli", "lint a folder of templates"),
    "check-text": ("notifybot.policy.cli", "check a text against the non-promotional policy"),
    "billing": ("notifybot.billing.cli", "billing reports from the ledger"),
    "relay": ("notifybot.relay.cli", "serve a notifybot relay"),
    "device": ("notifybot.client.cli", "an interactive customer device (terminal inbox)"),
}


def _usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [f"  {name:<{width}}  {help_}" for name, (_, help_) in COMMANDS.items()]
    return "usage: notifybot COMMAND [ARGS]\n\ncommands:\n" + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``notifybot`` console script; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="notifybot", usage=_usage(), add_help=False)
    parser.add_argument("command", nargs="?")
    parser.add_argument("--version", action="store_true")
    parser.add_argument("-h", "--help", action="store_true")
    known, _ = parser.parse_known_args(args[:1])
    if known.version:
        print(f"notifybot {__version__}")
        return 0
    if known.help or not known.command:
        print(_usage())
        return 0 if known.help else 2
    if known.command not in COMMANDS:
        print(f"notifybot: unknown command {known.command!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[known.command][0])
    run = cast(Callable[[list[str]], int], module.main)
    return run(args[1:])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
