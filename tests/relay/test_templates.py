"""Template review at the relay, the device-side conformance check, mismatch reports."""

from __future__ import annotations

import pytest

from notifybot.errors import UnknownTemplate
from notifybot.relay.conformance import (
    TemplateButton,
    UnreviewableTemplate,
    buttons_conform,
    match_template,
    matches_template,
    neutral_text,
    parse_template,
)
from notifybot.relay.errors import RelayRefused

from .conftest import Inbox, Relay, envelope

GATE = "Hello {{ name }}, flight {{ flight.number }} boards at gate {{ gate|upper }}."


async def test_transactional_template_is_approved(relay: Relay) -> None:
    bid, biz = await relay.business()
    review = await biz.submit_template(
        "gate_change", GATE, buttons=[{"label": "View boarding pass"}], language="en"
    )
    assert review["status"] == "approved" and review["reasons"] == []
    dev = await relay.device("alice")
    (tpl,) = await dev.templates(bid, "gate_change")
    assert tpl["text"] == GATE and tpl["status"] == "approved"


async def test_promotional_template_is_rejected_with_rule_and_span(relay: Relay) -> None:
    _, biz = await relay.business()
    text = "Your flight boards soon. Use coupon {{ code }} for a discount on upgrades!"
    review = await biz.submit_template("promo", text)
    assert review["status"] == "rejected"
    spans = {(r["rule_id"], r["matched"]) for r in review["reasons"]}
    matched = {m.lower() for _, m in spans}
    assert {"coupon", "discount"} <= matched
    for r in review["reasons"]:
        assert text[r["span"][0] : r["span"][1]] == r["matched"]


async def test_placeholder_names_are_not_judged_but_marketing_and_jinja_logic_are(
    relay: Relay,
) -> None:
    _, biz = await relay.business()
    ok = await biz.submit_template("t1", "Your code is {{ discount_code }}.")
    assert ok["status"] == "approved"  # a placeholder's name is not promotional text
    mk = await biz.submit_template("t2", "Order shipped.", category="marketing")
    assert [r["rule_id"] for r in mk["reasons"]] == ["template.marketing"]
    logic = await biz.submit_template("t3", "{% if vip %}Hi{% endif %}")
    assert [r["rule_id"] for r in logic["reasons"]] == ["template.unreviewable"]
    undeclared = await biz.submit_template("t4", "Hi {{ a }}", url_placeholders=["b"])
    assert [r["rule_id"] for r in undeclared["reasons"]] == ["template.undeclared_placeholder"]


async def test_envelope_naming_a_rejected_template_is_refused(relay: Relay) -> None:
    bid, biz = await relay.business()
    await relay.device("alice")
    await biz.submit_template("promo", "Big discount today")
    (r,) = await biz.send([envelope(bid, "alice", template="promo")])
    assert r.code == "template_not_approved"
    with pytest.raises(UnknownTemplate):
        from notifybot.relay.errors import error_for

        raise error_for(400, r.code, r.message)


async def test_mismatch_report_reaches_business_and_suspends_after_threshold(
    relay: Relay,
) -> None:
    bid, biz = await relay.business()
    dev = await relay.device("alice")
    await biz.submit_template("gate", "Gate {{ g }}")
    mids = [f"m{i}" for i in range(3)]
    await biz.send([envelope(bid, "alice", template="gate", mid=m) for m in mids])
    with pytest.raises(RelayRefused) as exc:
        await dev.report_mismatch(bid, "never-sent", "gate")
    assert exc.value.code == "unknown_message"
    statuses = [await dev.report_mismatch(bid, m, "gate", "text differs") for m in mids]
    assert statuses == ["approved", "approved", "suspended"]
    (r,) = await biz.send([envelope(bid, "alice", template="gate")])
    assert r.code == "template_not_approved"
    box = Inbox()
    sub = biz.subscribe(box, role="business")
    got = await box.wait("status", 3)
    assert {(s["status"], s["detail"]) for s in got} == {("failed", "template_mismatch: gate")}
    await sub.close()


# conformance (pure functions)


def test_filled_template_matches_and_returns_values() -> None:
    text = "Hello Ana, flight AF12 boards at gate B7."
    assert match_template(GATE, text) == {"name": "Ana", "flight.number": "AF12", "gate": "B7"}
    assert matches_template(GATE + "\n", text)  # Jinja drops one trailing newline


@pytest.mark.parametrize(
    "rendered",
    [
        "Hello Ana, flight AF12 boards at gate B7. 50% off today!",  # text added at the end
        "Hi Ana, flight AF12 boards at gate B7.",  # literal text changed
        "Hello Ana\nBuy now, flight AF12 boards at gate B7.",  # a newline smuggled in
        "Hello Ana, flight shop.example boards at gate B7.",  # a domain in a value
        "Hello Ana, flight https://x.io/p boards at gate B7.",  # a URL in a value
        "Hello " + "A" * 600 + ", flight AF12 boards at gate B7.",  # an oversized value
    ],
)
def test_anything_but_filled_placeholders_is_a_mismatch(rendered: str) -> None:
    assert not matches_template(GATE, rendered)


def test_declared_placeholders_may_hold_urls_and_newlines() -> None:
    tpl = "Track it: {{ link }}\n{{ lines }}"
    text = "Track it: https://t.example/1\nline one\nline two"
    assert not matches_template(tpl, text)
    assert match_template(
        tpl, text, url_placeholders=["link"], multiline_placeholders=["lines"]
    ) == {"link": "https://t.example/1", "lines": "line one\nline two"}


def test_repeated_placeholder_must_repeat_its_value() -> None:
    tpl = "{{ a }} and again {{ a }}"
    assert matches_template(tpl, "x and again x")
    assert not matches_template(tpl, "x and again y")


def test_unreviewable_templates() -> None:
    for bad in ("{{ a }}{{ b }}", "{% for x in y %}{{ x }}{% endfor %}", "{{ a + b }}", "{# c #}"):
        with pytest.raises(UnreviewableTemplate):
            parse_template(bad)
        assert not matches_template(bad, "anything")


def test_neutral_text_keeps_offsets() -> None:
    assert len(neutral_text(GATE)) == len(GATE)
    assert "name" not in neutral_text(GATE)


def test_buttons_conform() -> None:
    tpl = [TemplateButton("Track {{ n }}", "https://acme.example/t/{{ n }}")]
    assert buttons_conform(tpl, [TemplateButton("Track 42", "https://acme.example/t/42")])
    assert not buttons_conform(tpl, [TemplateButton("Track 42", "https://evil.example/t/42")])
    assert not buttons_conform(tpl, [])
