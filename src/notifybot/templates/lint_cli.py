"""``notifybot lint DIR``: check every template of a folder before it goes live.

Prints ``file:line:column: rule_id: message: 'matched'`` for each finding and exits 1 if there
is any (2 for a usage error, such as a folder that does not exist).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from notifybot.errors import ConfigurationError, TemplateSyntaxError
from notifybot.policy.lang import LANGUAGES
from notifybot.policy.lint import lint_template_source
from notifybot.templates.registry import SUFFIX, Templates


def lint_directory(root: Path) -> list[str]:
    """One line per problem found in the ``*.j2`` files of ``root``."""
    problems: list[str] = []
    files = sorted(root.glob(f"*{SUFFIX}"))
    if not files:
        problems.append(f"{root}: no *{SUFFIX} templates found")
    for file in files:
        source = file.read_text("utf-8")
        try:
            info = Templates().add(file.name[: -len(SUFFIX)], source, origin=str(file))
        except (ConfigurationError, TemplateSyntaxError) as exc:
            problems.append(f"{file}: error: {exc}")
            continue
        lang = info.locale.split("-")[0] if info.locale else None
        lang = lang if lang in LANGUAGES else None  # no rules for it: detect, all rules
        labels = [label for label, _ in info.buttons]
        for f in lint_template_source(source, buttons=labels, lang=lang):
            problems.append(f"{file}:{f.line}:{f.column}: {f.rule_id}: {f.message}: {f.matched!r}")
    return problems


def main(argv: list[str], *, stdout: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    parser = argparse.ArgumentParser(prog="notifybot lint", description=__doc__)
    parser.add_argument("directory", type=Path, help="folder of NAME[.locale].j2 templates")
    args = parser.parse_args(argv)
    if not args.directory.is_dir():
        print(f"notifybot lint: {args.directory} is not a folder", file=sys.stderr)
        return 2
    problems = lint_directory(args.directory)
    for line in problems:
        print(line, file=out)
    count = len(list(args.directory.glob(f"*{SUFFIX}")))
    verdict = f"{len(problems)} problem(s)" if problems else "all clean"
    print(f"{count} template(s) checked: {verdict}", file=out)
    return 1 if problems else 0
