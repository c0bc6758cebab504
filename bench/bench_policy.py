"""Speed of ``notifybot.policy.check`` on representative ~300-character messages.

Run: python bench/bench_policy.py [--number N] [--rounds R] [--cold] [--baseline SRC]

Prints µs per check (best over R rounds of N checks, so a busy machine shows its quiet
moments) for a utility and a marketing text in each language, plus one emoji-laden text,
with and without its button, and the ratio to the figures of the engine before it was made
fast (``BEFORE``, measured the same way on the same machine).

``--cold`` forgets what the engine remembers (plans by a text's rule-relevant words, button
labels, folded emoji runs) before every check: the cost of a message from a template never
seen before. ``--baseline SRC`` measures another source tree's engine (e.g. a checkout of the
old commit's ``src``) in the same process, interleaved, instead of using ``BEFORE``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import timeit
from collections.abc import Callable
from types import ModuleType

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


#: µs per check (with buttons, text only) before the engine was made fast (commit 17c1e78,
#: ``--baseline`` on a checkout of it, 20 rounds x 1,000; shared 2-core machine).
BEFORE: dict[str, tuple[float, float]] = {
    "en utility": (56.0, 48.3),
    "en marketing": (170.9, 159.8),
    "fr utility": (34.6, 28.3),
    "fr marketing": (126.2, 109.2),
    "es utility": (36.5, 30.7),
    "es marketing": (151.2, 140.7),
    "en emoji utility": (92.9, 89.4),
}


def _load(src: str) -> ModuleType:
    """``notifybot.policy`` imported from another source tree (kept apart from this one)."""
    saved = {k: m for k, m in sys.modules.items() if k == "notifybot" or k.startswith("notifybot.")}
    for k in saved:
        del sys.modules[k]
    sys.path.insert(0, src)
    try:
        return importlib.import_module("notifybot.policy")
    finally:
        sys.path.remove(src)
        for k in [k for k in sys.modules if k == "notifybot" or k.startswith("notifybot.")]:
            del sys.modules[k]
        sys.modules.update(saved)


def _forget() -> None:
    """Drop what the default engine remembers (the ``--cold`` case)."""
    from notifybot.policy import engine, normalise

    engine.DEFAULT_ENGINE._plans.clear()
    engine.DEFAULT_ENGINE._labels.clear()
    normalise._RUNS.clear()


def _best(calls: dict[str, Callable[[], object]], number: int, rounds: int) -> dict[str, float]:
    """µs per call of each callable, best over ``rounds`` interleaved rounds."""
    timers = {k: timeit.Timer(f) for k, f in calls.items()}
    best = dict.fromkeys(calls, float("inf"))
    for _ in range(rounds):
        for k, timer in timers.items():
            best[k] = min(best[k], timer.timeit(number) / number * 1e6)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--number", type=int, default=2000, help="checks per round")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--cold", action="store_true", help="forget plans before every check")
    parser.add_argument("--baseline", metavar="SRC", help="measure this source tree as before")
    args = parser.parse_args()
    from notifybot.policy import check

    old = _load(args.baseline).check if args.baseline else None
    print(f"{'message':<18}{'chars':>6}{'verdict':>11}{'reasons':>8}{'µs/check':>10}"
          f"{'before':>8}{'ratio':>7}{'text only':>11}{'before':>8}{'ratio':>7}")
    for name, (text, buttons) in TEXTS.items():
        verdict = check(text, buttons=buttons)
        if old is not None:  # the same verdict, field for field
            assert repr(old(text, buttons=buttons)) == repr(verdict), name
        calls: dict[str, Callable[[], object]] = {
            "with": lambda t=text, b=buttons: check(t, buttons=b),
            "text": lambda t=text: check(t),
        }
        if args.cold:
            calls = {k: lambda f=f: (_forget(), f()) for k, f in calls.items()}
        if old is not None:
            calls["old with"] = lambda t=text, b=buttons, f=old: f(t, buttons=b)
            calls["old text"] = lambda t=text, f=old: f(t)
        best = _best(calls, args.number, args.rounds)
        before = ((best["old with"], best["old text"]) if old is not None
                  else BEFORE.get(name, (0.0, 0.0)))
        print(f"{name:<18}{len(text):>6}{verdict.category:>11}{len(verdict.reasons):>8}"
              f"{best['with']:>10.1f}{before[0]:>8.1f}{before[0] / best['with']:>6.1f}x"
              f"{best['text']:>11.1f}{before[1]:>8.1f}{before[1] / best['text']:>6.1f}x")


if __name__ == "__main__":
    main()
