"""Unrealistic-language filters: text a user would not type into a search box.

All are polars expressions over the raw query (plus the helper columns from normalize), so a
million rows cost a few vectorized passes. Reasons, checked in this order:
echoed_instructions, llm_preamble, meta_text, wrapping_quotes, link, hashtag, emoji_run, truncated,
repeated_tokens, non_english.
"""

from __future__ import annotations

import polars as pl

from routenator_dagster.filtering.words import ENGLISH_STOPWORDS, FOREIGN_STOPWORDS

STAGE = "language"

# An assistant answering instead of a user asking: "Sure! ...", "Here is a query: ...".
PREAMBLE = (
    r"(?i)^\W*(?:(?:sure|certainly|of course|absolutely|okay|ok|great|alright)\s*[!,.:]"
    r"|here(?:'s| is| are)\b|below (?:is|are)\b|as requested\b"
    r"|(?:user |search )?(?:query|request|prompt|output|answer)\s*:)"
)
# Talk about the task rather than the task itself.
META = (
    r"(?i)\b(?:as an ai|language model|i cannot|i can't|i'm sorry|i am sorry"
    r"|here (?:is|are) (?:a|an|the|your|some)|search query|example quer(?:y|ies)"
    r"|the user (?:wants|is|asks|would)|this query|synthetic|rephrased|variation \d|note:)"
)
# Instructions aimed at a model, echoed from untrusted text (catalog titles, keywords, graph names)
# that reached a prompt: no user types these into a design tool's search box.
INSTRUCTIONS = (
    r"(?i)\b(?:ignore|disregard|forget|override)\b[^.]{0,30}\b(?:previous|prior|above|earlier|all|the|your)\b"
    r"[^.]{0,20}\b(?:instructions?|prompts?|rules|directions|messages?)\b"
    r"|\bsystem prompt\b|\bjailbreak\b|\bpwned\b|\bdeveloper mode\b|\byou are now\b"
    r"|\bnew instructions?\s*:|\bdo anything now\b|</?(?:system|assistant|user)>|\[/?inst\]"
)
WRAPPING_QUOTES = r"^\s*[\"\u201c\u2018'`].*[\"\u201d\u2019'`]\s*$"
LINK = r"(?i)https?://|\bwww\.|\b[\w-]+\.(?:com|org|net|io|co|ai|ly)\b"
HASHTAG = r"(?:^|\s)#[\p{L}\p{N}_]+"
_EMOJI = r"[\x{1F000}-\x{1FAFF}\x{2600}-\x{27BF}\x{2B00}-\x{2BFF}]"
EMOJI_RUN = _EMOJI + r"[\x{FE0F}\x{200D}\s]*" + _EMOJI
# Output cut off mid-sentence: an ellipsis, a dangling connector, or an unclosed bracket. "on",
# "in" and "at" are left out: as particles they end real queries ("a banner saying game on").
TRUNCATED_END = (
    r"(?i)(?:\.\.\.|\u2026|[,:;(\-]|\b(?:and|or|of|the|a|an|with|for|to|from|"
    r"featuring|including|my|your|their|his|her|its|that|which))\s*$"
)
# A word said twice in a row is a generation loop unless the language does it on purpose.
_REPEAT_OK = ["very", "really", "bye", "ha", "so", "no", "yes", "pom", "tut", "chop", "knock"]
NON_LATIN_LETTER = r"[\p{L}&&[^\p{Latin}]]"


def _repeated_tokens() -> pl.Expr:
    toks = pl.col("_qtoks")
    loop = toks.list.eval(
        (pl.element() == pl.element().shift(1))
        & (pl.element().str.len_chars() > 2)
        & ~pl.element().is_in(_REPEAT_OK)
    ).list.any()
    n = toks.list.len()
    degenerate = (n >= 6) & (toks.list.n_unique() * 2 < n)
    return loop.fill_null(False) | degenerate


def _non_english() -> pl.Expr:
    q = pl.col("query").fill_null("")
    letters = q.str.count_matches(r"\p{L}")
    other_script = q.str.count_matches(NON_LATIN_LETTER)
    toks = pl.col("_qtoks")
    foreign = toks.list.eval(pl.element().is_in(list(FOREIGN_STOPWORDS))).list.sum()
    english = toks.list.eval(pl.element().is_in(list(ENGLISH_STOPWORDS))).list.sum()
    script = (letters > 0) & (other_script * 10 > letters * 3)  # > 30% letters not Latin
    stopwords = (foreign >= 2) & (foreign > english)
    return script | stopwords


def reason_expr() -> pl.Expr:
    q = pl.col("query").fill_null("")
    unbalanced = (q.str.count_matches(r"\(") != q.str.count_matches(r"\)")) | (
        q.str.count_matches('"') % 2 == 1
    )
    label = pl.col("extracted_prompt").fill_null("")
    checks: list[tuple[pl.Expr, str]] = [
        (q.str.contains(INSTRUCTIONS) | label.str.contains(INSTRUCTIONS), "echoed_instructions"),
        (q.str.contains(PREAMBLE), "llm_preamble"),
        (q.str.contains(META), "meta_text"),
        (q.str.contains(WRAPPING_QUOTES) & (q.str.len_chars() > 2), "wrapping_quotes"),
        (q.str.contains(LINK), "link"),
        (q.str.contains(HASHTAG), "hashtag"),
        (q.str.contains(EMOJI_RUN), "emoji_run"),
        (q.str.contains(TRUNCATED_END) | unbalanced, "truncated"),
        (_repeated_tokens(), "repeated_tokens"),
        (_non_english(), "non_english"),
    ]
    expr = pl.when(checks[0][0]).then(pl.lit(checks[0][1]))
    for cond, name in checks[1:]:
        expr = expr.when(cond).then(pl.lit(name))
    return expr.otherwise(pl.lit(None, dtype=pl.Utf8))
