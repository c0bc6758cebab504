"""Text normalisation against obfuscation, with a map back to the original text.

The rules match a *skeleton* of the message, never the message itself:

* case and accents are folded (``É`` → ``e``), Unicode confusables become their Latin look-alike
  (Cyrillic ``е``, full-width ``Ｆ``, mathematical ``𝐟``, regional-indicator ``🇫`` …);
* zero-width and other invisible characters are dropped; an emoji or symbol *between two
  letters* is dropped (``f🎁r🎁e🎁e`` → ``free``), anywhere else it becomes a space;
* leetspeak inside words is undone (``d1sc0unt``, ``fr€e``, ``$ale``), but not in plain numbers;
* spaced or dotted letters are joined (``f r e e``, ``S.A.L.E``);
* ``l`` and ``i`` are the same letter in the skeleton (as in Unicode's confusable skeletons):
  ``sa1e`` and ``sale`` both read ``saie``. Rule patterns are folded the same way (see
  :func:`fold_pattern`), so rule authors write ordinary words.

URLs are cut out of the skeleton (replaced by spaces) and returned separately: they are judged by
the URL checks, not by the wording rules. ``€`` becomes ``E`` (the only upper-case letter a
skeleton can hold), so patterns can tell a euro amount from a letter.

Every skeleton character remembers where it came from, so a match in the skeleton is reported
as a span of the original text. Plain ASCII and Latin text (the usual case) keeps a one-to-one
map and takes a fast path with no per-character Python loop.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import attrs

#: Marker for a symbol/emoji in the slow path: dropped between letters, else a space.
_SEP = "\x00"

#: Hand-picked confusables that NFKD does not fold (Cyrillic and Greek look-alikes, symbols).
_CONFUSABLES: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ɡ": "g", "һ": "h", "ӏ": "l", "ո": "n", "ս": "u",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w",
    # Latin oddities
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ƒ": "f", "ß": "ss",
    "æ": "ae", "œ": "oe", "þ": "th",
    # punctuation and currency
    "’": "'", "‘": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
    "‹": "'", "›": "'", "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "…": ".",
    "·": ".", "•": "*", "¡": " ", "¿": " ", "°": " ", "×": "x", "€": "E", "£": "$",
    "¥": "$", "¢": "c",
}

#: Leetspeak digits and symbols, undone only inside words that also hold letters.
_LEET = str.maketrans({
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
    "@": "a", "$": "s", "E": "e", "|": "i", "!": "i",
})
_LEET_DIGITS = frozenset("0134578")

#: Code point ranges scanned to build the one-to-one folding table at import.
_TABLE_RANGES = (
    (0x41, 0x5B), (0x80, 0x250), (0x370, 0x530), (0x1D00, 0x1DC0), (0x1E00, 0x1F00),
    (0x2000, 0x2070), (0x20A0, 0x20C0), (0x2100, 0x2150), (0x2460, 0x2500),
    (0xFF00, 0xFFF0), (0x1D400, 0x1D800), (0x1F100, 0x1F1E6),
)

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_SEP_RUN = re.compile(r"\x00+")
_LEET_WORD = re.compile(r"[a-z0-9@$|!E]*(?:[a-z][0-9@$|!E]|[0-9@$|!E][a-z])[a-z0-9@$|!E]*")
_DIGIT_RUN = re.compile(r"[0-9]+")
_LETTERS = re.compile(r"[a-z]")
#: Three or more single letters joined by one separator each: ``f r e e``, ``s.a.l.e``.
_SPACED = re.compile(r"(?<![a-z0-9])[a-z](?:[ .\-_*+/~][a-z]){2,}(?![a-z0-9])")


@lru_cache(maxsize=4096)
def fold_char(ch: str) -> str:
    """The skeleton of one character: ``""`` (invisible), letters/digits/ASCII, or ``_SEP``."""
    if ch in _CONFUSABLES:
        return _CONFUSABLES[ch]
    cp = ord(ch)
    if 0x1F1E6 <= cp <= 0x1F1FF:  # regional indicator letters 🇦..🇿
        return chr(ord("a") + cp - 0x1F1E6)
    cat = unicodedata.category(ch)
    if cat in ("Cf", "Mn", "Me", "Cc") or 0xFE00 <= cp <= 0xFE0F:
        return ch if ch in "\n\r\t" else ""
    if cat == "Zs":
        return " "
    decomposed = "".join(
        c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
    ).lower()
    if decomposed and decomposed.isascii() and decomposed.isalnum():
        return decomposed
    if decomposed in _CONFUSABLES:
        return _CONFUSABLES[decomposed]
    if decomposed and decomposed.isascii() and decomposed.isprintable():
        return decomposed
    if cat.startswith("Z"):
        return " "
    return _SEP


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for lo, hi in _TABLE_RANGES:
        for cp in range(lo, hi):
            folded = fold_char(chr(cp))
            if len(folded) == 1 and folded != _SEP:
                table[cp] = folded
    return table


_TABLE = _build_table()


def fold_pattern(pattern: str) -> str:
    """Fold a rule's regex the way text is folded: non-ASCII letters, then ``l`` → ``i``.

    Only non-ASCII characters are folded, so regex syntax (``\\B``, ``\\S``) is untouched.
    Patterns must not use named groups or other syntax containing a literal ``l``.
    """
    folded = "".join(fold_char(c) if not c.isascii() else c for c in pattern)
    return folded.replace("l", "i")


def fold_word(word: str) -> str:
    """Fold a plain word (a rule trigger, a stopword) into skeleton form."""
    return "".join(fold_char(c) if not c.isascii() else c.lower() for c in word).replace("l", "i")


@attrs.frozen
class Normalised:
    """A skeleton of a text and how to find each of its characters in the original.

    ``index[i]`` is the original position of skeleton character ``i``; ``None`` means the map
    is the identity. ``urls`` are spans of the original text; ``obfuscated`` are skeleton spans
    of words that were written in leetspeak or with spaced letters.
    """

    text: str
    index: tuple[int, ...] | None
    urls: tuple[tuple[int, int], ...] = ()
    obfuscated: tuple[tuple[int, int], ...] = ()

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that skeleton ``[start, end)`` came from."""
        if self.index is None:
            return (start, end)
        if end <= start:
            pos = self.index[start] if start < len(self.index) else self.index[-1] + 1
            return (pos, pos)
        return (self.index[start], self.index[end - 1] + 1)


def _slow_fold(text: str, folded: str) -> tuple[str, list[int]]:
    """Fold what the one-to-one table could not (invisible, multi-letter, emoji) with a map."""
    out: list[str] = []
    index: list[int] = []
    prev = 0
    for m in _NON_ASCII.finditer(folded):
        start, end = m.span()
        out.append(folded[prev:start])
        index.extend(range(prev, start))
        for pos in range(start, end):
            rep = fold_char(text[pos])
            if rep:
                out.append(rep)
                index.extend([pos] * len(rep))
        prev = end
    out.append(folded[prev:])
    index.extend(range(prev, len(folded)))
    skeleton = "".join(out)
    if _SEP not in skeleton:
        return skeleton, index
    # A symbol between two letters is dropped (emoji-separated letters); elsewhere a space.
    out, new_index, prev = [], [], 0
    for m in _SEP_RUN.finditer(skeleton):
        start, end = m.span()
        out.append(skeleton[prev:start])
        new_index.extend(index[prev:start])
        before = skeleton[start - 1] if start else " "
        after = skeleton[end] if end < len(skeleton) else " "
        if not (before.isalpha() and after.isalpha()):
            out.append(" " * (end - start))
            new_index.extend(index[start:end])
        prev = end
    out.append(skeleton[prev:])
    new_index.extend(index[prev:])
    return "".join(out), new_index


def _unleet_word(word: str) -> str:
    """Undo leetspeak in one word: digit runs made only of leet digits, inner symbols."""
    chars = list(word)
    for m in _DIGIT_RUN.finditer(word):
        if set(m[0]) <= _LEET_DIGITS:
            for i in range(m.start(), m.end()):
                chars[i] = chars[i].translate(_LEET)
    last = len(word) - 1
    for i, c in enumerate(word):
        if c in "@$|!E" and i < last:
            chars[i] = c.translate(_LEET)
    return "".join(chars)


def normalise(text: str) -> Normalised:
    """The skeleton of ``text`` (see the module docstring) with its map to the original."""
    folded = text.lower() if text.isascii() else text.translate(_TABLE)
    index: list[int] | None = None
    if not folded.isascii():
        folded, index = _slow_fold(text, folded)
    urls: list[tuple[int, int]] = []
    if "www." in folded or "://" in folded:
        chars = list(folded)
        for m in _URL.finditer(folded):
            start, end = m.span()
            urls.append((start, end) if index is None else (index[start], index[end - 1] + 1))
            chars[start:end] = " " * (end - start)
        folded = "".join(chars)
    obfuscated: list[tuple[int, int]] = []
    leet = _LEET_WORD.search(folded)
    if leet is not None:
        chars = list(folded)
        for m in _LEET_WORD.finditer(folded, leet.start()):
            if len(_LETTERS.findall(m[0])) < 2:
                continue  # "3a", "2x1": a seat or a quantity, not a disguised word
            word = _unleet_word(m[0])
            if word != m[0]:
                chars[m.start() : m.end()] = word
                obfuscated.append(m.span())
        folded = "".join(chars)
    folded = folded.replace("l", "i")
    spaced = _SPACED.search(folded)
    if spaced is not None:
        folded, index, obfuscated = _join_spaced(folded, index, obfuscated, spaced.start())
    return Normalised(folded, None if index is None else tuple(index), tuple(urls),
                      tuple(obfuscated))


def _join_spaced(
    folded: str, index: list[int] | None, obfuscated: list[tuple[int, int]], pos: int
) -> tuple[str, list[int], list[tuple[int, int]]]:
    """Join spaced letters (``f r e e`` → ``free``), keeping the map to the original."""
    if index is None:
        index = list(range(len(folded)))
    out: list[str] = []
    new_index: list[int] = []
    joined: list[tuple[int, int]] = []
    removed_at: list[tuple[int, int]] = []  # (old end of a joined run, characters removed so far)
    prev = length = removed = 0
    for m in _SPACED.finditer(folded, pos):
        start, end = m.span()
        letters = folded[start:end:2]
        out += (folded[prev:start], letters)
        new_index += index[prev:start] + index[start:end:2]
        length += start - prev
        joined.append((length, length + len(letters)))
        length += len(letters)
        removed += (end - start) - len(letters)
        removed_at.append((end, removed))
        prev = end
    out.append(folded[prev:])
    new_index += index[prev:]

    def moved(old: int) -> int:
        return old - max((r for e, r in removed_at if e <= old), default=0)

    kept = [(moved(a), moved(b)) for a, b in obfuscated]
    return "".join(out), new_index, sorted(kept + joined)
