"""A small stopword-based language guess (en, fr, es) over a normalised skeleton."""

from __future__ import annotations

from collections.abc import Set

from notifybot.policy.normalise import fold_word, normalise, skeleton_tokens

#: Supported languages, in the order used to break ties.
LANGUAGES: tuple[str, ...] = ("en", "fr", "es")

_STOPWORDS = {
    "en": "the your you is are to and for of has have been we on at in with will this our it be"
    " was from please can not by here now thanks thank if or order",
    "fr": "le la les de des du votre vos est et pour vous au aux une un sur nous dans ce pas par"
    " avec sera sont ete d l qu que merci a votre notre nos",
    "es": "el la los las de del tu tus es y para te un una en por con ha sido que se al esta"
    " nuestro nuestra hemos gracias puedes tienes su",
}


def _build() -> dict[str, frozenset[bytes]]:
    sets = {lang: frozenset(fold_word(w).encode() for w in words.split()) for lang, words in
            _STOPWORDS.items()}
    # A word shared by two languages ("la", "de", "en") tells nothing: keep only unique ones.
    return {
        lang: frozenset(w for w in words if not any(w in o for k, o in sets.items() if k != lang))
        for lang, words in sets.items()
    }


_UNIQUE = _build()
#: The words :func:`language_of` reads.
LANGUAGE_WORDS: frozenset[bytes] = frozenset().union(*_UNIQUE.values())
#: Every stopword (folded): the commonest words of the supported languages.
COMMON_WORDS: frozenset[str] = frozenset(
    fold_word(w) for words in _STOPWORDS.values() for w in words.split()
)


def detect_language(text: str) -> str | None:
    """The most likely language of ``text`` (``en``, ``fr``, ``es``); ``None`` without evidence."""
    norm = normalise(text)
    return language_of(set(skeleton_tokens(norm.text)))


def language_of(words: Set[bytes]) -> str | None:
    """The most likely language given a text's skeleton words; ``None`` without evidence."""
    best: str | None = None
    best_score = 0
    for lang in LANGUAGES:
        score = len(_UNIQUE[lang] & words)
        if score > best_score:
            best, best_score = lang, score
    return best
