"""Surface variation real queries have: padding to a word count, typos, casing, punctuation; and
the words that name or imply a content type, which decide whether a label is honest.

All functions take a seeded ``random.Random`` so a request's output depends only on its seed.
"""

from __future__ import annotations

import operator
import random
import re

from routenator_dagster.labels import TYPE_WORDS
from routenator_dagster.routes import vocabulary as V

# Words that carry no content: dropped from Search prompts and ignored by grounding.
STOPWORDS: frozenset[str] = frozenset(
    "a an the of for with in on and or to my our your me some any at by from that this is it i im i'm "
    "about like its it's who where what".split()
)
_TYPE_WORD_SET: frozenset[str] = frozenset(w for ws in TYPE_WORDS.values() for w in ws)
_PUNCT = ".,!?:;\"'()"


def _cue_types() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for table in (TYPE_WORDS, V.TYPE_CUES):
        for ct, phrases in table.items():
            for ph in phrases:
                out.setdefault(ph.lower(), set()).add(ct)
    for ph in V.NOT_CUES:
        out[ph] = set()
    return {k: frozenset(v) for k, v in out.items()}


# Type words and cues, phrase -> types it implies; one regex, longest phrase first, plural allowed
_CUES: dict[str, frozenset[str]] = _cue_types()


def _trie_pattern(phrases: list[str]) -> str:
    """A regex matching any of ``phrases``, written as a trie: Python's re tries a flat
    alternation of hundreds of literals one by one, which costs more than the generation itself."""
    trie: dict = {}
    for ph in phrases:
        node = trie
        for ch in ph:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return emit(trie)


_CUE_RE = re.compile(r"\b(" + _trie_pattern(list(_CUES)) + r")(?:s|es)?\b")
# single words a typo must not touch: misspelling "jingle" would silently drop the cue
_PROTECTED: frozenset[str] = _TYPE_WORD_SET | frozenset(w for c in _CUES for w in c.split())
_TOKEN_RE = re.compile(r"[a-z0-9]+")


def _safe_singles() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """One-word cues whose type no longer phrase can change ("jingle" yes; "loop" no: "drum loop"),
    with their plurals: a query containing one implies that type for sure, without the regex."""
    tokens = {c: _TOKEN_RE.findall(c) for c in _CUES}
    in_longer = {w for c, ws in tokens.items() if len(ws) > 1 for w in ws}
    safe: dict[str, set[str]] = {}
    for cue, types in _CUES.items():
        if tokens[cue] != [cue] or cue in in_longer or not types:
            continue
        for form in (cue, cue + "s", cue + "es"):
            for t in types:
                safe.setdefault(t, set()).add(form)
    every = {w for ws in tokens.values() for w in ws}
    every |= {w + "s" for w in every} | {w + "es" for w in every}
    return {t: frozenset(v) for t, v in safe.items()}, frozenset(every)


_SAFE_SINGLES, _ANY_CUE_WORD = _safe_singles()


def implies(text: str, content_type: str, extra: dict[str, str] | None = None) -> bool:
    """Whether ``text`` names or implies ``content_type`` ("Any": whether it implies no type at all).
    Same answer as implied_types, but most queries are decided by a word-set test."""
    low = text.lower()
    words = set(_TOKEN_RE.findall(low))
    if content_type == "Any":
        if words.isdisjoint(_ANY_CUE_WORD):
            return True
        return not implied_types(text)
    if not words.isdisjoint(_SAFE_SINGLES.get(content_type, ())):
        return True
    return content_type in implied_types(text, extra)


def implied_types(text: str, extra: dict[str, str] | None = None) -> frozenset[str]:
    """Content types a careful annotator reads in ``text``: named (TYPE_WORDS) or implied by a cue
    (TYPE_CUES). ``extra`` maps further lowercase cue phrases to their type (the KG's design types)."""
    found = {t for m in _CUE_RE.finditer(text.lower()) for t in _CUES.get(m.group(1), ())}
    if extra:
        low = text.lower()
        found.update(ct for phrase, ct in extra.items() if phrase and re.search(rf"\b{re.escape(phrase)}", low))
    return frozenset(found)


def is_known_cue(phrase: str) -> bool:
    """Whether ``phrase`` is already one of the type words or cues (so its type is known)."""
    return phrase.lower() in _CUES


def collapse_repeats(text: str) -> str:
    """Drop an immediately repeated word or phrase of up to three words, the seam left when a
    format word is appended to a name that already ends with it ("restaurant menu menu")."""
    q = text.split()  # composed text repeats itself in the same case
    # a phrase of n words repeated means some word equals the one n places on: test that in C first
    if len(set(q)) == len(q) or not (
        any(map(str.__eq__, q, q[1:])) or any(map(str.__eq__, q, q[2:])) or any(map(str.__eq__, q, q[3:]))
    ):
        return text
    words = text.split(" ")
    low = [w.lower().strip(_PUNCT) for w in words]
    changed = False
    for n in (1, 2, 3):
        i = 0
        while i + 2 * n <= len(words):
            if low[i:i + n] == low[i + n:i + 2 * n] and all(low[i:i + n]):
                del words[i + n:i + 2 * n]
                del low[i + n:i + 2 * n]
                changed = True
                continue
            i += 1
    return " ".join(words) if changed else text


_KEYBOARD_NEIGHBOURS = {
    "a": "sqw", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj", "i": "uo",
    "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o", "r": "et", "s": "ad",
    "t": "ry", "u": "yi", "v": "cb", "w": "qe", "y": "tu",
}


def n_words(text: str) -> int:
    return len(text.split())


def by_length(phrases: tuple[str, ...]) -> dict[int, tuple[str, ...]]:
    """Phrases grouped by word count, so padding can pick an exact length in O(1)."""
    out: dict[int, list[str]] = {}
    for p in phrases:
        out.setdefault(n_words(p), []).append(p)
    return {k: tuple(v) for k, v in out.items()}


SEARCH_PRE = by_length(V.SEARCH_VERBS)
MAKE_PRE = by_length(V.MAKE_VERBS)
GENERATE_PRE = by_length(V.GENERATE_VERBS)
FIND_PRE = by_length(V.FIND_FOR_GENERATE)
POST = by_length(V.POLITE_POST)


def pick_len(rng: random.Random, pools: dict[int, tuple[str, ...]], n: int) -> str | None:
    """A phrase of exactly ``n`` words ('' for 0), or None when the pool has none."""
    if n == 0:
        return ""
    pool = pools.get(n)
    return rng.choice(pool) if pool else None


def pad_split(rng: random.Random, extra: int, pre: dict[int, tuple[str, ...]], post: dict[int, tuple[str, ...]],
              allow_pre: bool = True, allow_post: bool = True) -> tuple[str, str] | None:
    """Split ``extra`` words into a prefix and a suffix drawn from the pools, or None."""
    options = []
    for a in range(extra + 1):
        b = extra - a
        if (a and not allow_pre) or (b and not allow_post):
            continue
        if (a == 0 or a in pre) and (b == 0 or b in post):
            options.append(a)
    if not options:
        return None
    a = rng.choice(options)
    return pick_len(rng, pre, a) or "", pick_len(rng, post, extra - a) or ""


def join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


_STRIP_PUNCT = operator.methodcaller("strip", _PUNCT)


def content_words(text: str) -> list[str]:
    """Words of ``text`` without stopwords or punctuation (what grounding compares)."""
    return [w for w in map(_STRIP_PUNCT, text.lower().split()) if w and w not in STOPWORDS]


def typo(rng: random.Random, word: str) -> str:
    """One keyboard slip in ``word``: swap, drop, double or a neighbour key."""
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.3:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind < 0.55:
        return word[:i] + word[i + 1:]
    if kind < 0.75:
        return word[:i] + word[i] + word[i:]
    near = _KEYBOARD_NEIGHBOURS.get(word[i])
    if not near:
        return word[:i] + word[i + 1:]
    return word[:i] + rng.choice(near) + word[i + 1:]


def add_typo(rng: random.Random, query: str) -> str:
    """Misspell one content word (never a type word, so the label stays readable)."""
    words = query.split()
    idx = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha() and w.lower() not in STOPWORDS
           and w.lower() not in _PROTECTED]
    if not idx:
        return query
    i = rng.choice(idx)
    words[i] = typo(rng, words[i])
    return " ".join(words)


_SENTENCE_END = re.compile(r"[.!?]$")


def surface(rng: random.Random, query: str, chatty: bool = False, lowercase: float = 0.62) -> str:
    """Casing and end punctuation as people type them (mostly lowercase, no full stop)."""
    r = rng.random()
    rest = (r - lowercase) / max(1e-9, 1.0 - lowercase) * 0.38 + 0.62  # the other casings keep their proportions
    if r < lowercase:
        out = query
    elif rest < 0.9:
        out = query[:1].upper() + query[1:]
    elif rest < 0.97:
        out = " ".join(w[:1].upper() + w[1:] for w in query.split())
    else:
        out = query.upper()
    if not _SENTENCE_END.search(out):
        r = rng.random()
        if chatty and r < 0.35:
            out += rng.choice(("!", ".", "?", "!!"))
        elif r < 0.06:
            out += "?"
        elif r < 0.09:
            out += "."
    return out
