"""Linting a Jinja template's literal text."""

from __future__ import annotations

from notifybot.policy.lint import LintFinding, lint_template_source, literal_text


def test_literal_text_keeps_offsets_and_lines() -> None:
    source = "Hi {{ name }},\n{% if x %}ok{% endif %}{# note: SALE #}"
    literal = literal_text(source)
    assert len(literal) == len(source)
    assert literal.splitlines()[0] == "Hi 0000000000,"
    assert "SALE" not in literal and "{" not in literal


def test_clean_template_has_no_findings() -> None:
    source = "Hi {{ name }}, your order {{ order_id }} has shipped.\nTrack it: {{ url }}"
    assert lint_template_source(source, buttons=["Track order"]) == []


def test_findings_have_line_column_and_source_text() -> None:
    source = (
        "Hi {{ name }},\n"
        "your order {{ id }} has shipped.\n"
        "{% if vip %}Enjoy {{ pct }}% off your next order!{% endif %}\n"
    )
    findings = lint_template_source(source)
    first = findings[0]
    assert first == LintFinding(3, 13, "discount.percent", first.message, "Enjoy {{ pct }}%")
    lines = source.splitlines()
    for f in findings:
        assert lines[f.line - 1][f.column - 1 :].startswith(f.matched)
    assert str(first).startswith("3:13: [discount.percent]")


def test_comments_and_variables_cannot_hide_or_cause_findings() -> None:
    assert lint_template_source("{# 50% off sale #}Your receipt: {{ coupon_total }}") == []
    findings = lint_template_source("Fr{# x #}ee gift inside")
    # A tag splits the word in the literal text: no "free" finding, and nothing disguised.
    assert not {f.rule_id for f in findings} & {"free.en", "obfuscation", "cue.benefit.en"}
    promo = lint_template_source("{# x #}Free gift inside, this week!")
    assert "free.en" in {f.rule_id for f in promo}


def test_button_findings_name_the_button() -> None:
    (f,) = lint_template_source("Your order shipped.", buttons=["Track", "Comprar {{ x }}"])
    assert (f.field, f.line, f.column, f.matched) == ("button 1", 1, 1, "Comprar {{ x }}")
