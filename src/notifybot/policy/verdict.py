"""What the policy engine answers: an explained verdict."""

from __future__ import annotations

from typing import Literal

import attrs

Category = Literal["utility", "marketing"]


@attrs.frozen
class Reason:
    """Why a text was judged promotional: the rule, a human message, the matched span.

    ``span`` is ``(start, end)`` in the checked text (or in the button label when ``field``
    names a button), and ``matched`` is that slice.
    """

    rule_id: str
    message: str
    span: tuple[int, int]
    matched: str
    field: str = "text"

    def __str__(self) -> str:
        where = "" if self.field == "text" else f" in {self.field}"
        return f"[{self.rule_id}] {self.message}{where}: {self.matched!r} at {self.span[0]}"


@attrs.frozen
class Verdict:
    """The policy engine's decision for one message."""

    allowed: bool
    category: Category
    reasons: tuple[Reason, ...] = ()
    lang: str | None = None
