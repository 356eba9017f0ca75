"""Length limits per function from the population targets (whitespace words of the query)."""

from __future__ import annotations

import polars as pl

from routenator_dagster.targets import PopulationTargets

STAGE = "length"


def limits(targets: PopulationTargets, max_words: dict[str, int] | None = None) -> dict[str, tuple[int, int]]:
    """function -> (min_words, max_words); ``max_words`` overrides the targets' upper bound."""
    out: dict[str, tuple[int, int]] = {}
    for fn, buckets in targets.length_buckets.items():
        lo = min(b.min_words for b in buckets)
        hi = max(b.max_words for b in buckets)
        if max_words and fn in max_words:
            hi = int(max_words[fn])
        out[fn] = (lo, hi)
    return out


def reason_expr(bounds: dict[str, tuple[int, int]]) -> pl.Expr:
    lo = pl.col("function").replace_strict({k: v[0] for k, v in bounds.items()}, default=1, return_dtype=pl.Int64)
    hi = pl.col("function").replace_strict({k: v[1] for k, v in bounds.items()}, default=10**6, return_dtype=pl.Int64)
    return (
        pl.when(pl.col("_n_words") > hi)
        .then(pl.lit("too_long"))
        .when(pl.col("_n_words") < lo)
        .then(pl.lit("too_short"))
        .otherwise(pl.lit(None, dtype=pl.Utf8))
    )
