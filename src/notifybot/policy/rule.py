"""Wording rules, and the book that finds which rules to try where.

Rules are regexes over the normalised *skeleton* (see :mod:`notifybot.policy.normalise`),
written in plain words and folded like the text. Running a few hundred regexes over every
message would cost far more than the 10 µs budget, so rules are never scanned over the whole
text:

* an **anchored** rule (:func:`rule`) is tried only *at* the words it can start with. Those
  first words are read from the patterns themselves (:func:`first_words`), so a rule cannot
  silently miss because its trigger list was forgotten;
* a **windowed** rule (:func:`windowed`) starts with a number or a sign (``-30 %``,
  ``$10 off``) and is searched in a small window around explicit trigger words.

``unless`` names benign phrasings: a match that lies inside a benign match (``free`` inside
``free cancellation``, ``remise`` inside ``remise en main propre``) is not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Set

import attrs

from notifybot.policy.lang import COMMON_WORDS
from notifybot.policy.normalise import fold_pattern, fold_word
from notifybot.policy.normalise import skeleton_tokens as skeleton_tokens  # moved there

_UNLESS_WINDOW = 40
_WORD_START = re.compile(r"\b[a-z0-9]")
_MAX_EXPANSIONS = 4096
_WORD = re.compile(r"[a-z0-9]+")
_TWO_WORDS = re.compile(r"([a-z0-9]+)[^a-z0-9]+([a-z0-9]+)[^a-z0-9]")


@attrs.frozen
class Rule:
    """A wording rule.

    ``anchors`` lists, for each word a match can start with, the other words the match needs
    (all of), the words that can follow it (one of, when known) and the pattern tried there
    (anchored rules); ``triggers`` lists the words (or ``%``)
    around which ``pattern`` is searched, ``back`` characters before and ``ahead`` after
    (windowed rules).
    """

    rule_id: str
    message: str
    pattern: re.Pattern[str]
    anchors: tuple[tuple[str, frozenset[str], frozenset[str], re.Pattern[str]], ...] = ()
    triggers: tuple[str, ...] = ()
    back: int = 0
    ahead: int = 0
    unless: re.Pattern[str] | None = None
    #: Languages in which the rule is not tried (Spanish "sale" means "leaves").
    not_in: frozenset[str] = frozenset()
    #: Benign phrasings by the word they start with (``None``: unknown, try ``unless`` anywhere).
    unless_words: dict[str, re.Pattern[str]] | None = attrs.field(
        default=None, eq=False, hash=False
    )
    #: ``unless_words`` by token: a finder of the word where a word starts, and the phrasing.
    _unless_tokens: dict[bytes, tuple[re.Pattern[str], re.Pattern[str]]] = attrs.field(
        init=False, eq=False, hash=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        words = self.unless_words or {}
        object.__setattr__(self, "_unless_tokens", {
            w.encode(): (_word_start_finder(w), p) for w, p in words.items()
        })

    def benign(
        self, skeleton: str, start: int, end: int, tokens: Set[bytes] | None = None
    ) -> bool:
        """Whether the match ``[start, end)`` lies inside a benign phrasing.

        ``tokens``, the skeleton's words (:func:`skeleton_tokens`), if known, lets a rule whose
        benign phrasings start with known words try only the words present.
        """
        if self.unless is None:
            return False
        starts = self.unless_words
        lo = max(0, start - _UNLESS_WINDOW)
        if starts is not None and tokens is not None:
            # Only a word that starts a benign phrasing and is in the text can start one here.
            by_token = self._unless_tokens
            # Most benign phrasings start at the match itself ("free cancellation"): try first.
            here = _WORD.match(skeleton, start)
            if here is not None:
                known = by_token.get(here[0].encode())
                if known is not None and known[0].match(skeleton, start) is not None:
                    m = known[1].match(skeleton, start, end + 2 * _UNLESS_WINDOW)
                    if m is not None and m.end() >= end:
                        return True
            for token in by_token.keys() & tokens:
                finder, phrasing = by_token[token]
                # Up to a word starting at ``start`` (and the character after it).
                for occurrence in finder.finditer(skeleton, lo, start + len(token) + 1):
                    if occurrence.start() > start:
                        break
                    m = phrasing.match(skeleton, occurrence.start(), end + 2 * _UNLESS_WINDOW)
                    if m is not None and m.end() >= end:
                        return True
            return False
        for word in _WORD_START.finditer(skeleton, lo, start + 1):
            at = word.start()
            if starts is None:
                pattern = self.unless
            else:
                whole = _WORD.match(skeleton, at)
                found = starts.get(whole[0]) if whole is not None else None
                if found is None:
                    continue
                pattern = found
            benign = pattern.match(skeleton, at, end + 2 * _UNLESS_WINDOW)
            if benign is not None and benign.end() >= end:
                return True
        return False

    def scan(self, skeleton: str) -> Iterator[tuple[int, int]]:
        """Every span this rule reports on a whole skeleton (slow; for tests and tools)."""
        for m in self.pattern.finditer(skeleton):
            if m.end() > m.start() and not self.benign(skeleton, m.start(), m.end()):
                yield m.span()


def rule(
    rule_id: str, message: str, *patterns: str, unless: str | None = None, not_in: str = ""
) -> Rule:
    """An anchored rule: every alternative of every pattern must start with a word."""
    by_word: dict[tuple[str, frozenset[str], frozenset[str]], list[str]] = {}
    for p in patterns:
        for alt in _split_top(fold_pattern(p)):
            needs = required_words(alt)
            firsts = first_words(alt, rule_id)
            seconds = second_words(alt, rule_id)
            for w in firsts:
                any_of = seconds.get(w) or frozenset()
                by_word.setdefault((w, needs - {w}, any_of), []).append(alt)
    anchors = tuple(
        (w, needs, any_of, re.compile("|".join(f"(?:{a})" for a in alts)))
        for (w, needs, any_of), alts in by_word.items()
    )
    return Rule(rule_id, message, _compile(patterns), anchors=anchors,
                unless=_compile((unless,)) if unless else None, not_in=frozenset(not_in.split()),
                unless_words=_starts(unless))


def windowed(
    rule_id: str, message: str, triggers: str, *patterns: str, back: int = 30, ahead: int = 30,
    unless: str | None = None,
) -> Rule:
    """A rule searched within ``back``/``ahead`` characters of its trigger words (or ``%``)."""
    words = tuple(fold_word(w) for w in triggers.split())
    for w in words:
        if w != "%" and not _WORD.fullmatch(w):
            raise ValueError(f"rule {rule_id}: trigger {w!r} is not a single word")
    return Rule(rule_id, message, _compile(patterns), triggers=words, back=back, ahead=ahead,
                unless=_compile((unless,)) if unless else None, unless_words=_starts(unless))


def _starts(unless: str | None) -> dict[str, re.Pattern[str]] | None:
    """Benign phrasings indexed by first word, or None when some first word cannot be read."""
    if not unless:
        return None
    by_word: dict[str, list[str]] = {}
    try:
        for alt in _split_top(fold_pattern(unless)):
            for w in first_words(alt):
                by_word.setdefault(w, []).append(alt)
    except ValueError:
        return None
    return {w: re.compile("|".join(f"(?:{a})" for a in alts)) for w, alts in by_word.items()}


def _compile(patterns: Iterable[str | None]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{fold_pattern(p)})" for p in patterns if p))


class RuleBook:
    """Rules indexed by the words that can start (or trigger) them.

    A rule's match starts at one of its first words, but a first word is often a common one
    ("your cart", "and save", "pour vous"). So each (first word, pattern) entry is filed under
    the rarest word it cannot run without: its first word, a word every match contains, or
    the words that can follow the first one (any one of them). A message then wakes only the
    entries whose rare word it holds, and the pattern is tried at the first word's
    occurrences as before.
    """

    def __init__(self, rules: Iterable[Rule], common: Set[str] = COMMON_WORDS) -> None:
        """``common`` words (folded) are never chosen to file an entry under if another is."""
        self.rules: tuple[Rule, ...] = tuple(rules)
        ids = [r.rule_id for r in self.rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate rule ids: {dupes}")
        index: dict[str, list[tuple[Rule, re.Pattern[str] | None, frozenset[str],
                                    frozenset[str]]]] = {}
        for r in self.rules:
            for w, needs, any_of, pattern in r.anchors:
                index.setdefault(w, []).append((r, pattern, needs, any_of))
            for w in r.triggers:
                index.setdefault(w, []).append((r, None, frozenset(), frozenset()))
        self._percent = tuple(r for r, _, _, _ in index.pop("%", ()))
        self._finders = {w.encode(): _finder(w) for w in index}
        filed: dict[bytes, list[_Entry]] = {}
        for w, entries in index.items():
            for rank, (r, tried, needs, any_of) in enumerate(entries):
                entry = (w.encode(), rank, r, tried, _encode(needs), _encode(any_of))
                for word in _rarest(w, needs, any_of, common):
                    filed.setdefault(word.encode(), []).append(entry)
        self._filed = {w: tuple(entries) for w, entries in filed.items()}
        self._words = frozenset(self._filed)
        words = set(self._words)
        for es in filed.values():
            for e in es:
                words |= {e[0], *e[4], *e[5], *e[2]._unless_tokens}
        #: Every word that :meth:`plan` and the benign checks read: a plan depends on a text's
        #: words only through the ones in here (so it can be reused for texts sharing them).
        self.vocabulary: frozenset[bytes] = frozenset(words)

    def scan(
        self, skeleton: str, tokens: Set[bytes] | None = None, lang: str | None = None
    ) -> list[tuple[Rule, int, int]]:
        """Every (rule, start, end) reported on ``skeleton``, each span once per rule.

        ``tokens`` is the set of the skeleton's words (:func:`skeleton_tokens`), if known;
        rules excluded for ``lang`` are skipped.
        """
        if tokens is None:
            tokens = set(skeleton_tokens(skeleton))
        return self.run(skeleton, tokens, self.plan(tokens, lang))

    def plan(self, tokens: Set[bytes], lang: str | None = None) -> Plan:
        """What can fire on a text whose words are ``tokens``: the patterns to try, by first
        word (in the book's order), and the rules tried at every ``%``."""
        live: dict[bytes, list[tuple[int, Rule, re.Pattern[str] | None]]] = {}
        filed = self._filed
        for word in self._words.intersection(tokens):
            for first, rank, r, p, needs, any_of in filed[word]:
                if (first in tokens and needs <= tokens
                        and (not any_of or not any_of.isdisjoint(tokens))
                        and lang not in r.not_in):
                    tried = live.get(first)
                    if tried is None:
                        live[first] = [(rank, r, p)]
                    elif (rank, r, p) not in tried:  # filed under two of its words
                        tried.append((rank, r, p))
                        tried.sort(key=_rank)
        return live, self._percent

    def run(self, skeleton: str, tokens: Set[bytes], plan: Plan) -> list[tuple[Rule, int, int]]:
        """:meth:`scan` with the :meth:`plan` made for ``tokens``."""
        found: list[tuple[Rule, int, int]] = []
        live, percent = plan
        for first, tried in live.items():
            for occurrence in self._finders[first].finditer(skeleton):
                pos = occurrence.start()
                for _, r, anchored in tried:
                    if anchored is not None:
                        m = anchored.match(skeleton, pos)
                    else:
                        m = r.pattern.search(skeleton, max(0, pos - r.back),
                                             pos + len(first) + r.ahead)
                    if m is not None and m.end() > m.start():
                        found.append((r, m.start(), m.end()))
        if percent and "%" in skeleton:
            pos = skeleton.find("%")
            while pos >= 0:
                for r in percent:
                    m = r.pattern.search(skeleton, max(0, pos - r.back), pos + 1 + r.ahead)
                    if m is not None and m.end() > m.start():
                        found.append((r, m.start(), m.end()))
                pos = skeleton.find("%", pos + 1)
        if not found:
            return found
        seen: set[tuple[str, int, int]] = set()
        kept: list[tuple[Rule, int, int]] = []
        for r, start, end in sorted(found, key=_span):
            key3 = (r.rule_id, start, end)
            if key3 not in seen and not r.benign(skeleton, start, end, tokens):
                seen.add(key3)
                kept.append((r, start, end))
        return kept


#: What a :class:`RuleBook` tries on one text (see :meth:`RuleBook.plan`).
Plan = tuple[dict[bytes, list[tuple[int, Rule, re.Pattern[str] | None]]], tuple[Rule, ...]]


def _rank(tried: tuple[int, Rule, re.Pattern[str] | None]) -> int:
    return tried[0]


def _span(found: tuple[Rule, int, int]) -> tuple[int, int]:
    return found[1], found[2]


#: An index entry: first word, rank among that word's entries, rule, pattern tried there
#: (None: the rule's window is searched), words needed (all), words that can follow (one).
_Entry = tuple[bytes, int, Rule, re.Pattern[str] | None, frozenset[bytes], frozenset[bytes]]


def _rarest(
    first: str, needs: frozenset[str], any_of: frozenset[str], common: Set[str]
) -> frozenset[str]:
    """The words to file an entry under: one of them is in every text the entry matches.

    The choices are the first word, any needed word, or all the possible second words; the
    one whose commonest word looks rarest wins (``common`` words first, then short words).
    Only speed depends on it.
    """
    choices = [frozenset((first,)), *(frozenset((w,)) for w in sorted(needs))]
    if any_of:
        choices.append(any_of)
    return max(choices, key=lambda c: (min(0 if w in common else len(w) for w in c), -len(c)))


def _encode(words: frozenset[str]) -> frozenset[bytes]:
    return frozenset(w.encode() for w in words)


def _finder(word: str) -> re.Pattern[str]:
    """A regex finding ``word`` as a whole token (it starts with the word: a fast C scan)."""
    w = re.escape(word)
    return re.compile(f"{w}(?<![a-z0-9]{w})(?![a-z0-9])")


def _word_start_finder(word: str) -> re.Pattern[str]:
    """A regex finding ``word`` as a whole word where ``\\b`` starts a word (as ``benign``
    reads them), written to start with the word: a fast C scan."""
    w = re.escape(word)
    return re.compile(f"{w}(?<!\\w{w})(?![a-z0-9])")


def required_words(pattern: str) -> frozenset[str]:
    """Whole words that every match of ``pattern`` contains (read from its top level only).

    Conservative: a word next to a group, a class or a quantifier is left out.
    """
    words: set[str] = set()
    depth, i, n = 0, 0, len(pattern)
    before_ok = True  # at the start, after a space, \\b or \\s
    while i < n:
        c = pattern[i]
        if c == "\\":
            before_ok = pattern[i + 1 : i + 2] in ("b", "s") and depth == 0
            i += 2
            continue
        if c == "[":
            i = pattern.index("]", i + 2) + 1
            before_ok = False
            continue
        if c == "(":
            i = _close(pattern, i) + 1
            before_ok = False
            continue
        m = _WORD.match(pattern, i)
        if m is None:
            before_ok = c == " " and pattern[i + 1 : i + 2] not in ("?", "*", "{")
            i += 1
            continue
        end = m.end()
        after = pattern[end : end + 2]
        after_ok = (after[:1] == " " or after in ("\\b", "\\s")) and (
            pattern[end + 1 : end + 2] not in ("?", "*", "{") if after[:1] == " " else True
        )
        if before_ok and after_ok:
            words.add(m[0])
        before_ok = False
        i = end
    return frozenset(words)


# --- reading a pattern's first words ---------------------------------------------------------

#: An expansion: the literal text read so far and how it ended (None: still literal;
#: "word-end": at a point where a word must have ended; "open": where a word may continue).
_Exp = tuple[str, str | None]


def first_words(pattern: str, rule_id: str = "?") -> set[str]:
    """The words (skeleton tokens) that any match of ``pattern`` can start with.

    Raises ``ValueError`` when the pattern may start with something else than a whole known
    word (a digit class, ``\\w+``, a sign): such rules must be :func:`windowed`.
    """
    words: set[str] = set()
    for text, end in _expand(pattern, 0, len(pattern)):
        m = _WORD.match(text)
        word = m[0] if m else ""
        if not word:
            raise ValueError(f"rule {rule_id}: {pattern!r} may start with a non-word ({text!r})")
        if len(word) == len(text) and end == "open":
            raise ValueError(f"rule {rule_id}: first word of {pattern!r} is open-ended "
                             f"({text!r}...); spell its forms out")
        words.add(word)
    return words


def second_words(pattern: str, rule_id: str = "?") -> dict[str, frozenset[str] | None]:
    """For each first word of ``pattern``, the words that can follow it (None: unknown)."""
    out: dict[str, frozenset[str] | None] = {}
    try:
        expansions = _expand(pattern, 0, len(pattern), words=2)
    except ValueError:
        return dict.fromkeys(first_words(pattern, rule_id))
    for text, end in expansions:
        first = _WORD.match(text)
        if first is None:
            continue
        m = _TWO_WORDS.match(text)
        rest = _WORD.findall(text)
        if m is not None:
            second: str | None = m[2]
        elif end != "open" and len(rest) == 2 and text[-1:].isalnum():
            second = rest[1]
        else:
            second = None
        known = out.get(first[0], frozenset())
        out[first[0]] = None if second is None or known is None else known | {second}
    return out


def _split_top(pattern: str, start: int = 0, stop: int | None = None) -> list[str]:
    """Split ``pattern[start:stop]`` on its top-level ``|``."""
    stop = len(pattern) if stop is None else stop
    parts, depth, i, last, in_class = [], 0, start, start, False
    while i < stop:
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(pattern[last:i])
            last = i + 1
        i += 1
    parts.append(pattern[last:stop])
    return parts


def _close(pattern: str, i: int) -> int:
    """Index of the ``)`` closing the group opened at ``pattern[i]``."""
    depth, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unbalanced group in {pattern!r}")


def _expand(pattern: str, start: int, stop: int, words: int = 1) -> list[_Exp]:
    out: list[_Exp] = []
    for alt in _split_top(pattern, start, stop):
        out.extend(_expand_seq(alt, words))
    return out


def _complete(text: str, words: int) -> bool:
    """Whether ``text`` holds ``words`` whole words, each followed by a non-word character."""
    if words == 1:
        m = _WORD.match(text)
        return m is not None and len(m[0]) < len(text)
    return _TWO_WORDS.match(text) is not None


def _atom(seq: str, i: int, words: int = 1) -> tuple[list[_Exp] | None, int]:
    """Read one atom at ``seq[i]``: its expansions (``None`` if zero-width) and the next index."""
    c = seq[i]
    if c == "\\":
        e = seq[i + 1]
        if e == "b":
            return [("", "boundary")], i + 2
        if e in "sW":
            return [("", "word-end")], i + 2
        if e.isalnum():  # \d \w \S \D ...
            return [("", "open")], i + 2
        return [(e, None)], i + 2
    if c == "[":
        j = seq.index("]", i + 2 if seq[i + 1 : i + 2] == "^" else i + 1)
        body = seq[i + 1 : j]
        if body.startswith("^") or "\\" in body or "-" in body[1:-1]:
            open_ = any(ch.isalnum() for ch in body) or body.startswith("^") or "\\" in body
            return [("", "open" if open_ else "word-end")], j + 1
        return [(ch, None) for ch in sorted(set(body))], j + 1
    if c == "(":
        j = _close(seq, i)
        if seq.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
            return None, j + 1
        inner = i + 3 if seq.startswith("(?:", i) else i + 1
        return _expand(seq, inner, j, words), j + 1
    if c == ".":
        return [("", "open")], i + 1
    if c in "^$":
        return [("", "word-end")], i + 1
    return [(c, None)], i + 1


def _expand_seq(seq: str, words: int = 1) -> list[_Exp]:
    done: list[_Exp] = []
    live = [""]
    i = 0
    while i < len(seq) and live:
        atom, i = _atom(seq, i, words)
        quant = seq[i] if i < len(seq) else ""
        if quant and quant in "?*+{":
            if quant == "{":
                close = seq.index("}", i)
                low = seq[i + 1 : close].split(",")[0]
                i = close + 1
            else:
                low = "0" if quant in "?*" else "1"
                i += 1
            if i < len(seq) and seq[i] == "?":  # lazy
                i += 1
            if atom is not None and (quant != "?" or low != "0"):
                # Repeated: one occurrence, then the word may go on (or not).
                atom = [(t, e or ("open" if any(ch.isalnum() for ch in t) else "word-end"))
                        for t, e in atom]
            if atom is not None and low == "0":
                atom = [*atom, ("", None)]
        if atom is None:
            continue
        nxt: list[str] = []
        for prefix in live:
            for text, end in atom:
                if end == "boundary":  # \b: ends a word already begun, else zero-width
                    if prefix and len(_WORD.findall(prefix)) >= words:
                        done.append((prefix, "word-end"))
                    else:
                        nxt.append(prefix)
                    continue
                joined = prefix + text
                if end is not None or _complete(joined, words):
                    done.append((joined, end or "word-end"))
                else:
                    nxt.append(joined)
        if len(nxt) + len(done) > _MAX_EXPANSIONS:
            raise ValueError(f"pattern {seq!r} expands to too many prefixes")
        live = nxt
    done.extend((p, None) for p in live)
    return done
