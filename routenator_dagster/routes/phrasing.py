"""Surface variation real queries have: padding to a word count, typos, casing, punctuation.

All functions take a seeded ``random.Random`` so a request's output depends only on its seed.
"""

from __future__ import annotations

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


_PUNCT = ".,!?:;\"'()"


def content_words(text: str) -> list[str]:
    """Words of ``text`` without stopwords or punctuation (what grounding compares)."""
    return [w for w in (t.strip(_PUNCT) for t in text.lower().split()) if w and w not in STOPWORDS]


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
           and w.lower() not in _TYPE_WORD_SET]
    if not idx:
        return query
    i = rng.choice(idx)
    words[i] = typo(rng, words[i])
    return " ".join(words)


_SENTENCE_END = re.compile(r"[.!?]$")


def surface(rng: random.Random, query: str, chatty: bool = False) -> str:
    """Casing and end punctuation as people type them (mostly lowercase, no full stop)."""
    r = rng.random()
    if r < 0.62:
        out = query
    elif r < 0.9:
        out = query[:1].upper() + query[1:]
    elif r < 0.97:
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
