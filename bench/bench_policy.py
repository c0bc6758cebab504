"""Speed of ``notifybot.policy.check`` on representative ~300-character messages.

Run: python bench/bench_policy.py [--number N]
Prints µs per check (best of 5 repeats) for a utility and a marketing text in each language,
plus one emoji-laden text (the slow normalisation path).
"""

from __future__ import annotations

import argparse
import timeit

from notifybot.policy import check

TEXTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "en utility": (
        "Hi Sam, your flight BA117 from London Heathrow to New York JFK on 14 March is "
        "delayed. New departure time: 15:40 from gate B32. Your seat 23F and checked bag are "
        "unchanged. Free cancellation or rebooking is available in Manage booking: "
        "https://fly.example.com/manage/QX7P2L. We are sorry for the inconvenience.",
        ("Manage booking",),
    ),
    "en marketing": (
        "Your order #4410 has been delivered to your front door at 11:02. Thanks for shopping "
        "with us, Jordan! Loved it? This weekend only, get 20% off all accessories and free "
        "shipping on orders over $25 with code THANKS20. Hurry, the sale ends Sunday at "
        "midnight. Browse the collection here: https://shop.example.com/sale",
        ("Shop now",),
    ),
    "fr utility": (
        "Bonjour Claire, votre vol AF1234 à destination de Nice du 12 mars est retardé. "
        "Nouvel horaire de départ : 15h40, porte K32. Votre siège 14C et votre bagage en soute "
        "sont conservés. Le remboursement de 59,90 € pour l'option repas a été effectué sur "
        "votre carte. Nous vous prions de nous excuser pour ce désagrément.",
        ("Voir ma réservation",),
    ),
    "fr marketing": (
        "Bonjour Claire, votre colis a bien été livré ce matin à 10h15 dans votre boîte aux "
        "lettres. Merci pour votre confiance ! Pour votre prochaine commande, profitez de 15 % "
        "de réduction avec le code MERCI15 et de la livraison gratuite dès 30 € d'achat. "
        "Offre valable jusqu'à dimanche minuit, dans la limite des stocks disponibles.",
        ("J'en profite",),
    ),
    "es utility": (
        "Hola Lucía, tu vuelo IB3170 a Madrid del 3 de mayo ha sido retrasado. Nueva hora de "
        "salida: 18:25, puerta B14. Tu asiento 12A y tu equipaje facturado se mantienen. Hemos "
        "procesado el reembolso de 35,50 € por el menú que no pudimos servir; lo verás en tu "
        "cuenta en 5 días hábiles. Sentimos las molestias causadas.",
        ("Ver reserva",),
    ),
    "es marketing": (
        "Hola Lucía, tu pedido 30981 ha sido entregado en conserjería a las 12:40. ¡Gracias "
        "por tu compra! Solo este fin de semana tienes un 20% de descuento en toda la tienda y "
        "envío gratis a partir de 30 € con el código VUELVE20. ¡No te lo pierdas, las rebajas "
        "terminan el domingo a medianoche y las unidades son limitadas!",
        ("Comprar ahora",),
    ),
    "en emoji utility": (
        "✈️ Hi Sam! Your flight BA117 to New York 🗽 is delayed ⏰. New departure: 15:40 from "
        "gate B32 🚪. Your seat 23F 💺 and bag 🧳 are unchanged. Rebook or cancel free of "
        "charge in Manage booking. We're sorry 🙏 for the inconvenience and will keep you "
        "posted 📲 here if anything else changes before boarding starts.",
        (),
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--number", type=int, default=20000)
    args = parser.parse_args()
    print(f"{'message':<18}{'chars':>6}{'verdict':>11}{'reasons':>8}{'µs/check':>10}")
    for name, (text, buttons) in TEXTS.items():
        verdict = check(text, buttons=buttons)
        timer = timeit.Timer(lambda t=text, b=buttons: check(t, buttons=b))
        best = min(timer.repeat(repeat=5, number=args.number)) / args.number
        no_buttons = min(timeit.Timer(lambda t=text: check(t)).repeat(5, args.number)) / args.number
        print(f"{name:<18}{len(text):>6}{verdict.category:>11}{len(verdict.reasons):>8}"
              f"{best * 1e6:>10.1f}   (text only: {no_buttons * 1e6:.1f})")


if __name__ == "__main__":
    main()
