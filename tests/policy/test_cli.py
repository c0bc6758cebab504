"""``notifybot check-text`` logic."""

from __future__ import annotations

import io
import json

import pytest

from notifybot.policy.cli import main


def run(argv: list[str], stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, stdin=io.StringIO(stdin), stdout=out)
    return code, out.getvalue()


def test_allowed_text_exits_zero() -> None:
    code, out = run(["Your parcel was delivered at 11:02."])
    assert code == 0 and out.startswith("allowed: utility (lang: en)")


def test_refused_text_lists_rule_message_and_span() -> None:
    code, out = run(["--button", "Shop now", "Delivered! Flash sale: 40% off today only."])
    assert code == 1
    assert out.startswith("refused: marketing")
    assert "[discount.percent]" in out and "'40% off'" in out and "at 23-30" in out
    assert "in button 0: 'Shop now' at 0-8" in out


def test_json_output() -> None:
    code, out = run(["--json", "--lang", "fr", "Soldes : -50 % sur tout !"])
    data = json.loads(out)
    assert code == 1 and data["allowed"] is False and data["lang"] == "fr"
    assert {"rule_id", "message", "span", "matched", "field"} == set(data["reasons"][0])
    assert any(r["matched"] == "-50 %" for r in data["reasons"])


def test_stdin_and_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["-"], stdin="Votre colis est arrivé.")[0] == 0
    assert run(["--lang", "de", "Hallo"])[0] == 2
    assert run([])[0] == 2
    assert "no policy rules for language 'de'" in capsys.readouterr().err
