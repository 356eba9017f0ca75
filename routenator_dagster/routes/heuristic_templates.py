"""Template families of the heuristic route (paper 3.1), each a small composable function.

A family turns one request (function, content type, word range, where the type word should sit,
KG/catalog variables) into ``(query, extracted_prompt)`` following DESIGN.md's labelling rules,
or None when it could not fit the word range. Search prompts are the 1-5 content keywords of the
subject (bare type words dropped, subtype words kept); Generate prompts are the specification
without the request wrapper. Every prompt word is taken from the query, so prompts are grounded.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass
from typing import Callable

from routenator_dagster.catalog_builder import gerund
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
    """The generic thing searched for: a KG node when the path has one, else our vocabulary.

    Records on the request whether it is an occasion (takes "for") or a thing/mood."""
    ct, v = req.content_type, req.v
    r = rng.random()
    req.occasion = req.kg_topic = False
    intent = _intent(req) if r < 0.6 else None  # only the branches below that can use it pay for it
    if ct in ("Template", "Any", "Audio", "Text") and intent and r < 0.5:
        req.occasion = req.kg_topic = True
        return intent
    if ct in ("Photo", "Video", "Background", "Design Asset") and r < 0.45:
        obj = _first(v, "scene_objects")
        if obj:
            return obj
    if ct == "Background" and intent and r < 0.6:
        req.occasion = req.kg_topic = True
        return intent
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
        if r < 0.08 and v.get("color"):
            return v["color"]
        return rng.choice(("aerial", "vintage", "black and white", "cute", "happy", "summer", "winter", "night",
                           "bright", "moody", "minimal", "cozy", "autumn", "colorful", "dark"))
    if r < 0.4 and v.get("style"):
        return v["style"]
    if r < 0.6 and v.get("color"):
        return v["color"]
    return rng.choice(V.STYLES) if r < 0.85 else rng.choice(V.COLORS)


def _subtype(rng: random.Random, req: Request) -> str:
    """A format word of the type; the KG's design type when it names no type word itself
    ("jingle" yes, "background music" no: that would name Background)."""
    dt = req.v.get("design_type")
    if dt and rng.random() < 0.65 and _plain_design_type(dt):
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


# ---- Search -----------------------------------------------------------------------------------
_ANY_LEADS = V.ANY_LEADS


def _place_type(rng: random.Random, req: Request, subject: str, prompt_words: list[str]) -> tuple[str, list[str]] | None:
    """The subject with the type word at req.position (or none); returns core text and prompt words."""
    ct = req.content_type
    if ct == "Any":  # no type implied, said the way people say it
        r = rng.random()
        if r < 0.2:
            return f"{rng.choice(_ANY_LEADS)} {subject}", prompt_words
        if r < 0.3:
            mine = rng.choice(V.ANY_MINE)
            return f"{rng.choice(V.ANY_MY_LEADS)} {mine}", _keywords(mine)
        if r < 0.42 and len(subject.split()) < 4:
            suffix = rng.choice(V.ANY_FILLER_SUFFIXES + V.ANY_KEPT_SUFFIXES)
            return f"{subject} {suffix}", prompt_words + ([suffix] if suffix in V.ANY_KEPT_SUFFIXES else [])
        return subject, prompt_words
    if req.position is None:
        return subject, prompt_words
    word, keep = _type_word(rng, ct)
    if req.position == "end":
        core = f"{subject} {word}"
        return core, prompt_words + ([word] if keep else [])
    conn = "for" if req.occasion else rng.choice(V.TYPE_CONNECTORS[ct])
    if req.position == "start":
        core = P.join(word, conn, subject) if rng.random() < 0.85 else f"{word}: {subject}"
        return core, ([word] if keep else []) + prompt_words
    # middle: the type word between subject and an extension ("birthday templates with balloons")
    ext = _with_object(rng, req)
    if ext and ext in subject:
        ext = None
    if ext and len(prompt_words) < 5:
        core = f"{subject} {word} with {ext}"
        extra = _keywords(ext, 5 - len(prompt_words) - (1 if keep else 0))
        return core, prompt_words + ([word] if keep else []) + extra
    return P.join(word, conn, subject), ([word] if keep else []) + prompt_words  # a verb in front makes it middle


_TYPE_NAME_SET = frozenset(w for names in V.TYPE_NAMES.values() for w, _ in names)


_PRONOUN_LEADS = ("something", "anything", "stuff", "things", "ideas", "inspo", "inspiration")
_SEARCH_PRE_PLAIN = P.by_length(tuple(v for v in V.SEARCH_VERBS if v.split()[-1] not in ("any", "some", "best", "a", "good")))


def _fit_search(rng: random.Random, req: Request, core: str, prompt: list[str],
                pre: dict[int, tuple[str, ...]] | None = None, allow_post: bool = True) -> Result | None:
    """Pad the core with a search verb in front and/or politeness behind to a word count in range.

    A core that starts with its type word keeps it first (no verb in front); one that ends with
    it gets no politeness behind, so the requested position survives the padding."""
    n_core = P.n_words(core)
    if n_core > req.max_w or not prompt:
        return None
    target = rng.randint(max(req.min_w, n_core), req.max_w)
    extra = target - n_core
    pre_pool = pre if pre is not None else P.SEARCH_PRE
    if pre is None and core.startswith(_PRONOUN_LEADS):
        pre_pool = _SEARCH_PRE_PLAIN  # never "any something for" or "got any stuff for"
    allow_pre = not (req.position == "start" and core.split()[0].rstrip(":") in _TYPE_NAME_SET)
    split = P.pad_split(rng, extra, pre_pool, P.POST, allow_pre=allow_pre, allow_post=allow_post and req.position != "end")
    if split is None:
        split = P.pad_split(rng, extra, pre_pool, P.POST)
        if split is None:
            return None
    return P.join(split[0], core, split[1]), " ".join(prompt)


_MEDIA = frozenset({"Photo", "Video", "Audio"})


def search_kg_path(rng: random.Random, req: Request) -> Result | None:
    """Verb + intent/design type/style from a KG path, type word placed as requested."""
    budget = max(1, min(3, req.max_w - 2))
    n_mods = rng.randint(0, min(2, budget))
    typed = req.content_type != "Any"
    # a format word beside a named type reads well for layouts ("birthday flyer template"), not
    # for media ("pizza shot photo")
    with_sub = typed and (req.position is None or (req.content_type not in _MEDIA and rng.random() < 0.35))
    subject = search_subject(rng, req, n_mods, with_sub)
    if req.content_type == "Text" and req.position is None and not with_sub:
        return None
    placed = _place_type(rng, req, subject, _keywords(subject))
    if placed is None:
        return None
    return _fit_search(rng, req, placed[0], placed[1])


def search_bare_topic(rng: random.Random, req: Request) -> Result | None:
    """Just the keywords, as most real searches are ("diwali", "elephant photos", "spooky font")."""
    typed = req.content_type != "Any"
    position = req.position
    for _ in range(4):  # one-word topics exist for every type; a few draws find one that fits
        req.position = position
        n_mods = 0 if req.max_w <= 2 else rng.randint(0, 1)
        subject = search_subject(rng, req, n_mods, typed and position is None)
        if req.position == "start" and P.n_words(subject) + 2 > req.max_w:
            req.position = "end"
        placed = _place_type(rng, req, subject, _keywords(subject))
        if placed is None:
            continue
        core, prompt = placed
        if req.min_w <= P.n_words(core) <= req.max_w:
            return core, " ".join(prompt)
    return None


def search_metadata(rng: random.Random, req: Request) -> Result | None:
    """Keywords or the title of a catalog asset with a search verb (paper 3.1, metadata templates)."""
    v = req.v
    kws = [k for k in (v.get("keywords") or "").split(", ") if k and not P._TYPE_WORD_SET.intersection(k.split())]
    title = v.get("title")
    if kws and (rng.random() < 0.6 or not title):
        k = rng.randint(1, min(3, len(kws)))
        subject = " ".join(rng.sample(kws, k))
    elif title:
        words = [w for w in title.lower().split() if w not in P._TYPE_WORD_SET][:5]
        while words and words[-1] in P.STOPWORDS:
            words.pop()
        subject = " ".join(words)
    else:
        return search_kg_path(rng, req)
    prompt = _keywords(subject)
    if not prompt:
        return None
    if req.content_type == "Template" and req.position is None and not _names_subtype(subject, "Template"):
        subject = f"{subject} {_subtype(rng, req)}"
        prompt = _keywords(subject)
    elif req.position is None and req.content_type not in ("Any", "Template"):
        req.position = rng.choice(Positions)  # metadata words alone rarely imply the type
    placed = _place_type(rng, req, subject, prompt)
    return _fit_search(rng, req, placed[0], placed[1]) if placed else None


def search_make_generic(rng: random.Random, req: Request) -> Result | None:
    """'make a birthday card': a make-verb asking for something the library surely holds -> Search."""
    typed = req.content_type != "Any"
    if req.position == "start":
        req.position = rng.choice(("middle", "end"))
    short = req.max_w <= 4
    subject = search_subject(rng, req, 0 if short else rng.randint(0, 1),
                             typed and (req.position is None or (not short and rng.random() < 0.5)))
    placed = _place_type(rng, req, subject, _keywords(subject))
    if placed is None:
        return None
    core = placed[0]
    if not core.split()[0].rstrip(":") in P._TYPE_WORD_SET:
        core = _an(core) if rng.random() < 0.6 else core
    verb = rng.choice(V.MAKE_VERBS if req.max_w > 4 else ("make", "create", "design"))
    req.min_w = max(1, req.min_w - P.n_words(verb))
    req.max_w -= P.n_words(verb)
    out = _fit_search(rng, req, core, placed[1], allow_post=True, pre={})
    return (f"{verb} {out[0]}", out[1]) if out else None


def search_chatty(rng: random.Random, req: Request) -> Result | None:
    """A long, friendly search whose ask is still generic ("... need some fun sports templates")."""
    subject = search_subject(rng, req, rng.randint(0, 2), req.content_type != "Any" and req.position is None)
    if req.position == "start":
        req.position = "middle"
    placed = _place_type(rng, req, subject, _keywords(subject))
    if placed is None:
        return None
    core, prompt = placed
    need = rng.choice(V.NEED_PHRASES)
    if req.content_type == "Any":
        if not core.startswith(_ANY_LEADS):
            core = f"{rng.choice(_ANY_LEADS)} {core}"
        need = rng.choice(("i need", "i'm looking for", "want to find", "i want", "need", "hoping to find"))
    if rng.random() < 0.4:
        context = rng.choice(V.CONTEXTS)
    else:
        context = P.join(rng.choice(V.CONTEXT_WHO), rng.choice(V.CONTEXT_DOING), rng.choice(V.CONTEXT_WHAT),
                         rng.choice(V.CONTEXT_WHERE), "and")
    lead = P.join(rng.choice(V.GREETINGS) if rng.random() < 0.5 else "", context, need)
    query = P.join(lead, core)
    n = P.n_words(query)
    if n > req.max_w:
        return None
    extra = req.min_w - n if n < req.min_w else rng.randint(0, min(3, req.max_w - n))
    tail = P.pick_len(rng, P.POST, extra) if extra else ""
    if tail is None:
        return None
    return P.join(query, tail), " ".join(prompt)


# implied type: (query phrase with {x}, prompt with {x}) where {x} is a topic/modifier
_IMPLIED: dict[str, tuple[tuple[str, str], ...]] = {
    "Audio": (
        ("something {m} to play under my slideshow", "{m} slideshow"),
        ("a {m} jingle", "{m} jingle"),
        ("{m} tune for my podcast intro", "{m} tune podcast intro"),
        ("something to play in the background of my {t} video", "{t}"),
        ("{m} beat for a workout", "{m} beat workout"),
        ("what can i play while people arrive at my {t} party", "{t} party"),
        ("{m} instrumental", "{m} instrumental"),
    ),
    "Video": (
        ("moving {t} for my intro", "moving {t} intro"),
        ("{t} timelapse", "{t} timelapse"),
        ("slow motion {t}", "slow motion {t}"),
        ("a {t} loop for my stream", "{t} loop stream"),
        ("{t} b-roll", "{t} b-roll"),
        ("something moving with {t} for the opening of my talk", "moving {t}"),
    ),
    "Background": (
        ("something {m} to put behind my text", "{m}"),
        ("a {m} {t} pattern", "{m} {t} pattern"),
        ("{t} gradient", "{t} gradient"),
        ("something {m} to go behind my zoom calls", "{m}"),
        ("seamless {t} pattern", "seamless {t} pattern"),
    ),
    "Design Asset": (
        ("little {t} doodles", "{t} doodles"),
        ("a {t} mascot", "{t} mascot"),
        ("{t} emoji", "{t} emoji"),
        ("{m} {t} frame", "{m} {t} frame"),
        ("{t} badge", "{t} badge"),
        ("{t} silhouette", "{t} silhouette"),
    ),
    "Text": (
        ("a catchy headline for a {t} sale", "catchy headline {t} sale"),
        ("{t} caption ideas", "{t} caption"),
        ("a {m} slogan for a {t} event", "{m} slogan {t} event"),
        ("quote about {t}", "quote {t}"),
        ("{m} title for my {t} post", "{m} title {t} post"),
    ),
    "Photo": (
        ("close-up of {t}", "close-up {t}"),
        ("product shot of {t}", "product shot {t}"),
        ("3d render of {t}", "3d render {t}"),
        ("aerial shot of {t}", "aerial shot {t}"),
        ("a realistic shot of {t}", "realistic shot {t}"),
    ),
    "Template": (
        ("something to hand out at my {t} event", "{t} event handout"),
        ("a {m} {s} for {t}", "{m} {s} {t}"),
        ("{s} for a {t}", "{s} {t}"),
        ("printable {t} {s}", "printable {t} {s}"),
    ),
}
_SUBTYPE_RE = {ct: re.compile(r"\b(" + "|".join(re.escape(x) for x in subs) + r")\b") for ct, subs in V.SUBTYPES.items()}


def _names_subtype(text: str, content_type: str) -> bool:
    """Whether ``text`` contains a whole format word of the type ("flyer"; not "book" of "book cover")."""
    return bool(_SUBTYPE_RE[content_type].search(text))


def search_implied_type(rng: random.Random, req: Request) -> Result | None:
    """The type is implied, never named ("something to play under my slideshow" -> Audio)."""
    ct = req.content_type
    options = _IMPLIED.get(ct)
    if not options:
        return None
    q, p = rng.choice(options)
    t = _topic(rng, req)
    if ct == "Audio":  # audio topics are moods and genres; the party/video slots want an occasion
        t = _intent(req) or rng.choice(V.SUBJECTS["Any"][:20])
    if ct == "Text" and t in V.SUBJECTS["Text"]:
        t = _intent(req) or rng.choice(V.SUBJECTS["Template"])
    m = _modifier(rng, req)
    s = _subtype(rng, req) if ct == "Template" else ""
    if "{t} event handout" in p:
        p = "{t} event"
    query = q.format(t=t, m=m, s=s)
    prompt = " ".join(_keywords(p.format(t=t, m=m, s=s)))
    req.position = None
    return _fit_search(rng, req, query, prompt.split())


# distractors: purpose phrases naming another type than the one wanted
_DISTRACTORS: dict[str, tuple[str, ...]] = {
    "Photo": ("for my instagram post", "for a flyer", "to put on a poster", "for my presentation slides",
              "for my blog banner", "for a birthday card", "to use in a video"),
    "Audio": ("for my wedding video", "for a slideshow of photos", "for my youtube intro", "to go with my animation",
              "for a tiktok clip", "for my podcast", "for the video i'm editing"),
    "Text": ("for my wedding invitation", "for a poster", "for my logo", "for a birthday card", "for my youtube thumbnail",
             "to put over a photo"),
    "Design Asset": ("for my presentation", "for a kids worksheet", "to put on my flyer", "for my instagram story",
                     "for a video thumbnail", "for my menu"),
    "Background": ("for my youtube thumbnail", "for a flyer", "to go behind product photos", "for my zoom calls",
                   "for an instagram story", "for my video intro"),
    "Video": ("for my presentation", "with music", "for my instagram story", "for a website banner",
              "to play behind my logo", "for a photo slideshow intro"),
    "Template": ("with a photo of a {t}", "with a {t} background", "with space for photos", "with {t} icons",
                 "with a big font"),
}


def search_distractor_type(rng: random.Random, req: Request) -> Result | None:
    """Names a second type that is not the one wanted ("a photo of a beach for my instagram post")."""
    ct = req.content_type
    if ct not in _DISTRACTORS:
        return None
    if req.position is None and ct != "Template":
        req.position = rng.choice(Positions)
    subject = search_subject(rng, req, rng.randint(0, 1), ct == "Template")
    if req.position == "end":
        req.position = "middle"  # the distractor clause follows the wanted thing
    placed = _place_type(rng, req, subject, _keywords(subject))
    if placed is None:
        return None
    core, prompt = placed
    tail = rng.choice(_DISTRACTORS[ct]).format(t=rng.choice(("beach", "dog", "mountain", "coffee", "flower", "city")))
    if ct == "Template":
        prompt = prompt[:5]
    return _fit_search(rng, req, P.join(core, tail), prompt, allow_post=False)


# ---- Generate ---------------------------------------------------------------------------------
def _name(rng: random.Random) -> str:
    n = rng.choice(V.FIRST_NAMES)
    return n.capitalize() if rng.random() < 0.5 else n


def _business(rng: random.Random) -> str:
    r = rng.random()
    noun = rng.choice(V.BUSINESS_NOUNS)
    if r < 0.5:
        out = f"{_name(rng)}'s {noun}"
    else:
        out = f"{rng.choice(V.BUSINESS_WORDS)} {noun}"
    return " ".join(w[:1].upper() + w[1:] for w in out.split()) if rng.random() < 0.4 else out


def _date(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.35:
        return f"on {rng.choice(V.MONTHS)} {rng.choice(V.DAY_NUMBERS)}"
    if r < 0.55:
        return f"this {rng.choice(V.WEEKDAYS)}"
    if r < 0.75:
        return f"on {rng.choice(V.WEEKDAYS)} {rng.choice(V.TIMES)}"
    return f"{rng.choice(V.MONTHS)} {rng.choice(V.DAY_NUMBERS)}"


_DATE_WORDS = frozenset(V.MONTHS) | frozenset(V.WEEKDAYS)


@functools.lru_cache(maxsize=65536)
def _has_date(text: str) -> bool:
    return any(w in _DATE_WORDS for w in text.lower().split())


def _quote(rng: random.Random) -> str:
    q = rng.choice(V.QUOTE_TEXTS)
    form = rng.random()
    if form < 0.4:
        return f'saying "{q}"'
    if form < 0.7:
        return f"that says '{q}'"
    return f'with the words "{q}"'


def _odd_scene(rng: random.Random, req: Request | None = None) -> str:
    """A one-off composition; with a KG scene object and its action, plus an odd twist
    ("a bee arranging a cheese board on the moon")."""
    obj = _first(req.v, "scene_objects") if req is not None else None
    act = req.v.get("actions") if req is not None else None
    short = req is not None and req.max_w <= 8
    if obj and act and rng.random() < 0.4:
        # the KG action is done to the scene object ("blow out the candles"), so an odd
        # someone does it: "a llama blowing out the candles on the moon"
        doer = _an(rng.choice(V.ODD_SUBJECTS))
        return f"{doer} {gerund(act)}" if short else f"{doer} {gerund(act)} {rng.choice(V.ODD_SETTINGS)}"
    subj = rng.choice(V.ODD_SUBJECTS)
    parts = [_an(subj)]
    pools = (V.ODD_ACCESSORIES, V.ODD_ACTIONS) if short else (V.ODD_ACCESSORIES, V.ODD_ACTIONS, V.ODD_SETTINGS)
    picks = rng.sample(pools, 1 if short else rng.randint(1, 2))
    for pool in sorted(picks, key=lambda p: (V.ODD_ACCESSORIES, V.ODD_ACTIONS, V.ODD_SETTINGS).index(p)):
        parts.append(rng.choice(pool))
    return " ".join(parts)


def _event_for(rng: random.Random, req: Request) -> str:
    intent = _intent(req) if rng.random() < 0.5 else None
    if intent and _names_a_format(intent):
        intent = None  # "emma's company newsletter" is no event
    event = intent or rng.choice(V.EVENTS)
    r = rng.random()
    if r < 0.45:
        return f"for {_name(rng)}'s {rng.choice(V.ORDINALS)} {event}" if "birthday" in event or "anniversary" in event else f"for {_name(rng)}'s {event}"
    if r < 0.75:
        return f"for {_name(rng)}'s {event}"
    return f"for {_business(rng)}"


def _marker(rng: random.Random, req: Request) -> str:
    """Something that makes the request one-off: a name, a date, a price, custom wording."""
    r = rng.random()
    ct = req.content_type
    if ct in ("Photo", "Video", "Design Asset", "Background"):  # dates and prices make no sense on a picture
        if r < 0.5:
            return "__scene__"
        if r < 0.7:
            return _event_for(rng, req)
        if r < 0.85 or ct != "Design Asset":  # printed wording belongs on stickers and badges, not photos
            return f"for {_business(rng)}"
        return _quote(rng)
    if ct == "Audio":
        if r < 0.45:
            return _event_for(rng, req)
        if r < 0.75:
            return f"for {_business(rng)}"
        return f"with the lyrics '{rng.choice(V.QUOTE_TEXTS)}'"
    if r < 0.45:
        return _event_for(rng, req)
    if r < 0.65:
        return _quote(rng)
    if r < 0.8:
        return f"for {_business(rng)}"
    if r < 0.9 and ct in ("Template", "Any", "Text"):
        return f"with {rng.choice(V.PRICES)}"
    return _date(rng)


def _details(rng: random.Random, req: Request) -> list[str]:
    """Optional detail phrases, all part of the specification."""
    v = req.v
    if req.copy:  # copywriting: how it should read, never how it should look
        return _copy_details(rng, req)
    color = v.get("color") or rng.choice(V.COLORS)
    color2 = rng.choice(V.COLORS)
    out = [f"that feels {rng.choice(V.MOODS)}"]
    if req.content_type != "Audio":
        out += [
            f"in {color} and {color2}" if color2 != color else f"in {color}",
            f"in {_an(v.get('style') or rng.choice(V.STYLES))} style",
        ]
    if req.content_type in ("Template", "Any", "Text"):
        out.append(_date(rng))
    if req.content_type in ("Template", "Any"):
        out.append(f"for {v.get('audience') or rng.choice(V.AUDIENCES)}")
        out.append(rng.choice(_VAGUE_WISHES))
        # the situation, joined as a clause of its own, gives long briefs substance without stacking
        out += [c.format(theme=rng.choice(V.ANY_THEMES), who=v.get("audience") or rng.choice(V.AUDIENCES),
                         n=rng.choice(("20", "30", "50", "80", "100", "150")))
                for c in rng.sample(V.SITUATIONS, 2)]
    if req.content_type == "Template":  # a layout detail would make an Any request a template
        out += [rng.choice(V.LAYOUT_DETAILS), rng.choice(V.LAYOUT_DETAILS)]
    if req.content_type in ("Photo", "Video", "Background", "Design Asset"):
        # camera words ("shot from above", "very realistic") would make a sticker or a pattern a photo
        out.append(rng.choice(_CAMERA_DETAILS if req.content_type in _MEDIA else _DRAWN_DETAILS))
        obj = _first(v, "scene_objects")
        if obj:
            out.append(f"with {_an(obj)} around it")
    if req.content_type == "Audio":
        out += [f"around {rng.choice(('15', '30', '60', '90'))} seconds long", "with a big finish", "no vocals",
                f"with {rng.choice(('ukulele', 'piano', 'synths', 'strings', 'hand claps', 'whistling', 'steel drums'))}",
                "starting soft and building up", "with a catchy hook everyone can hum", "that loops cleanly",
                f"at about {rng.choice(('90', '100', '120', '128'))} bpm", "with a short pause in the middle"]
    if req.content_type == "Text":
        out += ["with a drop shadow", "with thick outlines", "slightly tilted", "easy to read from far away",
                "with a little sparkle on the first letter", "in all caps", "with a glow around the letters"]
    rng.shuffle(out)
    return out


def _copy_details(rng: random.Random, req: Request) -> list[str]:
    """Wording requirements of a tagline, slogan, caption or headline: tone, length, audience, hooks."""
    tone = rng.choice(V.COPY_TONES)
    out = [
        rng.choice((f"with a {tone} feel", f"in a {tone} tone", f"that reads {tone}")),  # "sounds" names Audio
        rng.choice(V.COPY_LENGTHS),
        f"for {req.v.get('audience') or rng.choice(V.AUDIENCES)}",
    ]
    out += rng.sample(V.COPY_ASKS, 2)
    rng.shuffle(out)
    return out


_CAMERA_DETAILS: tuple[str, ...] = (
    "with soft morning light", "at golden hour", "shot from above", "with a blurry background", "in high detail",
    "with pastel tones", "very realistic", "with dramatic shadows",
)
_DRAWN_DETAILS: tuple[str, ...] = (
    "in flat colors", "with clean outlines", "with pastel tones", "in high detail", "kept really simple",
    "with a hand drawn feel", "with soft shading", "in just two colors",
)

_VAGUE_WISHES: tuple[str, ...] = (
    "that my guests will love", "that doesn't look too corporate", "with a little bit of humor",
    "that shows how proud we are", "nothing too fancy", "that feels personal and warm",
    "that people will remember", "that works for all ages", "that isn't too busy",
)

_HEADS: dict[str, tuple[str, ...]] = {
    # no empty head: a bare scene ("a frog playing chess") implies no type, so it would be Any
    "Photo": ("3d render of", "product shot of", "realistic shot of", "portrait of", "close-up of", "candid shot of",
              "photorealistic shot of", "high-res shot of", "stock shot of", "macro shot of"),
    "Video": ("timelapse of", "loop of", "intro with", "slow motion shot of", "reel of", "b-roll of", "gif of"),
    "Audio": ("jingle", "tune", "beat", "track", "instrumental", "ringtone"),
    "Background": ("pattern of", "gradient with", "seamless pattern of"),
    "Design Asset": ("mascot of", "emoji of", "badge with", "frame with", "doodle of", "silhouette of"),
    "Text": ("tagline", "slogan", "headline", "caption", "title", "short bio", "product description", "welcome message",
             "toast", "instagram caption", "email subject line", "tagline idea"),
}


_QUOTE_LEADS = ("saying ", "that says ", "with the words ")
_TEXT_VISUAL_HEADS: tuple[str, ...] = ("monogram", "wordmark", "word art", "calligraphy", "title lettering")

_TAILS: tuple[str, ...] = ("as {at}", "as {at} please", "in {t} form", "make it {at}", "as {at} if you can")


def _generate_head(rng: random.Random, req: Request, marker: str) -> tuple[str, str, str | None]:
    """(query head, prompt head, type word used or None) for the requested type and position.

    For the end position the head names no type; a closing phrase does ("..., as a sticker")."""
    ct, v = req.content_type, req.v
    if req.position == "end" and ct != "Any":
        tw, keep = _type_word(rng, ct)
        if _is_plural(tw):  # "make it a clip", never "make it clips"
            tw, keep = rng.choice([(w, k) for w, k in V.TYPE_NAMES[ct] if not _is_plural(w)] or [(tw, keep)])
        req.tail = rng.choice(_TAILS).format(t=tw, at=_an(tw))
        req.tail_word = tw if keep else None
        req.position = None
        try:
            return _generate_head(rng, req, marker)
        finally:
            req.position = "end"
    explicit = req.position is not None and ct != "Any"
    tw, keep = _type_word(rng, ct) if explicit else ("", False)
    scene = _odd_scene(rng, req) if marker == "__scene__" or ct in ("Photo", "Video") else None
    if ct == "Template":
        intent = _intent(req) or ""
        intent = intent if intent and intent not in marker and rng.random() < 0.35 else ""
        mods = " ".join(x for x in (v.get("style") if rng.random() < 0.4 else "", intent) if x)
        noun = P.join(mods, _subtype(rng, req))
        if rng.random() < 0.12:
            noun = f"{rng.choice(('custom', 'personalized'))} {noun}"
        if explicit and req.position == "start":
            return f"{tw} for {_an(noun)}", noun, tw
        if explicit:
            return _an(f"{noun} {tw}"), noun, tw
        return _an(noun), noun, None
    if ct == "Any":
        lead = rng.choice(("something", "something nice", "something fun", "something special"))
        return lead, "", None
    if ct == "Audio":
        mood = rng.choice(("upbeat", "cheesy", "catchy", "mellow", "dramatic", "happy", "spooky", "funky", "dreamy"))
        noun = tw if explicit else rng.choice(_HEADS["Audio"])
        body = f"{mood} {noun}"
        pb = f"{mood} {noun}"  # the prompt needs its noun to read as a specification
        return _an(body), pb, tw or None
    if ct == "Text":
        req.copy = False
        if explicit:
            adj = rng.choice(V.SUBJECTS["Text"][:20])
            return _an(f"{adj} {tw}"), f"{adj} {tw}", tw
        if req.tail or marker.startswith(_QUOTE_LEADS):
            # "..., as a font" or given wording ("saying 'open late'"): lettering to style, not copy to write
            noun = rng.choice(_TEXT_VISUAL_HEADS)
            return _an(noun), noun, None
        noun = rng.choice(_HEADS["Text"])
        req.copy = True
        return _an(noun), noun, None
    # visual types built around a scene
    scene = scene or _odd_scene(rng, req)
    if explicit:
        conn = "of" if ct in ("Photo", "Design Asset", "Video") else "with"
        if req.position == "end":
            body = f"{scene} {tw}"
            return body, P.join(_strip_article(scene), tw if keep else ""), tw
        return f"{_an(tw) if rng.random() < 0.5 else tw} {conn} {scene}", (f"{tw} {conn} {_strip_article(scene)}" if keep else _strip_article(scene)), tw
    head = rng.choice(_HEADS[ct])
    if not head:
        return scene, _strip_article(scene), None
    if ct == "Background":
        return f"{_an(head)} {scene}" if not head.startswith("gradient") else f"{rng.choice(V.COLORS)} {head} {scene}", P.join(head, _strip_article(scene)), None
    return f"{_an(head)} {scene}", P.join(head, _strip_article(scene)), None


def _fit_generate(rng: random.Random, req: Request, head_q: str, head_p: str, required: list[str],
                  pre: dict[int, tuple[str, ...]], start_bare: bool = False) -> Result | None:
    """Head + required specifics, then optional details, then wrapper/politeness to hit the range.

    The type word's place follows req.position: a closing phrase for "end", details moved in
    front of the request for "middle" ("in navy and gold, make a flyer template for ...")."""
    core = [head_q] + required
    tail = req.tail
    n = sum(P.n_words(x) for x in core) + (P.n_words(tail) if tail else 0)
    if n > req.max_w:
        return None
    target = rng.randint(max(req.min_w, n), req.max_w)
    wrapper_room = 0 if start_bare else rng.choice((0, 1, 2, 2, 3, 4))
    seen = set(P.content_words(" ".join(core)))
    dated = _has_date(" ".join(core))
    details: list[str] = []
    room = target - wrapper_room - n
    fors = sum(1 for x in core if x.startswith("for ") or " for " in x)
    for d in (_details(rng, req) if room >= 2 else ()):  # no room: skip drawing them at all
        dn, words = _detail_words(d)
        if seen.intersection(words) or (dated and _has_date(d)):
            continue  # never say the same thing twice ("minimalist ... in a minimalist style")
        if d.startswith("that ") and any(x.startswith("that ") for x in details):
            continue  # one relative clause reads naturally, two do not
        if d.startswith("that ") and details and details[-1].startswith(_SITUATION_HEADS):
            continue  # "since it's a surprise that feels calm": the relative would attach to the wrong noun
        if d.startswith("for ") and fors:
            continue  # "for X's party for kids for ..." stacks purposes
        if details and d[:3] == details[-1][:3] and d.split(" ", 1)[0] == details[-1].split(" ", 1)[0]:
            continue  # "in navy and gold in a retro style": same kind of phrase twice in a row
        if req.content_type == "Any" and _names_a_format(d):
            continue  # "in a photorealistic style" would make an Any request a photo
        if n + dn <= target - wrapper_room and rng.random() < 0.85:
            fors += d.startswith("for ")
            seen.update(words)
            dated = dated or _has_date(d)
            details.append(d)
            n += dn
    extra = target - n
    split = P.pad_split(rng, extra, pre, P.POST, allow_pre=not start_bare, allow_post=tail is None)
    if split is None:
        return None
    front: list[str] = []
    movable = [d for d in details if d.startswith(("in ", "with "))]
    if req.position == "middle" and movable and not start_bare:
        front = movable[: rng.randint(1, min(2, len(movable)))]
        details = [d for d in details if d not in front]
    spec_q = " ".join(x for x in core + details if x)
    if rng.random() < 0.25 and details:
        spec_q = spec_q.replace(" " + details[-1], ", " + details[-1], 1)
    query = P.join(split[0], spec_q)
    if front:
        query = " ".join(front) + ", " + query
    if tail:
        query = f"{query}, {tail}"
    query = P.join(query, split[1])
    prompt = " ".join(x for x in [head_p] + required + front + details if x).strip()
    if req.tail_word:
        prompt = f"{prompt} {req.tail_word}"
    prompt = _strip_article(prompt.replace(" , ", " "))
    if prompt.startswith("for "):
        prompt = prompt[4:]
    if not prompt:
        return None
    return query, prompt


_SITUATION_HEADS = tuple(sorted({s.split(" ", 1)[0] + " " for s in V.SITUATIONS}))


@functools.lru_cache(maxsize=65536)
def _detail_words(detail: str) -> tuple[int, tuple[str, ...]]:
    """Word count and content words of a detail phrase (few distinct phrases, many uses)."""
    return P.n_words(detail), tuple(P.content_words(detail))


def _required(rng: random.Random, req: Request, marker: str) -> list[str]:
    if marker == "__scene__":
        return []
    if req.content_type == "Any":
        return [_event_for(rng, req)] + ([_date(rng)] if rng.random() < 0.5 else [])
    return [marker]


def generate_kg_spec(rng: random.Random, req: Request) -> Result | None:
    """create/make/generate + a one-off specification built on a KG path."""
    marker = _marker(rng, req)
    head_q, head_p, _ = _generate_head(rng, req, marker)
    start_bare = req.position == "start" and req.content_type != "Any"
    required = _required(rng, req, marker)
    if req.min_w >= 20:  # long briefs carry more than one specific
        if req.content_type == "Any":
            extra = _date(rng)  # wording to print would make it a template or text
        else:
            extra = _quote(rng) if '"' not in marker and "'" not in marker else _event_for(rng, req)
        clash = any(extra.split()[0] == r.split()[0] for r in required)
        if not clash and not (_has_date(extra) and any(_has_date(r) for r in required)):
            required.append(extra)
    return _fit_generate(rng, req, head_q, head_p, required, P.GENERATE_PRE, start_bare)


def generate_oneoff_short(rng: random.Random, req: Request) -> Result | None:
    """Short but one-off: "logo for Priya's Plant Shop", "banner saying 50% off this friday"."""
    ct = req.content_type
    if ct == "Template":
        noun = rng.choice(("logo", "banner", "flyer", "sign", "poster", "card", "menu", "label", "invite", "price list"))
        r = rng.random()
        if r < 0.35:
            spec = f"{noun} for {_business(rng)}"
        elif r < 0.65:
            spec = f"{noun} {_quote(rng)}"
        elif r < 0.85:
            spec = f"{noun} for {_name(rng)}'s {rng.choice(V.EVENTS)}"
        else:
            spec = f"{noun} {rng.choice(V.PRICES)} {_date(rng)}"
        req.position = None
        return _fit_generate(rng, req, spec, spec, [], P.GENERATE_PRE)
    if ct == "Any":
        spec = f"something for {_name(rng)}'s {rng.choice(V.EVENTS)}"
        return _fit_generate(rng, req, spec, spec.replace("something ", "", 1), [], P.GENERATE_PRE)
    if ct in ("Photo", "Video", "Design Asset", "Background"):
        return generate_unusual_scene(rng, req)
    if ct == "Audio":
        marker = _marker(rng, req)  # songs get lyrics, not signs that "say" something
    else:
        marker = rng.choice((f"for {_business(rng)}", f"for {_name(rng)}'s {rng.choice(V.EVENTS)}", _quote(rng)))
    head_q, head_p, _ = _generate_head(rng, req, marker)
    return _fit_generate(rng, req, head_q, head_p, [marker], P.GENERATE_PRE)


def generate_unusual_scene(rng: random.Random, req: Request) -> Result | None:
    """An unusual composition of subject, accessory, action and setting ("a corgi in a chef hat flipping pancakes")."""
    head_q, head_p, _ = _generate_head(rng, req, "__scene__")
    return _fit_generate(rng, req, head_q, head_p, [], P.GENERATE_PRE, req.position == "start")


def _story(rng: random.Random, req: Request) -> tuple[str, str]:
    """A first-person situation that makes the request one-off: (query text, what the prompt keeps)."""
    name, event = _name(rng), rng.choice(V.EVENTS)
    biz = _business(rng)
    r = rng.random()
    if r < 0.25:
        return f"i'm opening {biz} {_date(rng)}", f"{biz} opening"
    if r < 0.45:
        return f"we're throwing {name}'s {event} {_date(rng)}", f"{name}'s {event}"
    if r < 0.6:
        who, ages = rng.choice((("my kid", ("5", "7", "10", "16")), ("my dad", ("60", "70", "80")),
                                ("my wife", ("30", "40", "50")), ("my best friend", ("21", "30", "40"))))
        age = rng.choice(ages)
        return f"{who} {name} is turning {age} {_date(rng)}", f"{name} turning {age}"
    if r < 0.8:
        return f"i run {biz}", biz
    return f"my friend {name} is having {_an(event)}", f"{name}'s {event}"


def generate_brief(rng: random.Random, req: Request) -> Result | None:
    """A brief in the user's own words: situation first, then the ask and how it should look
    ("i run Golden Crust Bakery and need a logo, something warm in gold and brown")."""
    story_q, story_p = _story(rng, req)
    marker = "__scene__" if req.content_type in ("Photo", "Video") else story_p
    if req.position == "start":
        req.position = "middle"
    head_q, head_p, _ = _generate_head(rng, req, marker)
    need = rng.choice(("and i need", "so i need", "and i want", "so i'd love", "and i'm after", "and i'd like"))
    lead = f"{story_q} {need} {head_q}"
    out = _fit_generate(rng, req, lead, P.join(head_p, "for", story_p), [], {}, start_bare=True)
    return out


def generate_find_phrasing(rng: random.Random, req: Request) -> Result | None:
    """A one-off request phrased as a search ("find me a corgi in a chef hat flipping pancakes")."""
    marker = _marker(rng, req) if req.content_type not in ("Photo",) else "__scene__"
    if req.position == "start":
        req.position = "middle"
    head_q, head_p, _ = _generate_head(rng, req, marker)
    return _fit_generate(rng, req, head_q, head_p, _required(rng, req, marker), P.FIND_PRE)


_TYPE_IN_TITLE = re.compile(
    r"\b(?:vertical |stock |short )?(?:" + "|".join(re.escape(w) for w in sorted(P._TYPE_WORD_SET, key=len, reverse=True))
    + r")(?: of| with)?\b"
)


def _title_without_type(title: str) -> str:
    """A catalog title without its type words ("vertical video of a campfire" -> "a campfire")."""
    return " ".join(_TYPE_IN_TITLE.sub(" ", title.lower()).split())


def generate_metadata_title(rng: random.Random, req: Request) -> Result | None:
    """'generate an image of <gentech title>' or a catalog template title made one's own."""
    title = req.v.get("title")
    ct = req.content_type
    if not title or ct not in ("Photo", "Template", "Background", "Design Asset", "Video"):
        return generate_kg_spec(rng, req)
    t = _title_without_type(title)
    if not t:
        return generate_kg_spec(rng, req)
    if ct == "Template":
        required = [rng.choice((_event_for(rng, req), _quote(rng), _date(rng)))]
        head = f"{t} {rng.choice(('template', 'design', 'layout'))}" if req.position is not None else t
        return _fit_generate(rng, req, _an(head) if rng.random() < 0.5 else head, t, required, P.GENERATE_PRE)
    if req.position is not None:
        tw, keep = _type_word(rng, ct)
        head_q = f"{_an(tw)} of {t}" if req.position != "end" else f"{t} {tw}"
        head_p = P.join(tw if keep else "", t)
    else:  # the title alone is a bare subject: a format head keeps the type implied
        head = rng.choice(_HEADS[ct])
        head_q, head_p = f"{_an(head)} {t}", f"{head} {t}"
    extra = [rng.choice(("with a twist", "but at night", "in watercolor", "in neon colors", "as a 3d render",
                         "in a retro style", "with a tiny astronaut in it", "in the style of a storybook"))]
    return _fit_generate(rng, req, head_q, head_p, extra, P.GENERATE_PRE)


_G_DISTRACTORS: dict[str, tuple[str, ...]] = {
    "Photo": ("for my instagram post", "for a poster", "for my presentation"),
    "Audio": ("for my wedding video", "for a slideshow", "for my youtube intro"),
    "Text": ("for my wedding invitation", "for a poster", "for my thumbnail"),
    "Design Asset": ("for my flyer", "for my presentation", "for a video"),
    "Background": ("for my youtube thumbnail", "for my video intro", "for a flyer"),
    "Video": ("for my presentation", "with music", "for an instagram story"),
    "Template": ("with a photo of my dog", "with a sunset background", "with space for photos"),
}


def generate_distractor_type(rng: random.Random, req: Request) -> Result | None:
    """A one-off request naming a second type that is only its purpose ("... for my wedding video")."""
    ct = req.content_type
    if ct not in _G_DISTRACTORS:
        return generate_kg_spec(rng, req)
    marker = _marker(rng, req)
    if req.position == "end":
        req.position = "middle"
    head_q, head_p, _ = _generate_head(rng, req, marker)
    tail = rng.choice(_G_DISTRACTORS[ct])
    required = _required(rng, req, marker)
    tn = P.n_words(tail)
    req.min_w, req.max_w = max(1, req.min_w - tn), req.max_w - tn
    r = _fit_generate(rng, req, head_q, head_p, required, P.GENERATE_PRE)
    req.min_w, req.max_w = req.min_w + tn, req.max_w + tn
    if r is None:
        return None
    q, p = r
    if P.n_words(q) + P.n_words(tail) > req.max_w:
        return None
    if ct == "Template":  # the photo/background is part of the layout, so part of the spec
        return f"{q} {tail}", f"{p} {tail}"
    return f"{q} {tail}", p


FAMILIES: dict[str, tuple[str, Family, int, int]] = {
    # id -> (function, builder, min feasible words, max feasible words)
    "h.search.bare_topic.v1": ("Search", search_bare_topic, 1, 4),
    "h.search.kg_path.v1": ("Search", search_kg_path, 3, 10),
    "h.search.metadata.v1": ("Search", search_metadata, 4, 10),
    "h.search.make_generic.v1": ("Search", search_make_generic, 3, 8),
    "h.search.implied_type.v1": ("Search", search_implied_type, 4, 12),
    "h.search.distractor_type.v1": ("Search", search_distractor_type, 7, 14),
    "h.search.chatty.v1": ("Search", search_chatty, 11, 25),
    "h.generate.kg_spec.v1": ("Generate", generate_kg_spec, 7, 40),
    "h.generate.oneoff_short.v1": ("Generate", generate_oneoff_short, 3, 9),
    "h.generate.unusual_scene.v1": ("Generate", generate_unusual_scene, 4, 30),
    "h.generate.find_phrasing.v1": ("Generate", generate_find_phrasing, 5, 25),
    "h.generate.metadata_title.v1": ("Generate", generate_metadata_title, 9, 30),
    "h.generate.distractor_type.v1": ("Generate", generate_distractor_type, 9, 30),
    "h.generate.brief.v1": ("Generate", generate_brief, 16, 40),
}

# Relative weights; a family is only drawn where its feasible range overlaps the bucket.
FAMILY_WEIGHTS: dict[str, float] = {
    "h.search.bare_topic.v1": 3.0,
    "h.search.kg_path.v1": 3.0,
    "h.search.metadata.v1": 1.2,
    "h.search.make_generic.v1": 2.5,
    "h.search.implied_type.v1": 1.0,
    "h.search.distractor_type.v1": 1.2,
    "h.search.chatty.v1": 3.0,
    "h.generate.kg_spec.v1": 3.0,
    "h.generate.oneoff_short.v1": 2.0,
    "h.generate.unusual_scene.v1": 1.0,
    "h.generate.find_phrasing.v1": 0.8,
    "h.generate.metadata_title.v1": 0.8,
    "h.generate.distractor_type.v1": 1.1,
    "h.generate.brief.v1": 1.5,
}

# Families a content type does not use (no way to express it, or nothing to distract from).
_NO_SCENE = frozenset({"h.generate.unusual_scene.v1", "h.generate.metadata_title.v1"})
_NO_MAKE = frozenset({"h.search.make_generic.v1"})
EXCLUDED: dict[str, frozenset[str]] = {
    "Any": frozenset({"h.search.implied_type.v1", "h.search.distractor_type.v1", "h.generate.distractor_type.v1",
                      "h.search.metadata.v1"}) | _NO_SCENE | _NO_MAKE,
    "Audio": _NO_SCENE | _NO_MAKE,
    "Text": _NO_SCENE,
    "Template": frozenset({"h.generate.unusual_scene.v1"}),
    "Photo": _NO_MAKE,
    "Video": _NO_MAKE,
}

TEMPLATE_FAMILY_NAME: dict[str, str] = {tid: tid.split(".")[2] for tid in FAMILIES}


def template_ids(function: str, content_type: str, min_w: int, max_w: int) -> tuple[list[str], list[float]]:
    """Families that can serve a cell, with their weights."""
    ids, weights = [], []
    for tid, (fn, _, lo, hi) in FAMILIES.items():
        if fn != function or tid in EXCLUDED.get(content_type, ()):
            continue
        mid = (min_w + max_w) // 2
        if lo > mid or hi < mid:  # the family must reach the middle of the bucket, not just touch it
            continue
        ids.append(tid)
        weights.append(FAMILY_WEIGHTS[tid])
    return ids, weights
