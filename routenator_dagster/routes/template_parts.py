"""Shared pieces of the heuristic template families: the request, subjects, type-word placement.

See `heuristic_templates` for how families are chosen; `search_templates` and `generate_templates`
hold the families themselves.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass
from typing import Callable

from routenator_dagster.labels import type_words_in
from routenator_dagster.routes import phrasing as P
from routenator_dagster.routes import vocabulary as V


Positions = ("start", "middle", "end")


@dataclass(slots=True)
class Request:
    function: str
    content_type: str
    min_w: int
    max_w: int
    position: str | None  # where the type word goes: start/middle/end, or None for no type word
    v: dict[str, str]  # KG / catalog variables
    occasion: bool = False  # the last topic drawn is an occasion ("birthday"), not a thing
    kg_topic: bool = False  # the last topic is the KG path's intent, so its scene objects fit it
    tail: str | None = None  # Generate: a closing phrase naming the type ("..., as a sticker")
    tail_word: str | None = None  # the type word of the tail when prompts keep it
    copy: bool = False  # Text: written copy (tagline, caption), so details ask for wording, not looks


Result = tuple[str, str]  # (query before surface variation, extracted_prompt)
Family = Callable[[random.Random, Request], "Result | None"]

_ARTICLES = ("a ", "an ", "some ", "the ")


def _strip_article(text: str) -> str:
    for a in _ARTICLES:
        if text.startswith(a):
            return text[len(a):]
    return text


def _is_plural(phrase: str) -> bool:
    last = phrase.split()[-1] if phrase.split() else ""
    return last.endswith("s") and not last.endswith(("ss", "us", "is")) or last in ("footage", "clipart", "music", "audio")


def _an(phrase: str) -> str:
    """The phrase with an indefinite article, none for plurals and mass nouns."""
    if _is_plural(phrase.split(" of ")[0].split(" with ")[0]):
        return phrase
    return ("an " if phrase[:1] in "aeiou" else "a ") + phrase


def _first(v: dict[str, str], key: str) -> str | None:
    val = v.get(key)
    if not val:
        return None
    return val.split(", ")[0].strip() or None


def _keywords(text: str, limit: int = 5) -> list[str]:
    """The keyword phrase of ``text``: at most ``limit`` content words, inner function words kept
    ("back to school", "black and white"), outer ones dropped."""
    words = [w for w in (t.strip(P._PUNCT).lower() for t in text.split()) if w]
    out: list[str] = []
    n = 0
    for w in words:
        if w in P.STOPWORDS:
            if out:
                out.append(w)
            continue
        if n == limit or len(out) >= limit + 1:
            break  # at most `limit` content words and one function word more
        n += 1
        out.append(w)
    while out and out[-1] in P.STOPWORDS:
        out.pop()
    return out


def _bin(index: int, n: int) -> str:
    pos = index / (n - 1) if n > 1 else 0.0
    return "start" if pos <= 0.2 else ("end" if pos >= 0.8 else "middle")


def _type_word(rng: random.Random, ct: str, keep_only: bool | None = None) -> tuple[str, bool]:
    names = V.TYPE_NAMES[ct]
    if keep_only is not None:
        names = tuple(n for n in names if n[1] == keep_only) or names
    return rng.choice(names)


# ---- subjects ---------------------------------------------------------------------------------
def _topic(rng: random.Random, req: Request) -> str:
    """The generic thing searched for: a node of the request's KG path whenever one fits (so the
    row shows what it was built from), our vocabulary only when the path has nothing usable.

    Records on the request whether it is an occasion (takes "for") or a thing/mood."""
    ct, v = req.content_type, req.v
    r = rng.random()
    req.occasion = req.kg_topic = False
    intent = _intent(req)
    obj = _first(v, "scene_objects")
    if req.max_w <= 2:
        # one- and two-word searches: a one-word name on the path, else our one-word vocabulary
        objs = [o.strip() for o in (v.get("scene_objects") or "").split(", ") if o.strip()]
        limit = req.max_w if ct == "Any" else 1  # an Any search has no type word to make room for
        intent = intent if intent and P.n_words(intent) <= limit else None
        short = [o for o in objs if P.n_words(o) <= limit]
        obj = rng.choice(short) if short else None
    if ct in ("Template", "Any", "Audio", "Text"):
        if intent and (r < 0.92 or not obj):
            req.occasion = req.kg_topic = True
            return intent
        if obj and ct in ("Any", "Template"):
            req.occasion = ct == "Template"
            return obj
    else:
        if obj and (r < 0.8 or not intent):
            return obj
        if intent and ct in ("Background", "Design Asset", "Video"):
            req.occasion = req.kg_topic = True
            return intent
        if obj:
            return obj
    req.occasion = ct in ("Template", "Any")
    if ct == "Any":
        return _any_topic(rng)
    return rng.choice(V.SUBJECTS[ct])


def _any_topic(rng: random.Random) -> str:
    """A topic that implies no type: an occasion, a bare subject, a seasonal or themed gathering,
    a plural ("weddings"). Many forms, so short Any searches rarely repeat each other."""
    r = rng.random()
    if r < 0.38:
        return rng.choice(V.SUBJECTS["Any"])
    if r < 0.62:
        return rng.choice(V.ANY_THINGS)
    if r < 0.76:
        season, event = rng.choice(V.ANY_SEASONS), rng.choice(V.ANY_GATHERINGS)
        return event if season in event else f"{season} {event}"
    if r < 0.9:
        theme, event = rng.choice(V.ANY_THEMES), rng.choice(V.ANY_GATHERINGS)
        return f"{theme} {event}"
    return rng.choice(V.ANY_PLURALS)


_ANY_TYPE_RE = re.compile(
    r"\b(" + "|".join(re.escape(x) for subs in V.SUBTYPES.values() for x in subs) + r")\b"
)


def _intent(req: Request) -> str | None:
    """The KG intent, unless it names a format and the request is for no type ("company newsletter"),
    or it names another type than the one wanted ("unboxing video" for a template)."""
    intent = req.v.get("intent")
    if intent and req.content_type == "Any" and _names_a_format(intent):
        return None
    if intent and req.content_type != "Any" and _names_other_type(intent, req.content_type):
        return None
    return intent


@functools.lru_cache(maxsize=8192)
def _types_in(text: str) -> frozenset[str]:
    return P.implied_types(text)


@functools.lru_cache(maxsize=4096)
def _names_other_type(text: str, content_type: str) -> bool:
    return any(t != content_type for t in type_words_in(text))


@functools.lru_cache(maxsize=4096)
def _names_a_format(text: str) -> bool:
    """Whether ``text`` names or implies a content type ("wedding calligraphy", "photorealistic")."""
    return bool(_ANY_TYPE_RE.search(text) or type_words_in(text) or P.implied_types(text))


def _modifier(rng: random.Random, req: Request) -> str:
    ct, v = req.content_type, req.v
    r = rng.random()
    if ct == "Audio":
        return rng.choice(V.MOODS[:6]).split(" and ")[0] if r < 0.5 else rng.choice(("upbeat", "soft", "happy", "dark", "chill", "epic", "fun"))
    if ct in ("Photo", "Video"):
        if r < 0.3 and v.get("color"):
            return v["color"]
        return rng.choice(("aerial", "vintage", "black and white", "cute", "happy", "summer", "winter", "night",
                           "bright", "moody", "minimal", "cozy", "autumn", "colorful", "dark"))
    if r < 0.6 and v.get("style"):
        return v["style"]
    if r < 0.9 and v.get("color"):
        return v["color"]
    return rng.choice(V.STYLES) if r < 0.85 else rng.choice(V.COLORS)


def _subtype(rng: random.Random, req: Request) -> str:
    """A format word of the type; the KG's design type when it names no type word itself
    ("jingle" yes, "background music" no: that would name Background)."""
    dt = req.v.get("design_type")
    if dt and rng.random() < 0.85 and _plain_design_type(dt):
        return dt
    return rng.choice(V.SUBTYPES[req.content_type])


@functools.lru_cache(maxsize=4096)
def _plain_design_type(name: str) -> bool:
    return not type_words_in(name)


def search_subject(rng: random.Random, req: Request, n_mods: int, with_subtype: bool) -> str:
    """1-5 content words: modifiers, the topic and maybe a subtype word ("watercolor birthday flyer")."""
    if req.content_type == "Any":
        n_mods = 0  # modifiers on a bare occasion read oddly ("minimalist bold camping")
    words: list[str] = []
    for _ in range(n_mods):
        m = _modifier(rng, req)
        if m not in words and not (words and (m in V.STYLES) == (words[-1] in V.STYLES)):
            words.append(m)
    topic = _topic(rng, req)
    for _ in range(3):
        # one- and two-word searches want one-word topics, but a bare Any topic may fill both words
        if req.max_w > 2 or " " not in topic or (req.content_type == "Any" and P.n_words(topic) <= req.max_w):
            break
        topic = _topic(rng, req)
    topic_words = set(topic.split())
    words = [m for m in words if not topic_words.intersection(m.split())]  # no "black black friday"
    words.append(topic)
    if with_subtype and req.content_type != "Any" and req.content_type not in _types_in(topic):
        sub = _subtype(rng, req)
        if sub.split()[-1] not in " ".join(words).split():  # no "restaurant menu menu"
            words.append(sub)
            req.occasion = False
    while len(words) > 1 and len(P.content_words(" ".join(words))) > 5:
        words.pop(0)  # modifiers go first: the topic and the format word are the search
    out = " ".join(words)
    if (req.max_w >= 5 and req.content_type != "Any" and req.position in (None, "start") and len(out.split()) <= 3
            and rng.random() < 0.15):
        # a generic audience keeps a search generic ("birthday cards for kids")
        out = f"{out} for {req.v.get('audience') or rng.choice(V.AUDIENCES)}"
    return out


def _with_object(rng: random.Random, req: Request) -> str | None:
    obj = _first(req.v, "scene_objects")
    if obj and req.kg_topic and rng.random() < 0.7:  # the KG object belongs to the KG intent only
        return obj
    if req.content_type in ("Template", "Background", "Design Asset"):
        return rng.choice(("balloons", "flowers", "stars", "confetti", "leaves", "hearts", "gold foil", "ribbons",
                           "space for text", "polka dots", "pumpkins", "snowflakes", "palm trees"))
    return None


_MEDIA = frozenset({"Photo", "Video", "Audio"})
