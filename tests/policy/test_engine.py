"""Behaviour of notifybot.policy.check: verdicts, explanations, buttons, links, languages."""

from __future__ import annotations

import pytest

from notifybot.errors import ConfigurationError, PolicyViolation
from notifybot.policy import UnsupportedLanguage, Verdict, check


def test_utility_message_is_allowed_and_unexplained() -> None:
    v = check("Your flight BA117 is delayed. New departure 15:40, gate B32.")
    assert v == Verdict(True, "utility", (), "en")


def test_marketing_reason_points_into_the_original_text() -> None:
    text = "Your parcel arrived. Use code THANKS10 for 10% off your next order!"
    v = check(text)
    assert not v.allowed and v.category == "marketing"
    for r in v.reasons:
        assert text[r.span[0] : r.span[1]] == r.matched
        assert r.field == "text" and r.rule_id and r.message
    assert {"coupon.en.code", "discount.percent"} <= {r.rule_id for r in v.reasons}


@pytest.mark.parametrize(
    ("text", "disguised"),
    [
        ("Exclusive d1sc0unt for members", "d1sc0unt"),
        ("Fr€e shipping all week", "Fr€e"),
        ("F R E E gift inside", "F R E E"),
        ("S.A.L.E ends tonight", "S.A.L.E"),
        ("dis\u200bcount on all shoes", "dis\u200bcount"),
        ("f🎁r🎁e🎁e gift when you spend $30", "f🎁r🎁e🎁e"),
        ("Ｆｒｅｅ gift with every order", "Ｆｒｅｅ"),
        ("Fr\u0435\u0435 delivery this week", "Fr\u0435\u0435"),
        ("𝐅𝐑𝐄𝐄 gift with any purchase", "𝐅𝐑𝐄𝐄"),
        ("Livraison GRATU1TE ce week-end", "GRATU1TE"),
    ],
)
def test_obfuscated_promotions_are_refused_with_the_disguised_span(
    text: str, disguised: str
) -> None:
    v = check(text)
    assert not v.allowed
    assert any(r.matched.startswith(disguised) or disguised in r.matched for r in v.reasons), v


@pytest.mark.parametrize(
    "text",
    [
        "Free cancellation until 18:00 on 2 June.",
        "Feel free to reply with a photo of the damage.",
        "Call our toll-free number 1-800-555-0199.",
        "Your gluten-free meal request is confirmed.",
        "Your replacement will be sent free of charge.",
        "Your upgrade to Business class has been confirmed. New seat 2K.",
        "Your refund of $42.99 has been issued.",
        "Sales receipt: total $56.12 paid in cash.",
        "Votre solde est de 1 245,30 €.",
        "Votre commande sera remise en main propre.",
        "Bon vol ! Profitez de votre voyage.",
        "Tu vuelo sale de la puerta B14 a las 18:25.",
        "Llama gratis al 900 123 456.",
        "Tu compra por 23,95 € ha sido aprobada.",
    ],
)
def test_money_and_benign_free_or_sale_pass(text: str) -> None:
    v = check(text)
    assert v.allowed, v.reasons


def test_a_selling_button_makes_a_delivery_notice_marketing() -> None:
    v = check("Your package is out for delivery.", buttons=["Track package", "Shop now"])
    assert not v.allowed
    (r,) = v.reasons
    assert (r.rule_id, r.field, r.matched, r.span) == (
        "button.call-to-action", "button 1", "Shop now", (0, 8))


@pytest.mark.parametrize(
    "label", ["Acheter maintenant", "Comprar ahora", "Get 20% off", "Ver ofertas"]
)
def test_selling_buttons_in_every_language(label: str) -> None:
    assert not check("Votre commande est arrivée.", buttons=[label]).allowed


@pytest.mark.parametrize("label", ["Track order", "Pay invoice", "Voir la facture", "Ver factura",
                                   "Check in", "Reschedule", "Download receipt"])
def test_service_buttons_pass(label: str) -> None:
    assert check("Your order has shipped.", buttons=[label]).allowed


def test_promotional_link_is_refused_and_own_order_link_passes() -> None:
    own = "Track it here: https://shop.example.com/orders/88123/track?utm_campaign=order_shipped"
    assert check(own).allowed
    url = "https://shop.example.com/x?utm_source=chat&utm_medium=promo"
    text = f"Check your order status here: {url}"
    v = check(text)
    assert not v.allowed
    assert v.reasons[0].rule_id == "url.campaign" and v.reasons[0].matched == url
    assert not check("Receipt: https://example.com/deals/weekend").allowed
    assert not check("Receipt: https://example.com/account?coupon=SAVE10").allowed


def test_mixed_content_is_marketing() -> None:
    utility = "Your appointment is confirmed for Friday at 14:00."
    assert check(utility).allowed
    assert not check(utility + " Add a deep clean to your visit and save 15%.").allowed
    assert not check(utility + " ¡Y un 20% de descuento en tu próxima visita!").allowed


def test_language_given_detected_or_unknown() -> None:
    assert check("Votre colis a été livré.").lang == "fr"
    assert check("Tu paquete ha sido entregado.").lang == "es"
    assert check("Your parcel was delivered.").lang == "en"
    assert check("OK").lang is None
    assert check("Your parcel was delivered.", lang="fr-CA").lang == "fr"


def test_unsupported_language_is_a_configuration_error() -> None:
    with pytest.raises(UnsupportedLanguage) as caught:
        check("Ihr Paket wurde zugestellt.", lang="de")
    assert isinstance(caught.value, ConfigurationError)
    assert "'de'" in str(caught.value)


def test_verdict_feeds_policy_violation() -> None:
    v = check("Flash sale: 40% off!")
    err = PolicyViolation(v, where="template promo.en")
    assert "discount.percent" in str(err) and err.verdict is v


def test_empty_and_whitespace_text() -> None:
    assert check("").allowed
    assert check("   \n").allowed


def test_the_documented_example() -> None:
    v = check("Your order #4410 was delivered. Use code THANKS10 for 10% off your next order!")
    assert [str(r) for r in v.reasons][:2] == [
        "[coupon.en.code] a code to use for a price cut: 'Use code THANKS10' at 32",
        "[discount.percent] percentage price cut ('-30 %', '50% off', 'up to 50%'): '10% off' "
        "at 54",
    ]
    assert (v.allowed, v.category, v.lang) == (False, "marketing", "en")


def test_exported_names() -> None:
    import notifybot.policy as policy

    assert sorted(policy.__all__) == sorted([
        "LANGUAGES", "Category", "Normalised", "PolicyEngine", "Reason", "UnsupportedLanguage",
        "Verdict", "check", "detect_language",
    ])
    assert policy.detect_language("¿Dónde está tu pedido? Ya ha salido.") == "es"


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for your patience, we will get back to you shortly.",
        "Sorry to hear that. Could you tell us a bit more about what happened?",
        "Merci pour votre patience, nous revenons vers vous très vite.",
        "Gracias por tu paciencia, te respondemos enseguida.",
        "Our offices are closed on public holidays.",
    ],
)
def test_customer_service_replies_pass(text: str) -> None:
    assert check(text).allowed


def test_a_message_about_no_transaction_is_refused() -> None:
    text = "  Make every weekend brighter with our handmade candles.  "
    (r,) = check(text).reasons
    assert r.rule_id in {"no-transaction", "announcement.en"}
    v = check("Discover handmade candles and cosy blankets for long winter evenings.")
    assert [r.rule_id for r in v.reasons] == ["no-transaction"]
    assert v.reasons[0].matched == v.reasons[0].matched.strip()
