"""Label checks: does the row's call agree with its query?

Reasons, first failing wins:
- empty_prompt: no extracted_prompt.
- format_roundtrip: render_call -> parse_call does not give back the same three labels (APIGen's
  format check; catches prompts the call syntax cannot carry).
- type_word_conflict: the head of the request names another content type and the query never
  names the label's own type. The head is the last content word (stopwords and fillers such as
  "please"/"asap" aside) before the first modifier preposition ("for", "with", "of", "to", ...),
  or the last two when they form a type phrase ("sound effects"): "elephant pictures" labelled
  Video is flagged; "a photo of a beach for my instagram post" (Photo named), "music for my
  video" (Audio named), "something to play under my video" ("video" is after "to"), "music
  festival" and "a video call" (the type word only modifies the head noun) are not. For label Any
  every type word as head conflicts. Generic picture words (image, picture, pic, graphic) name no
  particular visual type, so they conflict only with the non-visual labels (Video, Audio, Text,
  Any): "an image to put behind my slides" can be a Background.
- function_length_mismatch: a Search prompt longer than `search_prompt_max_words` (Search prompts
  are a few keywords; a long one is a Generate spec under the wrong function).
- prompt_not_grounded: a content word of extracted_prompt (stopwords and type words aside) that is
  not in the query, allowing one typo fix (edit distance 1, transpositions included), a plural,
  or the clean form of slang the query uses ("ig post" -> "instagram post", "bday" -> "birthday").
- judge_rejected: an optional judge callable (an LLM judge when one is configured) said no.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import polars as pl

from routenator_dagster.filtering.words import ENGLISH_STOPWORDS, TOKEN_PATTERN, TYPE_WORD_TOKENS
from routenator_dagster.function_call import parse_call, render_call
from routenator_dagster.labels import TYPE_WORDS
from routenator_dagster.routes.vocabulary import SLANG

STAGE = "label"

# The judge sees the rows (query, function, content_type, extracted_prompt) and returns, per row,
# None when the labels are right or a short reason when they are not.
Judge = Callable[[pl.DataFrame], list[str | None]]

MODIFIER_PREPOSITIONS = (
    "for", "on", "in", "to", "with", "of", "behind", "under", "into", "over", "inside", "onto",
    "during", "at", "from", "like", "about", "beside", "featuring", "using",
)
_HEAD_CUT = r"(?i)\b(?:" + "|".join(MODIFIER_PREPOSITIONS) + r")\b.*$"


def _pattern(words: tuple[str, ...] | list[str]) -> str:
    return r"(?i)\b(?:" + "|".join(w.replace(" ", r"\s+") for w in words) + r")\b"


TYPE_PATTERNS: dict[str, str] = {ct: _pattern(words) for ct, words in TYPE_WORDS.items()}
GENERIC_VISUAL_WORDS = ("images", "image", "pictures", "picture", "pics", "pic", "graphics", "graphic")
VISUAL_TYPES = ("Photo", "Background", "Design Asset", "Template")
_GENERIC = "<generic visual>"
# Head lookup: one-word type words and two-word type phrases -> content type.
_WORD_TYPE = {w: (_GENERIC if w in GENERIC_VISUAL_WORDS else ct) for ct, ws in TYPE_WORDS.items() for w in ws if " " not in w}
_PHRASE_TYPE = {w: ct for ct, ws in TYPE_WORDS.items() for w in ws if " " in w}
_FILLERS = frozenset("please pls plz thx thanks thank asap now today quick quickly urgent urgently real fast".split())
_NOT_HEAD_WORDS = ENGLISH_STOPWORDS | _FILLERS
_IGNORED_PROMPT_WORDS = ENGLISH_STOPWORDS | TYPE_WORD_TOKENS


_ANY_TYPE_WORD = _pattern([w for ws in TYPE_WORDS.values() for w in ws])
_NOT_HEAD_RE = r"\b(?:" + "|".join(sorted(_NOT_HEAD_WORDS, key=len, reverse=True)) + r")\b"


def type_conflict_rows(df: pl.DataFrame) -> pl.Series:
    """_row of rows whose head of the request names a type other than the label while the label's
    type is named nowhere in the query (see the module docstring). Only queries with some type
    word are examined, which keeps this to a few regex passes over a fraction of the rows."""
    q = pl.col("query").fill_null("")
    sub = df.select("_row", "query", "content_type").filter(q.str.contains(_ANY_TYPE_WORD))
    if sub.is_empty():
        return pl.Series("_row", [], dtype=pl.Int64)
    # Head segment without stopwords and fillers; its last one or two words are the head.
    head = (
        q.str.replace(_HEAD_CUT, "").str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}'\s]", " ")
        .str.replace_all(_NOT_HEAD_RE, " ").str.strip_chars()
    )
    sub = sub.with_columns(
        head.str.extract(r"(\S+)$").alias("_last"),
        head.str.extract(r"(\S+\s+\S+)$").str.replace_all(r"\s+", " ").alias("_last2"),
    )
    head_type = pl.coalesce(
        pl.col("_last2").replace_strict(_PHRASE_TYPE, default=None, return_dtype=pl.Utf8),
        pl.col("_last").replace_strict(_WORD_TYPE, default=None, return_dtype=pl.Utf8),
    )
    label = pl.col("content_type")
    generic_ok = (head_type == _GENERIC) & label.is_in(list(VISUAL_TYPES))
    conflict = (head_type.is_not_null() & (head_type != label) & ~generic_ok).fill_null(False)
    flagged = sub.filter(conflict)
    own_named = pl.lit(False)
    for ct, pat in TYPE_PATTERNS.items():
        own_named = own_named | ((label == ct) & q.str.contains(pat))
    return flagged.filter(~own_named.fill_null(False))["_row"]


def _osa_le1(a: str, b: str) -> bool:
    """Edit distance (with adjacent transpositions) of at most 1."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


def _stem(w: str) -> str:
    for suf, rep in (("ies", "y"), ("es", ""), ("s", "")):
        if len(w) > len(suf) + 2 and w.endswith(suf):
            return w[: -len(suf)] + rep
    return w


# slang token -> the words of its clean form ("bday" -> ("birthday",), "hbd" -> ("happy", "birthday"))
_SLANG_WORDS: dict[str, tuple[str, ...]] = {k.rstrip("/"): tuple(v.split()) for k, v in SLANG.items()}


def word_grounded(word: str, query_tokens: Iterable[str]) -> bool:
    """A prompt word is grounded when the query has it, a one-edit typo of it, its plural, or
    slang whose clean form has it."""
    stem = _stem(word)
    for t in query_tokens:
        if _osa_le1(word, t) or _stem(t) == stem:
            return True
        for clean in _SLANG_WORDS.get(t, ()):
            if clean == word or _stem(clean) == stem:
                return True
    return False


def _ungrounded_rows(df: pl.DataFrame) -> pl.Series:
    """_row of rows whose prompt has a content word the query lacks."""
    # Long form (row, word) on both sides and an anti-join: no per-word copy of the query's list.
    pw = df.select("_row", pl.col("_ptoks").alias("_w")).explode("_w", empty_as_null=False)
    pw = pw.filter(pl.col("_w").is_not_null() & ~pl.col("_w").is_in(list(_IGNORED_PROMPT_WORDS)))
    qw = df.select("_row", pl.col("_qtoks").alias("_w")).explode("_w", empty_as_null=False).drop_nulls()
    missing = pw.join(qw, on=["_row", "_w"], how="anti")
    cand = missing.join(df.select("_row", "_qtoks"), on="_row", how="left")
    bad = {row for row, w, qt in cand.select("_row", "_w", "_qtoks").iter_rows() if not word_grounded(w, qt)}
    return pl.Series("_row", sorted(bad), dtype=pl.Int64)


def _roundtrip_failures(df: pl.DataFrame) -> pl.DataFrame:
    """(function, content_type, extracted_prompt) triples whose rendered call does not parse back.

    render_call/parse_call treat every letter and digit alike (none is a quote, backslash or
    control character), so the verdict depends only on the prompt's shape: each run of letters and
    digits replaced by "a". We round-trip one prompt per distinct (function, content_type, shape),
    a few hundred instead of a million.
    """
    shaped = df.select("function", "content_type", "extracted_prompt").with_columns(
        pl.col("extracted_prompt").str.replace_all(r"[\p{L}\p{N}]+", "a").alias("_shape")
    )
    verdicts = []
    for fn, ct, shape in shaped.select("function", "content_type", "_shape").unique().iter_rows():
        try:
            parsed = parse_call(render_call(fn, ct, shape))
            ok = parsed.valid and (parsed.function, parsed.content_type, parsed.extracted_prompt) == (fn, ct, shape)
        except ValueError:
            ok = False
        verdicts.append((fn, ct, shape, not ok))
    table = pl.DataFrame(verdicts, schema={"function": pl.Utf8, "content_type": pl.Utf8, "_shape": pl.Utf8, "_rt_bad": pl.Boolean}, orient="row")
    return (
        shaped.join(table, on=["function", "content_type", "_shape"], how="inner", nulls_equal=True)
        .filter(pl.col("_rt_bad"))
        .select("function", "content_type", "extracted_prompt", "_rt_bad")
        .unique()
    )


def label_reasons(
    df: pl.DataFrame, search_prompt_max_words: int = 6, judge: Judge | None = None
) -> pl.DataFrame:
    """(_row, reason) for every row of ``df`` that fails a label check (see the module docstring)."""
    if df.is_empty():
        return pl.DataFrame(schema={"_row": pl.Int64, "reason": pl.Utf8})
    prompt = pl.col("extracted_prompt").fill_null("").str.strip_chars()
    ungrounded = _ungrounded_rows(df.filter(prompt != ""))
    conflicts = type_conflict_rows(df)
    work = df.join(_roundtrip_failures(df.filter(prompt != "")), on=["function", "content_type", "extracted_prompt"], how="left", nulls_equal=True)
    p_words = pl.col("extracted_prompt").fill_null("").str.count_matches(r"\S+")
    reason = (
        pl.when(prompt == "")
        .then(pl.lit("empty_prompt"))
        .when(pl.col("_rt_bad").fill_null(False))
        .then(pl.lit("format_roundtrip"))
        .when(pl.col("_row").is_in(conflicts.implode()))
        .then(pl.lit("type_word_conflict"))
        .when((pl.col("function") == "Search") & (p_words > search_prompt_max_words))
        .then(pl.lit("function_length_mismatch"))
        .when(pl.col("_row").is_in(ungrounded.implode()))
        .then(pl.lit("prompt_not_grounded"))
        .otherwise(pl.lit(None, dtype=pl.Utf8))
    )
    out = work.select("_row", reason.alias("reason"))
    if judge is not None:
        passed = work.filter(out["reason"].is_null())
        verdicts = judge(passed.select("query", "function", "content_type", "extracted_prompt"))
        if len(verdicts) != passed.height:
            raise ValueError(f"judge returned {len(verdicts)} verdicts for {passed.height} rows")
        judged = pl.DataFrame({"_row": passed["_row"], "_j": pl.Series(verdicts, dtype=pl.Utf8)})
        out = out.join(judged, on="_row", how="left").select(
            "_row", pl.coalesce("reason", pl.when(pl.col("_j").is_not_null()).then(pl.lit("judge_rejected"))).alias("reason")
        )
    return out.filter(pl.col("reason").is_not_null())
