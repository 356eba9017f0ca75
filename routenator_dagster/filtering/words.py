"""Word lists and polars tokenizers shared by the filters and the quality metrics."""

from __future__ import annotations

import polars as pl

from routenator_dagster.labels import TYPE_WORDS

# Letters/digits runs; an apostrophe suffix stays attached ("priya's") so names survive.
TOKEN_PATTERN = r"[\p{L}\p{N}]+(?:'[\p{L}]+)?"

ENGLISH_STOPWORDS: frozenset[str] = frozenset(
    """a an the of for to in on at by with and or but from into onto over under about as is are be
    me my mine i we our us you your it its this that these those some any something someone
    show find get give make create design need want looking look search please can could would
    like just one two all more most very really so also there here what which who how where when
    s 's no not up out off new""".split()
)

# Frequent function words of other Latin-script languages that English queries do not use.
FOREIGN_STOPWORDS: frozenset[str] = frozenset(
    """el la los las del para por con una unos uno que y es son pero muy como sin sobre
    le les des du une avec pour dans est et sur pas ce cette qui mais
    der die das und mit für ein eine einen nicht ist auf den dem zum zur von
    il lo gli della delle degli per con una che è sono
    o os as um uma com não em da do das dos para""".split()
) - ENGLISH_STOPWORDS

# Every single word that appears in a content-type word or phrase.
TYPE_WORD_TOKENS: frozenset[str] = frozenset(w for words in TYPE_WORDS.values() for p in words for w in p.split())


def words_expr(col: str = "query") -> pl.Expr:
    """Number of whitespace-separated words (the unit of the population targets)."""
    return pl.col(col).fill_null("").str.count_matches(r"\S+").cast(pl.Int64)


def tokens_expr(col: str) -> pl.Expr:
    """Lower-cased word tokens of a text column as a list."""
    return pl.col(col).fill_null("").str.to_lowercase().str.extract_all(TOKEN_PATTERN)
