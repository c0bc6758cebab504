"""Record every policy verdict on a fixed input set, to check a refactor changes none of them.

Run: python bench/policy_snapshot.py write FILE   (before a change)
     python bench/policy_snapshot.py check FILE   (after it: lists every difference)

The inputs are every message of ``tests/policy/*.jsonl`` (with and without its buttons, with
its language given and detected) plus generated stress texts built from them with a fixed
seed: leetspeak, spaced and dotted letters, emoji and symbols between letters, confusables
(Cyrillic, Greek, full-width, mathematical, regional indicators), zero-width characters,
links with ``utm_*`` and coupon parameters, selling and service buttons, promotions appended
to utility texts, and random character soups. Each line of FILE is one input and its full
verdict (allowed, category, lang, and every reason's rule id, message, span, matched text
and field), and a digest of the skeleton of the text and of each label (``normalise``: text,
map to the original, links, disguised words), so the comparison is byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

from notifybot.policy import UnsupportedLanguage, Verdict, check
from notifybot.policy.normalise import normalise

CORPORA = sorted((Path(__file__).resolve().parent.parent / "tests" / "policy").glob("*.jsonl"))
SEED = 20180801

PROMOS = [
    "Use code SAVE10 for 10% off your next order.", "Don't miss our summer sale!",
    "Refer a friend and get $10.", "Download our app for exclusive deals.",
    "We miss you! Come back and enjoy a free coffee.", "Flash sale: 40% off everything!",
    "Free shipping this weekend only.", "Get a free gift with every purchase.",
    "Black Friday deals are here.", "Save up to 50% on shoes.", "Limited time offer, hurry!",
    "Profitez de -20 % sur toute la boutique.", "Code promo ETE : livraison gratuite.",
    "Découvrez notre nouvelle collection.", "Soldes d'hiver : jusqu'à -50 %.",
    "Un cadeau offert pour toute commande.", "Remise de 10 € sur votre prochaine commande.",
    "¡Aprovecha un 30% de descuento!", "Envío gratis solo este fin de semana.",
    "Invita a tus amigos y gana 5 €.", "Rebajas de verano en toda la tienda.",
    "Regalo gratis con tu compra.", "Oferta exclusiva con el cupón VERANO.",
]
WORDS = [
    "free", "sale", "discount", "promo", "coupon", "offer", "deal", "gift", "bonus", "cashback",
    "gratuit", "gratuite", "soldes", "remise", "réduction", "cadeau", "offert", "gratis",
    "descuento", "oferta", "rebajas", "regalo", "promoción", "cupón", "black friday", "shop",
]
LEET = {"a": "4@", "e": "3€", "i": "1!|", "o": "0", "s": "5$", "t": "7", "b": "8", "l": "1|"}
CONFUSABLE = {"a": "аα", "e": "еε", "o": "оο", "p": "р", "c": "с", "x": "х", "i": "іι",
              "k": "к", "t": "т", "y": "у"}
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
EMOJI = ["🎁", "🔥", "✨", "💥", "★", "•", "✈️", "👉", "🛍", "❤️"]
SEPARATORS = [" ", ".", "-", "_", "*", "/", "~", " . "]
BUTTONS = ["Shop now", "Track order", "Get 20% off", "Ver ofertas", "Acheter maintenant",
           "Manage booking", "Voir la facture", "Ver reserva", "See the deals", "Pay invoice",
           "F R E E gift", "Sh0p n0w", "Redeem", "Claim your reward", "Comprar ahora", ""]
LINKS = [
    "https://shop.example.com/orders/88123/track?utm_campaign=order_shipped",
    "https://shop.example.com/x?utm_source=chat&utm_medium=promo",
    "https://example.com/deals/weekend", "https://example.com/account?coupon=SAVE10",
    "www.example.fr/soldes-ete", "https://t.example.es/p?utm_campaign=rebajas_verano&x=1",
    "http://example.com/a/b?promo_code=X1), et", "https://fly.example.com/manage/QX7P2L.",
    "https://ex.com/c?utm_campaign=black%20friday", "HTTPS://EXAMPLE.COM/NEW-ARRIVALS",
]
SOUP = list("free sale 0134@$€ %.-\u200b🎁éÉ\nabcdefghijklmnopqrstuvwxyz ABCXYZ0123456789,;:!?'")
SOUP_WIDE = (SOUP + ["ß", "İ", "ﬁ", "Ⅻ", "²", "½", "ǅ", "ŉ", "\u0301", "\u0300", "ﷺ", "ẞ",
                     "Ｆ", "𝐟", "🇫", "中", "ا", "\t", "\r", "\u202f", "–", "’", "…", "\x00",
                     "Σ", "ς", "Æ", "\u00ad", "¼", "ﬀ", "ǈ", "€", "£", "«", "\u200d", "\ufe0f"]
             + EMOJI
             + ZERO_WIDTH + [c for v in CONFUSABLE.values() for c in v])


def _leet(word: str, rng: random.Random) -> str:
    return "".join(rng.choice(LEET[c]) if c in LEET and rng.random() < 0.6 else c for c in word)


def _spaced(word: str, rng: random.Random) -> str:
    sep = rng.choice(SEPARATORS)
    return sep.join(word.upper() if rng.random() < 0.5 else word)


def _between(word: str, rng: random.Random, pool: list[str]) -> str:
    mark = rng.choice(pool)
    return mark.join(word)


def _confuse(word: str, rng: random.Random) -> str:
    out = []
    for c in word:
        if c in CONFUSABLE and rng.random() < 0.6:
            out.append(rng.choice(CONFUSABLE[c]))
        elif c.isascii() and c.isalpha() and rng.random() < 0.2:
            kind = rng.randrange(3)
            base = ord(c.upper()) - ord("A")
            out.append(chr([0xFF21, 0x1D400, 0x1F1E6][kind] + base))
        else:
            out.append(c)
    return "".join(out)


def _disguise(word: str, rng: random.Random) -> str:
    how = rng.randrange(6)
    if how == 0:
        return _leet(word, rng)
    if how == 1:
        return _spaced(word, rng)
    if how == 2:
        return _between(word, rng, EMOJI)
    if how == 3:
        return _confuse(word, rng)
    if how == 4:
        return _between(word, rng, ZERO_WIDTH)
    return _leet(_confuse(word, rng), rng)


def _soup(rng: random.Random, alphabet: list[str], size: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(size)))


def inputs(seed: int = SEED) -> Iterator[tuple[str, tuple[str, ...], str | None]]:
    """Every (text, buttons, lang) checked, in a fixed order (the generated ones from ``seed``)."""
    rows = [json.loads(line) for path in CORPORA
            for line in path.read_text(encoding="utf-8").splitlines() if line]
    texts = [str(r["text"]) for r in rows]
    for r in rows:
        text, buttons = str(r["text"]), tuple(map(str, r.get("buttons") or ()))
        yield text, buttons, None
        yield text, (), str(r["lang"])
        if buttons:
            yield text, (), None
    rng = random.Random(seed)
    for _ in range(3000):
        base = rng.choice(texts)
        words = base.split(" ")
        for _ in range(rng.randrange(1, 4)):
            at = rng.randrange(len(words) + 1)
            words.insert(at, _disguise(rng.choice(WORDS), rng))
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words) + 1), rng.choice(LINKS))
        text = " ".join(words)
        if rng.random() < 0.2:
            text += rng.choice([" ", "\n", " P.S. "]) + rng.choice(PROMOS)
        if rng.random() < 0.2:
            chars = list(text)
            for _ in range(rng.randrange(1, 5)):
                chars.insert(rng.randrange(len(chars) + 1), rng.choice(ZERO_WIDTH + EMOJI))
            text = "".join(chars)
        if rng.random() < 0.15:
            text = text.upper()
        buttons = tuple(rng.sample(BUTTONS, rng.randrange(3))) if rng.random() < 0.3 else ()
        yield text, buttons, rng.choice([None, None, None, "en", "fr", "es"])
    for promo in PROMOS:
        for text in texts[:: max(1, len(texts) // 25)]:
            yield text + " " + promo, (), None
            yield _confuse(promo, rng) + " " + text, (), None
    vocabulary = sorted({w for t in texts for w in t.split()})
    for _ in range(3000):  # word salads: rules firing (or nearly) anywhere, in any order
        words = rng.choices(vocabulary, k=rng.randrange(1, 60))
        text = rng.choice(["", " ", "\n"]).join(words) if rng.random() < 0.1 else " ".join(words)
        yield text, (), rng.choice([None, None, "en", "fr", "es"])
    for text in texts:  # utility-looking texts with harmless decorations
        deco = rng.choice(EMOJI)
        yield f"{deco} {text} {deco}", (), None
        yield text.replace(" ", "\u00a0", 3).replace("'", "’"), (), None
        yield text.lower(), (), None
    for _ in range(3000):
        alphabet = SOUP if rng.random() < 0.5 else SOUP_WIDE
        text = _soup(rng, alphabet, 120)
        buttons = (_soup(rng, alphabet, 20),) if rng.random() < 0.2 else ()
        yield text, buttons, None


def record(text: str, buttons: tuple[str, ...], lang: str | None) -> dict[str, object]:
    """One input and its full verdict, as a JSON-ready dict."""
    try:
        v: Verdict | str = check(text, buttons=buttons, lang=lang)
    except UnsupportedLanguage as e:  # pragma: no cover - the inputs only use en/fr/es
        v = f"UnsupportedLanguage: {e}"
    out: dict[str, object] = {"text": text, "buttons": list(buttons), "lang": lang}
    out["skeletons"] = [hashlib.sha256(repr(normalise(t)).encode()).hexdigest()[:16]
                        for t in (text, *buttons)]
    if isinstance(v, str):
        out["error"] = v
    else:
        out["verdict"] = [v.allowed, v.category, v.lang, [
            [r.rule_id, r.message, list(r.span), r.matched, r.field] for r in v.reasons]]
    return out


def lines(seed: int = SEED) -> list[str]:
    return [json.dumps(record(*i), ensure_ascii=False, sort_keys=True) for i in inputs(seed)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["write", "check"])
    parser.add_argument("file", type=Path)
    parser.add_argument("--seed", type=int, default=SEED, help="for the generated texts")
    args = parser.parse_args()
    now = lines(args.seed)
    digest = hashlib.sha256("\n".join(now).encode()).hexdigest()[:16]
    refused = sum('"verdict": [false' in line for line in now)
    print(f"{len(now)} inputs, {refused} refused, digest {digest}")
    if args.mode == "write":
        args.file.write_text("\n".join(now) + "\n", encoding="utf-8")
        return 0
    before = args.file.read_text(encoding="utf-8").splitlines()
    if len(before) != len(now):
        print(f"input count differs: {len(before)} recorded, {len(now)} now")
        return 1
    diffs = [(b, n) for b, n in zip(before, now, strict=True) if b != n]
    for b, n in diffs[:50]:
        print(f"- {b}\n+ {n}\n")
    print(f"{len(diffs)} of {len(now)} verdicts differ")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
