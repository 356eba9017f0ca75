"""Normalization: one canonical form of each query, used by exact dedup and the word filters."""

from __future__ import annotations

import polars as pl

from routenator_dagster.filtering.words import tokens_expr, words_expr
from routenator_dagster.labels import CONTENT_TYPES, FUNCTIONS

STAGE = "normalize"


def normalized_expr(col: str = "query") -> pl.Expr:
    """NFKC, lower case, straight quotes, single spaces, no trailing sentence punctuation."""
    return (
        pl.col(col)
        .fill_null("")
        .str.normalize("NFKC")
        .str.to_lowercase()
        .str.replace_all(r"[\u2018\u2019`]", "'")
        .str.replace_all(r"[\u201c\u201d]", '"')
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .str.strip_chars_end(".!?;, ")
    )


def add_text_columns(df: pl.DataFrame) -> pl.DataFrame:
    """Add the helper columns later steps read: _norm, _n_words, _qtoks, _ptoks."""
    return df.with_columns(
        normalized_expr("query").alias("_norm"),
        words_expr("query").alias("_n_words"),
        tokens_expr("query").alias("_qtoks"),
        tokens_expr("extracted_prompt").alias("_ptoks"),
    )


def reason_expr() -> pl.Expr:
    """Rows nothing downstream can judge: no query, or labels outside the contract."""
    return (
        pl.when(pl.col("_norm") == "")
        .then(pl.lit("empty_query"))
        .when(~pl.col("function").is_in(list(FUNCTIONS)) | pl.col("function").is_null())
        .then(pl.lit("invalid_function"))
        .when(~pl.col("content_type").is_in(list(CONTENT_TYPES)) | pl.col("content_type").is_null())
        .then(pl.lit("invalid_content_type"))
        .otherwise(pl.lit(None, dtype=pl.Utf8))
    )
