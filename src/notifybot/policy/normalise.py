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

import codecs
import re
import threading
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

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

#: A word of 1-3 letters then 3+ digits ("ba117", "ezy8012") is a flight or reference number.
_CODE = re.compile(r"[a-z]{1,3}[0-9]{3,}")
#: On character classes: a leet character in a word with two letters or more, i.e. after
#: two letters, before two letters, or with letters on both sides of its run. The leet
#: character comes first, so the regex engine jumps from one to the next (they are rare).
_LEET_IN_WORD = re.compile(rb"1(?:(?<=aa1)|(?=aa)|(?<=a1)(?=1*a))")
_URL_REST = re.compile(r"[^\s<>\"']+")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*$")
_SEP_RUN = re.compile(r"\x00+")
#: Separators "0", letters "a" (as ``str.isalpha`` reads an ASCII skeleton), the rest " ".
_SEP_CLASS = bytes(48 if c == 0 else 97 if chr(c).isalpha() else 32 for c in range(256))
_DIGIT_RUN = re.compile(r"[0-9]+")
#: Words that need the careful path: a non-leet digit (kept with its run) or a final symbol.
_KEEP = re.compile(r"[269]|[@$|!E]$")
#: The class pattern spaced letters start with (the regex engine finds it faster than
#: ``bytes.find``: the needle repeats itself).
_SPACED_HINT = re.compile(b"sasas")
#: Three or more single letters joined by one separator each: ``f r e e``, ``s.a.l.e``.
_SPACED = re.compile(r"(?<![a-z0-9])[a-z](?:[ .\-_*+/~][a-z]){2,}(?![a-z0-9])")

#: Character classes of a skeleton, for cheap pre-checks with ``bytes.find``: letters "a",
#: digits and leet symbols "1", separators of spaced letters "s", anything else "x".
_CLASS = bytes(
    97 if 97 <= c <= 122 else 49 if (48 <= c <= 57 or chr(c) in "@$|!E")
    else 115 if chr(c) in " .-_*+/~" else 120
    for c in range(256)
)
_WORD_CLASS = bytes(119 if c in (97, 49) else 32 for c in range(256))
_TOKEN_TABLE = bytes(c if (97 <= c <= 122 or 48 <= c <= 57) else 32 for c in range(256))


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


def _build_latin1() -> bytes:
    """A 256-byte table folding Latin-1 text to its skeleton; 0 marks "needs the slow path"."""
    out = bytearray()
    for b in range(256):
        folded = chr(b) if b < 128 else fold_char(chr(b))
        out.append(ord(folded) if len(folded) == 1 and folded != _SEP and folded.isascii() else 0)
    return bytes(out)


_LATIN1 = _build_latin1()
#: Frequent non-Latin-1 characters with a one-character skeleton, replaced before encoding.
_COMMON = (
    *((c, _CONFUSABLES[c]) for c in "€’‘“”–—…"),
    ("\u202f", " "), ("\u2009", " "), ("\u2011", "-"),
)


def _fold_latin1(lowered: str) -> str | None:
    """The 1:1 skeleton of a lower-cased mostly-Latin-1 text, or None if it needs more."""
    for char, folded in _COMMON:
        if char in lowered:
            lowered = lowered.replace(char, folded)
    try:
        raw = lowered.encode("latin-1").translate(_LATIN1)
    except UnicodeEncodeError:
        return None
    if 0 in raw and "\x00" not in lowered:
        return None
    return raw.decode("ascii")


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
        return original_span(self.index, start, end)


class Pending(NamedTuple):
    """A skeleton's map to the original text, not built yet (most texts never need it): the
    runs whose characters did not fold one-to-one (start, end, skeleton length of each
    character or None for one each) and the text's length."""

    runs: list[tuple[int, int, tuple[int, ...] | None]]
    length: int

    def build(self) -> list[int]:
        """The map: ``index[i]`` is the original position of skeleton character ``i``."""
        index: list[int] = []
        prev = 0
        for start, end, lens in self.runs:
            if lens is not None:
                index += range(prev, start)
                for pos, n in enumerate(lens, start):
                    index += (pos,) * n
                prev = end
        index += range(prev, self.length)
        return index


#: A skeleton's map to the original text: built, pending, or ``None`` (the identity).
Map = list[int] | Pending | None


def built(index: Map) -> list[int] | None:
    """``index`` built if it was pending."""
    return index.build() if isinstance(index, Pending) else index


def original_span(
    index: Sequence[int] | Pending | None, start: int, end: int
) -> tuple[int, int]:
    """The span of the original text that skeleton ``[start, end)`` came from, given the
    skeleton's map (``None``: the identity)."""
    if isinstance(index, Pending):
        index = index.build()
    if index is None:
        return (start, end)
    if end <= start:
        pos = index[start] if start < len(index) else index[-1] + 1
        return (pos, pos)
    return (index[start], index[end - 1] + 1)


def _fold_general(text: str, lowered: str) -> tuple[str, Map]:
    """Fold character by character what neither byte table could (the exact reference path).

    Every character of ``lowered`` goes through the one-to-one table; a character it cannot
    map is folded from the original text by :func:`fold_char`, and then the skeleton needs a
    map (``None`` otherwise).
    """
    out: list[str] = []
    index: list[int] = []
    slow = False
    for pos, (low, orig) in enumerate(zip(lowered, text, strict=True)):
        folded = low if low.isascii() else _TABLE.get(ord(low))
        if folded is None:
            folded = fold_char(orig)
            slow = True
        out.append(folded)
        index += (pos,) * len(folded)
    skeleton = "".join(out)
    if not slow:
        return skeleton, None
    return _separators(skeleton, index)


def _drops_separator(skeleton: str) -> bool:
    """Whether a run of separators lies between two letters (found from its end, "0a")."""
    cls = skeleton.encode("ascii").translate(_SEP_CLASS)
    pos = cls.find(b"0a")
    while pos >= 0:
        before = max(cls.rfind(b"a", 0, pos), cls.rfind(b" ", 0, pos))
        if before >= 0 and cls[before] == 97:
            return True
        pos = cls.find(b"0a", pos + 2)
    return False


def _separators(skeleton: str, index: list[int] | Pending) -> tuple[str, list[int] | Pending]:
    """Resolve separators: dropped between two letters (``f🎁r🎁e🎁e``), else spaces."""
    if _SEP not in skeleton:
        return skeleton, index
    if not _drops_separator(skeleton):
        return skeleton.replace(_SEP, " "), index
    index = built(index) or []
    out: list[str] = []
    new_index: list[int] = []
    prev = 0
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


# --- the fast path for any non-ASCII text ------------------------------------------------
#
# The text is encoded to Latin-1 by the C codec; a codec error handler is called once per run
# of other characters (emoji, curly quotes, other scripts, invisible characters) and returns
# the run's skeleton, so the Python work is per run, never per character. A byte table then
# lower-cases and folds the Latin-1 part. Runs folded by ``fold_char`` (emoji, symbols) or that
# change length are noted: the skeleton then needs a map to the original text.

_FOLD_ERRORS = "notifybot.policy.fold"
_EURO = "\x7f"
_LOCAL = threading.local()
#: Folded runs by original run: (skeleton, per-character lengths or None when each character
#: gives one, whether a character needed :func:`fold_char`).
_RUNS: dict[str, tuple[str, tuple[int, ...] | None, bool]] = {}
_MAX_RUNS = 4096


def _fold_run(run: str) -> tuple[str, tuple[int, ...] | None, bool]:
    """The skeleton of a run of non-Latin-1 characters, as :func:`_fold_general` folds it.

    The run is lower-cased on its own: only U+0130 (replaced first) changes length, and the
    only context-dependent case, a final sigma, folds the same either way (neither sigma is in
    the table; a test checks it).
    """
    out: list[str] = []
    slow = False
    for low, orig in zip(run.replace("\u0130", "I").lower(), run, strict=True):
        folded = low if low.isascii() else _TABLE.get(ord(low))
        if folded is None:
            folded = fold_char(orig)
            slow = True
        out.append(folded)
    lens = tuple(map(len, out))
    # "E" (the euro sign) must survive the lower-casing table: it travels as DEL.
    skeleton = "".join(out).replace("E", _EURO)
    return skeleton, None if all(n == 1 for n in lens) else lens, slow


def _fold_error(err: UnicodeError) -> tuple[str, int]:
    """Codec error handler: the skeleton of a run that Latin-1 cannot encode."""
    if not isinstance(err, UnicodeEncodeError):
        raise err
    start, end = err.start, err.end
    run = err.object[start:end]
    folded = _RUNS.get(run)
    if folded is None:
        folded = _fold_run(run)
        if len(_RUNS) < _MAX_RUNS:
            _RUNS[run] = folded
    if folded[2]:
        _LOCAL.edits.append((start, end, folded[1]))
    return folded[0], end


codecs.register_error(_FOLD_ERRORS, _fold_error)


def _build_latin1_lower() -> bytes:
    """The Latin-1 table applied after lower-casing (0: needs the reference path); DEL is a
    folded run's "E"."""
    return bytes(_LATIN1[ord(chr(b).lower())] if b and chr(b) != _EURO else ord("E") if b else 0
                 for b in range(256))


_LATIN1_LOWER = _build_latin1_lower()
#: Latin-1 characters without a one-character skeleton (``ß``, ``æ``, ``©``, soft hyphen).
_LATIN1_MULTI = bytes(b for b in range(1, 256) if not _LATIN1_LOWER[b])


def _fold_non_ascii(text: str) -> tuple[str, Map]:
    """The skeleton of a non-ASCII text and its map (``None``: one-to-one)."""
    edits: list[tuple[int, int, tuple[int, ...] | None]] = []
    _LOCAL.edits = edits
    raw = text.encode("latin-1", _FOLD_ERRORS)
    out = raw.translate(_LATIN1_LOWER)
    # A NUL or DEL written in the text itself, or a Latin-1 character folding to several
    # (a 0 in ``out`` that no separator explains), takes the reference path.
    if not ((0 in raw and "\x00" in text) or (127 in raw and _EURO in text) or (
            0 in out and (not edits or len(raw.translate(None, _LATIN1_MULTI)) != len(raw)))):
        if not edits:
            return out.decode("ascii"), None
        return _separators(out.decode("ascii"), Pending(edits, len(text)))
    lowered = text.replace("\u0130", "I").lower()
    fast = _fold_latin1(lowered)
    if fast is not None:
        return fast, None
    return _fold_general(text, lowered)


def _unleet_word(word: str) -> str:
    """Undo leetspeak in one word: digit runs made only of leet digits, inner symbols."""
    if not _KEEP.search(word):
        return word.translate(_LEET)
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


def _unleet(folded: str, cls: bytes, first: int = 0) -> tuple[str, list[tuple[int, int]]]:
    """Undo leetspeak in every word mixing letters and leet characters (length-preserving).

    Only words with two letters or more are read ("3a", "2x1", "15h40": a seat, a quantity,
    a time): :data:`_LEET_IN_WORD` finds them from their leet characters (none before
    ``first``).
    """
    words = cls.translate(_WORD_CLASS)  # letters and leet characters -> "w", the rest -> " "
    pieces: list[str] = []
    changed: list[tuple[int, int]] = []
    done = last = 0
    for m in _LEET_IN_WORD.finditer(cls, first):
        start = words.rfind(b" ", 0, m.start()) + 1
        if start < last:
            continue  # another leet character of the word just read
        last = words.find(b" ", start)
        if last < 0:
            last = len(cls)
        word = folded[start:last]
        if _CODE.fullmatch(word):
            continue
        plain = _unleet_word(word)
        if plain != word:
            pieces += (folded[done:start], plain)
            done = last
            changed.append((start, last))
    if not changed:
        return folded, changed
    pieces.append(folded[done:])
    return "".join(pieces), changed


def _spaced_runs(folded: str, cls: bytes) -> list[tuple[int, int]]:
    """Runs of three or more single letters joined by one separator each (``f r e e``)."""
    runs: list[tuple[int, int]] = []
    pos = cls.find(b"sasas")
    while pos >= 0:
        start = pos + 1
        while start >= 2 and cls[start - 1] == 115 and cls[start - 2] == 97 and (
            start < 3 or cls[start - 3] not in (97, 49)
        ):
            start -= 2
        m = _SPACED.match(folded, start)
        if m is not None and (not runs or m.start() >= runs[-1][1]):
            runs.append(m.span())
            pos = cls.find(b"sasas", m.end())
        else:
            pos = cls.find(b"sasas", pos + 2)
    return runs


def _url_spans(folded: str) -> list[tuple[int, int]]:
    """Spans of links (``scheme://...`` or ``www....``) in a lower-cased text."""
    spans: list[tuple[int, int]] = []
    pos = folded.find("://")
    while pos >= 0:
        # A scheme cannot reach back into the link before (which ends at a space or a
        # quote), so these spans never overlap and come in order.
        scheme = _SCHEME.search(folded, max(0, pos - 12), pos)
        m = _URL_REST.match(folded, pos)
        end = m.end() if m else pos + 3
        spans.append((pos if scheme is None else scheme.start(), end))
        pos = folded.find("://", end)
    if "www." in folded:
        pos = folded.find("www.")
        while pos >= 0:
            m = _URL_REST.match(folded, pos)
            end = m.end() if m else pos + 4
            if not any(a <= pos < b for a, b in spans):
                spans.append((pos, end))
            pos = folded.find("www.", end)
        spans.sort()
    return spans


def skeleton_tokens(skeleton: str) -> list[bytes]:
    """The words of an (ASCII) skeleton, as bytes."""
    return skeleton.encode("ascii", "replace").translate(_TOKEN_TABLE).split()


def normalise(text: str) -> Normalised:
    """The skeleton of ``text`` (see the module docstring) with its map to the original."""
    folded, index, urls, obfuscated = skeleton(text)
    index = built(index)
    return Normalised(folded, None if index is None else tuple(index), tuple(urls),
                      tuple(obfuscated))


#: What :func:`skeleton` returns: the skeleton, its map (``None``: the identity), the links
#: (spans of the original text) and the disguised words (spans of the skeleton).
Parts = tuple[str, Map, list[tuple[int, int]], list[tuple[int, int]]]


def skeleton(text: str) -> Parts:
    """:func:`normalise` without building a :class:`Normalised` (the engine's hot path)."""
    index: Map = None
    if text.isascii():
        folded = text.lower()
    else:
        folded, index = _fold_non_ascii(text)
    urls: list[tuple[int, int]] = []
    if "://" in folded or "www." in folded:
        index = built(index)
        pieces: list[str] = []
        done = 0
        for start, end in _url_spans(folded):
            urls.append((start, end) if index is None else (index[start], index[end - 1] + 1))
            pieces += (folded[done:start], " " * (end - start))
            done = end
        pieces.append(folded[done:])
        folded = "".join(pieces)
    cls = folded.encode("ascii").translate(_CLASS)
    obfuscated: list[tuple[int, int]] = []
    leet = _LEET_IN_WORD.search(cls)
    if leet is not None:
        folded, obfuscated = _unleet(folded, cls, leet.start())
    folded = folded.replace("l", "i")
    if _SPACED_HINT.search(cls):
        runs = _spaced_runs(folded, cls)
        if runs:
            folded, index, obfuscated = _join_spaced(folded, built(index), obfuscated, runs)
    return folded, index, urls, obfuscated


def _join_spaced(
    folded: str, index: list[int] | None, obfuscated: list[tuple[int, int]],
    runs: list[tuple[int, int]],
) -> tuple[str, list[int], list[tuple[int, int]]]:
    """Join spaced letters (``f r e e`` → ``free``), keeping the map to the original."""
    if index is None:
        index = list(range(len(folded)))
    out: list[str] = []
    new_index: list[int] = []
    joined: list[tuple[int, int]] = []
    removed_at: list[tuple[int, int]] = []  # (old end of a joined run, characters removed so far)
    prev = length = removed = 0
    for start, end in runs:
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
