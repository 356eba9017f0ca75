"""Acceptance rates per generation cell: the feedback that closes the loop.

The router reads `rn_home()/feedback/acceptance_rates.parquet` and asks for more rows in cells
that lose many to filtering. "Accepted" means it passed every quality stage; rows dropped only by
resampling were fine, so they count as accepted.

Filtering writes its rates as *pending*, named by its run; they become the current feedback only
once that run has succeeded. A run killed after filtering must not change the next plan: the
rerun would ask for other requests, miss every checkpointed LLM answer and build another dataset.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from routenator_dagster.atomic import write_parquet_atomic

import polars as pl

KEYS = ["function", "content_type", "length_bucket", "route"]
SCHEMA: dict[str, pl.DataType] = {
    "function": pl.Utf8, "content_type": pl.Utf8, "length_bucket": pl.Utf8, "route": pl.Utf8,
    "generated": pl.Int64, "accepted": pl.Int64, "rate": pl.Float64,
}


def feedback_path(home: Path) -> Path:
    """The current feedback: rates from the last run that finished."""
    return home / "feedback" / "acceptance_rates.parquet"


def pending_feedback_path(home: Path, run_id: str) -> Path:
    """Rates a run wrote while it was still running."""
    return home / "feedback" / "pending" / f"{run_id}.parquet"


def promote_pending_feedback(home: Path, run_outcome: Callable[[str], str | None]) -> dict[str, list[str]]:
    """Make pending rates current or drop them, by the outcome of the run that wrote them.

    `run_outcome(run_id)` answers "success", "failure" (failed, canceled or unknown to the
    instance) or None while the run is still going. Of several finished runs the newest wins.
    """
    folder = home / "feedback" / "pending"
    done: dict[str, list[str]] = {"promoted": [], "dropped": [], "waiting": []}
    if not folder.is_dir():
        return done
    for path in sorted(folder.glob("*.parquet"), key=lambda f: f.stat().st_mtime):
        outcome = run_outcome(path.stem)
        if outcome is None:
            done["waiting"].append(path.stem)
        elif outcome == "success":
            path.replace(feedback_path(home))
            done["promoted"].append(path.stem)
        else:
            path.unlink(missing_ok=True)
            done["dropped"].append(path.stem)
    return done


def acceptance_rates(generated: pl.DataFrame, accepted: pl.DataFrame) -> pl.DataFrame:
    """Per (function, content_type, length_bucket, route): generated, accepted, rate = accepted/generated."""
    gen = generated.group_by(KEYS).agg(pl.len().cast(pl.Int64).alias("generated"))
    acc = accepted.group_by(KEYS).agg(pl.len().cast(pl.Int64).alias("accepted"))
    out = gen.join(acc, on=KEYS, how="left", nulls_equal=True).with_columns(pl.col("accepted").fill_null(0))
    out = out.with_columns((pl.col("accepted") / pl.col("generated")).alias("rate"))
    return out.select(list(SCHEMA)).cast(SCHEMA).sort(KEYS, nulls_last=True)


def save_acceptance_rates(df: pl.DataFrame, path: str | Path) -> Path:
    return write_parquet_atomic(path, df)  # the router never reads a half-written file


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
