"""Which styles, colours, moods and occasions contradict each other (vocabulary.CLASHES).

Used twice: the heuristic route recomposes a row that combines a clashing pair, and the realism
filter rejects such rows whatever route made them.
"""

from __future__ import annotations

import functools
import re

from routenator_dagster.routes import vocabulary as V


def _group_re(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alts = "|".join(re.escape(p) for p in sorted(set(phrases), key=len, reverse=True))
    # "no vocals" must not count as "vocals"; plurals count ("snowflakes")
    return re.compile(r"(?<![a-z0-9'-])(" + alts + r")(?:s|es)?(?![a-z0-9-])")


_PAIRS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple((_group_re(a), _group_re(b)) for a, b in V.CLASHES)
_WORDS: frozenset[str] = frozenset(w for a, b in V.CLASHES for p in a + b for w in re.findall(r"[a-z]+", p))


@functools.lru_cache(maxsize=65536)
def clash(text: str) -> tuple[str, str] | None:
    """The first contradictory pair of phrases in ``text`` ("watercolor", "very realistic"), or None."""
    low = text.lower()
    if _WORDS.isdisjoint(re.findall(r"[a-z]+", low)):
        return None
    for a, b in _PAIRS:
        ma = a.search(low)
        if not ma:
            continue
        for mb in b.finditer(low):
            # one phrase may sit in both groups' words ("bold and loud" vs "loud"): overlapping spans are one phrase
            if mb.start() >= ma.end() or mb.end() <= ma.start():
                return ma.group(1), mb.group(1)
        for ma2 in a.finditer(low):
            mb = b.search(low)
            if mb and (mb.start() >= ma2.end() or mb.end() <= ma2.start()):
                return ma2.group(1), mb.group(1)
    return None
