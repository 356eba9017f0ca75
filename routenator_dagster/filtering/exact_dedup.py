"""Exact dedup: one row per normalized query; the survivor is the smallest request_id."""

from __future__ import annotations

import polars as pl

STAGE = "exact_dedup"
REASON = "exact_duplicate"


def duplicate_rows(df: pl.DataFrame) -> pl.Series:
    """_row of every row whose normalized query already belongs to a row with a smaller request_id."""
    ranked = df.select("_row", "_norm", "request_id").sort(["request_id", "_row"])
    return ranked.filter(pl.col("_norm").is_duplicated() & ~pl.col("_norm").is_first_distinct())["_row"]
