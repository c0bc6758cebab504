"""``notifybot check-text``: judge a text from the command line.

``notifybot check-text [--lang L] [--button LABEL]... [--json] TEXT`` (``-`` reads standard
input). Exit status: 0 allowed, 1 refused, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from notifybot.policy.engine import UnsupportedLanguage, check
from notifybot.policy.verdict import Verdict


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="notifybot check-text",
        description="Check a message against the non-promotional policy "
        "(exit 0: allowed, 1: refused).",
    )
    parser.add_argument("text", metavar="TEXT", help="the message text ('-' reads stdin)")
    parser.add_argument("--lang", help="language of the text (en, fr, es); detected if omitted")
    parser.add_argument("--button", action="append", default=[], metavar="LABEL",
                        help="a button label sent with the message (repeatable)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def verdict_json(verdict: Verdict) -> dict[str, object]:
    """A verdict as a JSON-ready dict."""
    return {
        "allowed": verdict.allowed,
        "category": verdict.category,
        "lang": verdict.lang,
        "reasons": [
            {"rule_id": r.rule_id, "message": r.message, "span": list(r.span),
             "matched": r.matched, "field": r.field}
            for r in verdict.reasons
        ],
    }


def _human(verdict: Verdict, out: TextIO) -> None:
    state = "allowed" if verdict.allowed else "refused"
    print(f"{state}: {verdict.category} (lang: {verdict.lang or 'unknown'})", file=out)
    for r in verdict.reasons:
        where = "" if r.field == "text" else f" in {r.field}"
        print(f"  [{r.rule_id}] {r.message}{where}: {r.matched!r} at {r.span[0]}-{r.span[1]}",
              file=out)


def main(argv: list[str], *, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run ``check-text`` with ``argv`` (the arguments after the command name)."""
    out = stdout or sys.stdout
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:  # argparse reports usage errors itself
        return int(exit_.code or 0)
    text = (stdin or sys.stdin).read() if args.text == "-" else args.text
    try:
        verdict = check(text, buttons=args.button, lang=args.lang)
    except UnsupportedLanguage as e:
        print(f"notifybot check-text: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(verdict_json(verdict), ensure_ascii=False), file=out)
    else:
        _human(verdict, out)
    return 0 if verdict.allowed else 1
