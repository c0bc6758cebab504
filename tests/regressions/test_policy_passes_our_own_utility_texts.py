"""Regression: the "transactional anchor" rule refused the mandated STOP/START confirmations
in Spanish and the ride-hail example's Spanish driver templates (no anchor word for
arriving, pick-up, plates, or the messaging service itself)."""

from __future__ import annotations

from pathlib import Path

import pytest

from notifybot.consent import CONFIRMATIONS
from notifybot.policy import check
from notifybot.policy.lint import lint_template_source

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    ("lang", "text"),
    [(lang, text) for texts in CONFIRMATIONS.values() for lang, text in texts.items()],
)
def test_consent_confirmations_are_utility(lang: str, text: str) -> None:
    verdict = check(text.format(name="SwiftRide"), lang=lang)
    assert verdict.allowed, verdict.reasons


@pytest.mark.parametrize(
    "template",
    sorted(EXAMPLES.glob("*/templates/*.j2")),
    ids=lambda p: f"{p.parent.parent.name}/{p.name}",
)
def test_example_templates_lint_clean(template: Path) -> None:
    parts = template.name.split(".")
    lang = parts[1].split("-")[0] if len(parts) == 3 else None
    assert lint_template_source(template.read_text("utf-8"), lang=lang) == []
