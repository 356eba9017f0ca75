"""Search template families of the heuristic route (see `heuristic_templates` for the registry)."""

from __future__ import annotations

import random
import re

from routenator_dagster.routes import phrasing as P
from routenator_dagster.routes import vocabulary as V
from routenator_dagster.routes.template_parts import (
    _MEDIA,
    Positions,
    Request,
    Result,
    _an,
    _intent,
    _keywords,
    _modifier,
    _subtype,
    _topic,
    _type_word,
    _with_object,
    search_subject,
)


# ---- Search -----------------------------------------------------------------------------------
_ANY_LEADS = V.ANY_LEADS


def _place_type(rng: random.Random, req: Request, subject: str, prompt_words: list[str]) -> tuple[str, list[str]] | None:
    """The subject with the type word at req.position (or none); returns core text and prompt words."""
    ct = req.content_type
    if ct == "Any":  # no type implied, said the way people say it
        r = rng.random()
        if r < 0.2:
            return f"{rng.choice(_ANY_LEADS)} {subject}", prompt_words
        if r < 0.23:
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
    if typed and req.max_w == 1:
        return _one_word_format(rng, req)
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


_ONE_WORD_EXTRA: dict[str, tuple[str, ...]] = {
    "Photo": ("headshots", "portraits", "selfies", "closeups"),
    "Audio": ("jingles", "ringtones", "beats"),
    "Text": ("fonts", "typefaces", "captions", "slogans"),
    "Background": ("wallpapers", "backgrounds", "textures", "patterns"),
    "Design Asset": ("stickers", "icons", "doodles", "clipart"),
    "Video": ("timelapses", "loops", "gifs"),
    "Template": ("flyers", "invitations", "resumes", "menus", "logos"),
}


def _one_word_format(rng: random.Random, req: Request) -> Result | None:
    """A one-word typed search is a format word alone ("jingles", "wallpaper", "flyers"): the KG
    design type when it is one plain word, else one of ours."""
    dt = req.v.get("design_type")
    if dt and " " not in dt and (rng.random() < 0.9 or dt in V.SUBTYPES.get(req.content_type, ())):
        word = dt + ("s" if rng.random() < 0.4 and not dt.endswith("s") else "")
    else:
        word = rng.choice(_ONE_WORD_EXTRA[req.content_type])
    req.position = None
    return word, word


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
        ("something to play under my {t} slideshow", "{t} slideshow"),
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
