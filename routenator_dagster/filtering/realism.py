"""Realism filter: rows a person would not type, whatever route made them.

Reasons, first failing wins:
- repeated_words: a content word said twice within three words ("birthday flyer birthday") or a
  two-word phrase said twice ("wedding cake ... wedding cake").
- dangling_preposition: two prepositions in a row ("for with"), or the query ends on one that
  needs an object ("... templates for", "... photo of").
- contradictory_styles: a pair from the compatibility table (routes.vocabulary.CLASHES): a drawn
  style asked to look photographic, a spooky mood for a baby shower, lyrics on an instrumental.
- type_contradicts_label: the query ends on a word naming a content type other than the label
  ("flowers for my birthday flyer" labelled Photo) and nothing else in it implies the label.
  (The stage runs after the label checks, whose type_word_conflict reads the head before the
  first preposition; this reads the end, which they leave alone.)
- broken_agreement: an article that does not agree with its noun ("a flowers", "an poster").

Only the query and its labels are read; each reason is counted in filter_rejections.
"""

from __future__ import annotations

import re

import polars as pl

from routenator_dagster.filtering.label_checks import GENERIC_VISUAL_WORDS, VISUAL_TYPES
from routenator_dagster.routes import phrasing as P
from routenator_dagster.routes.vocabulary import SLANG
from routenator_dagster.routes.compatibility import clash

STAGE = "realism"

_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*")
_PREPS = frozenset("for with of to from about into onto at by in on".split())
# prepositions that may end a query as particles ("game on", "log in", "check it out") or start a
# compound with another ("out of", "up to", "in between")
_END_OK = frozenset({"on", "in", "at", "by", "to"})
_PAIR_OK = frozenset({("in", "for"), ("to", "in"), ("of", "in"), ("for", "in"), ("in", "on"), ("in", "at"),
                      ("from", "about"), ("to", "about"), ("with", "in"), ("for", "at"), ("of", "at"),
                      ("at", "about"), ("for", "about"), ("in", "about")})
# "on" after a verb is a particle ("game on", "put on"), so a preposition may follow it
_PARTICLES = frozenset({"on", "in", "up", "out"})
_STOP = P.STOPWORDS | {"very", "really", "so", "super", "extra"}
# plural-looking words that are singular, so "a <word>" is fine
_SINGULAR_S = frozenset(
    "bus glass class dress boss princess gas cactus circus series news mattress canvas lotus christmas hummus iris "
    "tennis chess this is was his has does less plus us bonus atlas campus virus status yes octopus walrus "
    "hippopotamus bonus asparagus success business fitness wellness kindness mess address congress process "
    "compass harness witness actress goddess hostess waitress stress express access recess loss moss cross "
    "boss grass kiss miss pass lens chaos thesis analysis basis oasis crisis bias gas alias atlas iris "
    "diabetes mumps measles physics mathematics economics politics ethics gymnastics aerobics athletics "
    "species news lens bonus sinus plus minus rendezvous famous various gorgeous delicious fabulous "
    "nervous glamorous joyous generous precious luxurious mysterious marvelous curious adventurous "
    "ridiculous dangerous obvious previous serious numerous enormous tremendous anxious cautious spacious "
    "always perhaps whereas thus across unless its yours ours hers theirs christmas easter's mothers fathers "
    "valentines kids teens cs gps abs ps bts nfts".split()
)
_A_PLURAL = re.compile(r"\b(a|an) ([a-z]+s)\b(?! of\b)")
_AN_CONSONANT = re.compile(r"\ban ([bcdfgjklmnpqrstvwxz][a-z]+)\b")
_A_VOWEL = re.compile(r"\ba ([aeio][a-z]+)\b")
_A_VOWEL_OK = ("one", "once", "euro", "ouija")  # "a one-page", "a euro sign": the vowel sounds like a consonant
_AN_OK = ("hour", "honest", "honor", "honour", "heir", "mba", "mri", "nft", "sos", "fbi", "x-ray", "lgbt", "rsvp", "llc")


def _repeated(words: list[str]) -> bool:
    content = [(i, w) for i, w in enumerate(words) if w not in _STOP and len(w) > 2]
    for (i, a), (j, b) in zip(content, content[1:]):
        if a == b and j - i <= 3:
            return True
    for k, (i, a) in enumerate(content):
        for j, b in content[k + 1:k + 3]:
            if a == b and j - i <= 3:
                return True
    bigrams = [(words[i], words[i + 1]) for i in range(len(words) - 1)
               if words[i] not in _STOP and words[i + 1] not in _STOP]
    return len(bigrams) != len(set(bigrams))


def _dangling(words: list[str], text: str) -> bool:
    if not words:
        return False
    if words[-1] in _PREPS and words[-1] not in _END_OK and not text.rstrip().endswith(('"', "'")):
        return True
    return any(a in _PREPS and b in _PREPS and a not in _PARTICLES and (a, b) not in _PAIR_OK
               for a, b in zip(words, words[1:]))


def _agreement(low: str) -> bool:
    for m in _A_PLURAL.finditer(low):
        w = m.group(2)
        if w not in _SINGULAR_S and not w.endswith(("ss", "us", "is", "ous", "'s")) and len(w) > 3:
            return True
    for m in _AN_CONSONANT.finditer(low):
        if not m.group(1).startswith(_AN_OK):
            return True
    for m in _A_VOWEL.finditer(low):
        if not m.group(1).startswith(_A_VOWEL_OK):
            return True
    return False


_SLANG_RE = re.compile(r"(?<![\w/])(" + "|".join(re.escape(k) for k in sorted(SLANG, key=len, reverse=True)) + r")(?![\w/])")
_FILLER_END = frozenset("please pls plz thanks thx ty asap ideas inspo inspiration stuff things options now today "
                        "quick real when you can possible".split())


def _type_contradiction(query: str, content_type: str) -> bool:
    """The query ends on a word naming a type (what is asked for comes last: "flowers for my
    birthday flyer"), that type is not the label, and nothing else in the query implies the label.
    The head before the first preposition is the label checks' business (type_word_conflict)."""
    clean = _SLANG_RE.sub(lambda m: SLANG[m.group(1)], query)  # "vid" names Video, "bg" Background
    words = [w for w in _WORD.findall(clean) if w not in _FILLER_END]
    if not words or (words[-1] in GENERIC_VISUAL_WORDS and content_type in VISUAL_TYPES):
        return False  # "cute cat pictures" can be any still visual
    tail = " ".join(words[-2:])
    end_types = P.implied_types(tail) if P.implied_types(words[-1]) else frozenset()
    if not end_types or content_type in end_types:
        return False
    if content_type == "Any":
        return True
    return content_type not in P.implied_types(clean)


def realism_reason(query: str, content_type: str) -> str | None:
    """Why a person would not type ``query`` labelled ``content_type``, or None."""
    low = query.lower()
    words = _WORD.findall(low)
    if _repeated(words):
        return "repeated_words"
    if _dangling(words, low):
        return "dangling_preposition"
    if clash(low):
        return "contradictory_styles"
    if _type_contradiction(low, content_type):
        return "type_contradicts_label"
    if _agreement(low):
        return "broken_agreement"
    return None


def reason_rows(df: pl.DataFrame) -> pl.DataFrame:
    """(_row, reason) for the rows of ``df`` (query, content_type) that fail a realism check."""
    if df.is_empty():
        return pl.DataFrame(schema={"_row": pl.Int64, "reason": pl.Utf8})
    pairs = df.select(pl.col("query").fill_null(""), pl.col("content_type").fill_null("")).unique()
    verdict = {(q, ct): realism_reason(q, ct) for q, ct in pairs.iter_rows()}
    rows, reasons = [], []
    for row, q, ct in df.select("_row", pl.col("query").fill_null(""), pl.col("content_type").fill_null("")).iter_rows():
        r = verdict[(q, ct)]
        if r is not None:
            rows.append(row)
            reasons.append(r)
    return pl.DataFrame({"_row": pl.Series(rows, dtype=pl.Int64), "reason": pl.Series(reasons, dtype=pl.Utf8)})
