"""The marks of real typing on a finished query: slang, emoji, a question form, a greeting in
another language, all-lowercase. Rates come from heuristic_targets.yaml; the extracted prompt is
never touched (it stays the clean form an annotator writes: "ig post" -> "instagram post").

No mark changes the word count (see real_typing).
"""

from __future__ import annotations

import random
import re

from routenator_dagster.routes import vocabulary as V

_SLANG_RE = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(V.SLANG_FOR, key=len, reverse=True)) + r")\b",
                       re.IGNORECASE)


_QUOTED = re.compile(r"\"[^\"]*\"|(?<![A-Za-z])'[^']*'(?![A-Za-z])")


def slangify(rng: random.Random, query: str) -> str:
    """One or two words swapped for the slang people type ("instagram" -> "ig")."""
    quoted = [m.span() for m in _QUOTED.finditer(query)]  # wording to print stays as given
    spots = [m for m in _SLANG_RE.finditer(query) if not any(a <= m.start() < b for a, b in quoted)]
    if not spots:
        return query
    for m in sorted(rng.sample(spots, min(len(spots), rng.choice((1, 1, 2)))), key=lambda m: -m.start()):
        slang = rng.choice(V.SLANG_FOR[m.group(1).lower()])
        query = query[: m.start()] + slang + query[m.end():]
    return query


_EN_GREETING = re.compile(r"^(?:hi|hey|hello|hiya|hi there|hey there|good morning)\b[!,]?\s+", re.IGNORECASE)


def _lead_len(query: str, leads: dict[int, tuple[str, ...]]) -> int:
    """Word count of the request verb the query opens with (0 when none)."""
    low = query.lower()
    for k in sorted(leads, reverse=True):
        if any(low.startswith(v + " ") for v in leads[k]):
            return k
    return 0


def real_typing(rng: random.Random, query: str, function: str, max_w: int, rates: dict[str, float]) -> str:
    """``query`` with the marks of real typing drawn at ``rates`` (see module docstring).

    No mark changes the word count: the length was drawn along the target curve, and marks that
    added words would pile rows up at the top of each bucket. A question swaps the opening verb
    for a question of as many words; a foreign greeting takes an English one's place; an emoji
    sticks to the last word on short queries."""
    n = len(query.split())
    # only some queries have a word with a slang form, so those that do get it more often
    if rng.random() < min(1.0, 4 * rates.get("slang", 0.0)):
        query = slangify(rng, query)
    if rng.random() < rates.get("question", 0.0) and not query.endswith("?"):
        own = _VERBS[function]
        k = _lead_len(query, own)
        asks = V.QUESTION_LEADS_BY_LEN[function].get(k)
        if k and asks:
            query = f"{rng.choice(asks)} {' '.join(query.split()[k:])}"
        query = query.rstrip(".!") + "?"
    if rng.random() < rates.get("foreign_greeting", 0.0):
        m = _EN_GREETING.match(query)
        if m and len(m.group(0).split()) == 1:
            query = f"{rng.choice(V.FOREIGN_GREETINGS)}, {query[m.end():]}"
    if rng.random() < rates.get("emoji", 0.0):
        emoji = rng.choice(V.EMOJI)
        query = f"{query} {emoji}" if 9 <= n < max_w else f"{query}{emoji}"
    return query


def _by_len(phrases: tuple[str, ...]) -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = {}
    for p in phrases:
        out.setdefault(len(p.split()), []).append(p)
    return {k: tuple(v) for k, v in out.items()}


_VERBS = {"Search": _by_len(V.SEARCH_VERBS), "Generate": _by_len(V.GENERATE_VERBS + V.FIND_FOR_GENERATE)}
