"""Generate template families of the heuristic route (see `heuristic_templates` for the registry)."""

from __future__ import annotations

import functools
import random
import re

from routenator_dagster.catalog_builder import gerund
from routenator_dagster.routes import phrasing as P
from routenator_dagster.routes import vocabulary as V
from routenator_dagster.routes.template_parts import (
    _MEDIA,
    Request,
    Result,
    _an,
    _first,
    _intent,
    _is_plural,
    _names_a_format,
    _strip_article,
    _subtype,
    _type_word,
)


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
    if obj and act and rng.random() < 0.6:
        # the KG action is done to the scene object ("blow out the candles"), so an odd
        # someone does it: "a llama blowing out the candles on the moon"
        doer = _an(rng.choice(V.ODD_SUBJECTS))
        return f"{doer} {gerund(act)}" if short else f"{doer} {gerund(act)} {rng.choice(V.ODD_SETTINGS)}"
    # the KG's scene object in an odd situation ("a wedding cake wearing sunglasses")
    subj = obj if obj and rng.random() < 0.85 else rng.choice(V.ODD_SUBJECTS)
    parts = [_an(subj)]
    pools = (V.ODD_ACCESSORIES, V.ODD_ACTIONS) if short else (V.ODD_ACCESSORIES, V.ODD_ACTIONS, V.ODD_SETTINGS)
    picks = rng.sample(pools, 1 if short else rng.randint(1, 2))
    for pool in sorted(picks, key=lambda p: (V.ODD_ACCESSORIES, V.ODD_ACTIONS, V.ODD_SETTINGS).index(p)):
        parts.append(rng.choice(pool))
    return " ".join(parts)


def _event(rng: random.Random, req: Request) -> str:
    """An occasion: the KG path's intent when it is one (not a format), else our vocabulary."""
    intent = _intent(req) if rng.random() < 0.92 else None
    if intent and not _names_a_format(intent):
        return _personal(rng, intent)
    return rng.choice(V.EVENTS)


def _personal(rng: random.Random, intent: str) -> str:
    """An intent as something a person holds: public days and topics become their gathering
    ("earth day" -> "earth day party"), so "Leila's earth day party", never "Leila's earth day"."""
    if _PERSONAL_EVENT.search(intent):
        return intent
    return f"{intent} {rng.choice(('party', 'party', 'celebration', 'get-together', 'event'))}"


# Occasions a person throws or holds ("Maya's game night"), unlike public holidays, awareness
# months and topics ("Leila's earth day", "Maria's cat lovers" read wrong with a possessive).
_PERSONAL_EVENT = re.compile(
    r"\b(party|birthday|wedding|shower|anniversary|reunion|graduation|retirement|night|dinner|sale|opening|"
    r"launch|gala|recital|show|concert|game|match|vacation|trip|picnic|barbecue|bbq|housewarming|mitzvah|"
    r"quinceanera|quinceañera|engagement|reveal|christening|baptism|brunch|tournament|race|marathon|"
    r"fundraiser|workshop|class|camp|potluck|cookout|sleepover|playdate|tea|lunch|festival|fair|ceremony|"
    r"move|moving|farewell|prom|homecoming|meetup|outing|tasting|exhibition|premiere|debut)\b"
)


def _event_for(rng: random.Random, req: Request) -> str:
    intent = _intent(req) if rng.random() < 0.9 else None
    if intent and _names_a_format(intent):
        intent = None  # "emma's company newsletter" is no event
    event = _personal(rng, intent) if intent else rng.choice(V.EVENTS)  # public days take no possessive
    r = rng.random()
    if r < 0.45:
        return f"for {_name(rng)}'s {rng.choice(V.ORDINALS)} {event}" if "birthday" in event or "anniversary" in event else f"for {_name(rng)}'s {event}"
    if r < 0.9 or not intent:
        return f"for {_name(rng)}'s {event}"
    return f"for {_business(rng)}"


def _marker(rng: random.Random, req: Request) -> str:
    """Something that makes the request one-off: a name, a date, a price, custom wording."""
    r = rng.random()
    ct = req.content_type
    if ct in ("Photo", "Video", "Design Asset", "Background"):  # dates and prices make no sense on a picture
        if r < 0.55:
            return "__scene__"
        if r < 0.8:
            return _event_for(rng, req)
        if r < 0.85 or ct != "Design Asset":  # printed wording belongs on stickers and badges, not photos
            return f"for {_business(rng)}"
        return _quote(rng)
    if ct == "Audio":
        if r < 0.65:
            return _event_for(rng, req)
        if r < 0.8:
            return f"for {_business(rng)}"
        return f"with the lyrics '{rng.choice(V.QUOTE_TEXTS)}'"
    if r < 0.55:
        return _event_for(rng, req)
    if r < 0.72:
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
        intent = intent if intent and intent not in marker and rng.random() < 0.75 else ""
        mods = " ".join(x for x in (v.get("style") if rng.random() < 0.5 else "", intent) if x)
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
        if len(front) == 2 and front[0].split()[0] == front[1].split()[0]:
            front = front[:1]  # "in navy and gold in a retro style, ..." stacks two phrases of one kind
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
        noun = _subtype(rng, req)  # the path's design type when it names no other type
        r = rng.random()
        intent = _intent(req)
        if r < 0.2:
            spec = f"{noun} for {_business(rng)}"
        elif r < 0.45:
            lead = f"{intent} " if intent and not _names_a_format(intent) and rng.random() < 0.7 else ""
            spec = f"{lead}{noun} {_quote(rng)}"
        elif r < 0.9:
            spec = f"{noun} for {_name(rng)}'s {_event(rng, req)}"
        else:
            spec = f"{noun} {rng.choice(V.PRICES)} {_date(rng)}"
        req.position = None
        return _fit_generate(rng, req, spec, spec, [], P.GENERATE_PRE)
    if ct == "Any":
        spec = f"something for {_name(rng)}'s {_event(rng, req)}"
        return _fit_generate(rng, req, spec, spec.replace("something ", "", 1), [], P.GENERATE_PRE)
    if ct in ("Photo", "Video", "Design Asset", "Background"):
        return generate_unusual_scene(rng, req)
    if ct == "Audio":
        marker = _marker(rng, req)  # songs get lyrics, not signs that "say" something
    else:
        marker = rng.choice((f"for {_business(rng)}", f"for {_name(rng)}'s {_event(rng, req)}", _event_for(rng, req), _quote(rng)))
    head_q, head_p, _ = _generate_head(rng, req, marker)
    return _fit_generate(rng, req, head_q, head_p, [marker], P.GENERATE_PRE)


def generate_unusual_scene(rng: random.Random, req: Request) -> Result | None:
    """An unusual composition of subject, accessory, action and setting ("a corgi in a chef hat flipping pancakes")."""
    head_q, head_p, _ = _generate_head(rng, req, "__scene__")
    return _fit_generate(rng, req, head_q, head_p, [], P.GENERATE_PRE, req.position == "start")


def _story(rng: random.Random, req: Request) -> tuple[str, str]:
    """A first-person situation that makes the request one-off: (query text, what the prompt keeps)."""
    name, event = _name(rng), _event(rng, req)
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


_SHAPES = ("cat", "corgi", "heart", "star", "dinosaur", "bunny", "owl", "fox", "panda", "whale", "unicorn", "penguin")
_TINY_GROUPS = ("class", "team", "shop", "family", "club", "cafe", "band", "channel")
_TINY_NOUNS = ("logo", "invite", "invitation", "banner", "flyer", "sign", "card", "poster", "label", "menu")


def generate_oneoff_tiny(rng: random.Random, req: Request) -> Result | None:
    """Two to five words that are still one-off: a name, a date, a price or quoted wording with
    the thing ("Priya's logo", "maya's quinceanera june 5th", '"sold out" sign', "corgi astronaut sticker")."""
    ct = req.content_type
    name = _name(rng)
    intent = _intent(req)
    event = _personal(rng, intent) if intent and not _names_a_format(intent) else None
    event = event if event and P.n_words(event) <= 3 else None
    obj = _first(req.v, "scene_objects")
    r = rng.random()
    if ct == "Template":
        dt = req.v.get("design_type")
        noun = dt if dt and P.n_words(dt) <= 2 and not _names_a_format_other(dt, ct) else rng.choice(_TINY_NOUNS)
        q = rng.choice(V.QUOTE_TEXTS)
        if r < 0.3 and event:
            spec = f"{name}'s {event} {noun}"
        elif r < 0.5:
            spec = f"{name}'s {noun}"
        elif r < 0.75 and P.n_words(q) <= 2:
            spec = f'"{q}" {noun}'
        elif r < 0.9:
            spec = f"{noun} for {name}'s {rng.choice(_TINY_GROUPS)}"
        else:
            spec = f"{rng.choice(V.PRICES)} {noun}"
    elif ct == "Any":
        if not event:
            return None
        if r < 0.45:
            spec = f"{name}'s {event}"
        elif r < 0.7:
            spec = f"{event} for {name}'s {rng.choice(_TINY_GROUPS)}"
        elif r < 0.85:
            spec = f"{name}'s {event} {rng.choice(V.MONTHS)} {rng.choice(V.DAY_NUMBERS)}"
        else:
            spec = f"our {event} {_date(rng)}"
    elif ct == "Text":
        q = rng.choice(V.QUOTE_TEXTS)
        head = rng.choice(("lettering", "wordmark", "monogram", "font", "text effect"))
        spec = f'"{q}" {head}' if r < 0.6 else f"{name}'s {rng.choice(('monogram', 'wordmark', 'signature font'))}"
    elif ct == "Audio":
        head = rng.choice(("jingle", "song", "ringtone", "tune"))
        spec = f"{name}'s {event} {head}" if event and r < 0.5 else f"{head} for {name}'s {rng.choice(_TINY_GROUPS)}"
    else:
        # an unusual scene, short: the path's scene object doing something odd, with a type word
        subj = obj if obj and P.n_words(obj) <= 2 else None
        if subj is None:
            return None
        tw = {"Photo": ("photo", "3d render", "realistic photo"), "Video": ("clip", "gif", "loop"),
              "Design Asset": ("sticker", "icon", "mascot"), "Background": ("wallpaper", "pattern", "background")}[ct]
        if r < 0.4:  # "cat-shaped cloud photo": an odd shape is one-off in three words
            spec = f"{rng.choice(_SHAPES)}-shaped {subj} {rng.choice(tw)}"
        else:
            twist = rng.choice(V.ODD_ACCESSORIES if r < 0.7 else V.ODD_ACTIONS)
            spec = f"{subj} {twist} {rng.choice(tw)}"
    n = P.n_words(spec)
    if n > req.max_w:
        return None
    target = rng.randint(max(req.min_w, n), req.max_w)
    split = P.pad_split(rng, target - n, _PRE_BY_TYPE.get(ct, P.GENERATE_PRE), P.POST)
    if split is None:
        return None
    req.position = None
    # a bare type word is no part of the specification ("cat-shaped cloud photo" -> "cat-shaped cloud")
    prompt = " ".join(w for w in re.sub(r"\b(?:realistic photo|3d render)\b", lambda m: m.group(0).replace(" ", "\0"),
                                          spec).split() if w not in _BARE_TYPE_WORDS).replace("\0", " ")
    return P.join(split[0], spec, split[1]), prompt or spec


_VISUAL_VERBS = ("draw", "render", "mock up")
_NOT_DRAWN = P.by_length(tuple(v for v in V.GENERATE_VERBS if not v.endswith(_VISUAL_VERBS)))
# nobody draws a jingle or renders a birthday: those verbs only for pictures
_PRE_BY_TYPE = {"Audio": _NOT_DRAWN, "Text": _NOT_DRAWN, "Any": _NOT_DRAWN}
_BARE_TYPE_WORDS = frozenset(w for names in V.TYPE_NAMES.values() for w, keep in names if not keep and " " not in w)


@functools.lru_cache(maxsize=4096)
def _names_a_format_other(text: str, content_type: str) -> bool:
    from routenator_dagster.labels import type_words_in

    return any(t != content_type for t in type_words_in(text))
