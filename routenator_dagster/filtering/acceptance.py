"""Acceptance rates per generation cell: the feedback that closes the loop.

The router reads `rn_home()/feedback/acceptance_rates.parquet` and asks for more rows in cells
that lose many to filtering. "Accepted" means it passed every quality stage; rows dropped only by
resampling were fine, so they count as accepted.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

KEYS = ["function", "content_type", "length_bucket", "route"]
SCHEMA: dict[str, pl.DataType] = {
    "function": pl.Utf8, "content_type": pl.Utf8, "length_bucket": pl.Utf8, "route": pl.Utf8,
    "generated": pl.Int64, "accepted": pl.Int64, "rate": pl.Float64,
}


def feedback_path(home: Path) -> Path:
    return home / "feedback" / "acceptance_rates.parquet"


def acceptance_rates(generated: pl.DataFrame, accepted: pl.DataFrame) -> pl.DataFrame:
    """Per (function, content_type, length_bucket, route): generated, accepted, rate = accepted/generated."""
    gen = generated.group_by(KEYS).agg(pl.len().cast(pl.Int64).alias("generated"))
    acc = accepted.group_by(KEYS).agg(pl.len().cast(pl.Int64).alias("accepted"))
    out = gen.join(acc, on=KEYS, how="left", nulls_equal=True).with_columns(pl.col("accepted").fill_null(0))
    out = out.with_columns((pl.col("accepted") / pl.col("generated")).alias("rate"))
    return out.select(list(SCHEMA)).cast(SCHEMA).sort(KEYS, nulls_last=True)


def save_acceptance_rates(df: pl.DataFrame, path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(".parquet.tmp")
    df.write_parquet(tmp)
    os.replace(tmp, p)  # the router never reads a half-written file
    return p


def load_acceptance_rates(path: str | Path) -> pl.DataFrame | None:
    """The saved rates, or None when no filtering run has written them yet."""
    p = Path(path)
    if not p.exists():
        return None
    df = pl.read_parquet(p)
    missing = set(SCHEMA) - set(df.columns)
    if missing:
        raise ValueError(f"{p}: acceptance-rates file lacks columns {sorted(missing)}")
    return df.select(list(SCHEMA)).cast(SCHEMA)
