"""The filtering pipeline: generated rows in, clean target-shaped rows plus every rejection out.

Stages, in order (a row is rejected by the first stage that flags it):
generation (rows the generator already rejected) -> normalize -> language -> length -> label -> realism ->
exact_dedup -> near_dedup -> semantic_dedup (optional) -> resample (optional).
The work happens on a slim frame of the columns the filters read; full rows are split into kept
and rejected once at the end, and kept + rejected == input is asserted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from routenator_dagster.filtering import (
    exact_dedup,
    label_checks,
    language,
    length_limits,
    near_dedup,
    normalize,
    realism,
    resample,
    semantic_dedup,
)
from routenator_dagster.filtering.acceptance import acceptance_rates
from routenator_dagster.schema import REJECTION_EXTRA, SYNTHETIC_SCHEMA, conform
from routenator_dagster.targets import PopulationTargets

log = logging.getLogger(__name__)
REJECTION_SCHEMA: dict[str, pl.DataType] = {**SYNTHETIC_SCHEMA, **REJECTION_EXTRA}
_SLIM = ["_row", "request_id", "query", "function", "content_type", "extracted_prompt", "route", "length_bucket"]


@dataclass(frozen=True)
class FilterConfig:
    near_dup_threshold: float = 0.8
    minhash_bands: int = 16
    minhash_rows_per_band: int = 5
    minhash_seed: int = 1
    semantic_dedup: bool = False
    semantic_threshold: float = 0.95
    max_words: dict[str, int] = field(default_factory=dict)  # function -> override of the targets' max
    search_prompt_max_words: int = 6
    resample: bool = True
    resample_seed: int = 0
    resample_tolerance: float = 0.02
    resample_length_tolerance: float = 0.10
    resample_size: int | None = None

    def minhash(self) -> near_dedup.MinHashParams:
        return near_dedup.MinHashParams(
            threshold=self.near_dup_threshold, bands=self.minhash_bands,
            rows_per_band=self.minhash_rows_per_band, seed=self.minhash_seed,
        )


@dataclass(frozen=True)
class FilterResult:
    kept: pl.DataFrame  # SYNTHETIC_SCHEMA, sorted by request_id
    rejections: pl.DataFrame  # SYNTHETIC_SCHEMA + stage, reason
    stats: dict[str, Any]
    acceptance: pl.DataFrame  # acceptance.acceptance_rates of this run
    cells: pl.DataFrame | None = None  # the resampling plan per cell (None when resampling is off)


def combine(frames: Mapping[str, pl.DataFrame] | pl.DataFrame) -> pl.DataFrame:
    """All partitions in one frame conformed to SYNTHETIC_SCHEMA, in partition-key order."""
    if isinstance(frames, pl.DataFrame):
        parts = [frames]
    else:
        parts = [frames[k] for k in sorted(frames)]
    parts = [conform(p, SYNTHETIC_SCHEMA) for p in parts if p is not None and p.height]
    if not parts:
        return pl.DataFrame(schema=SYNTHETIC_SCHEMA)
    return pl.concat(parts, how="vertical")


class _Rejector:
    """Collects (_row, stage, reason) and shrinks the active frame stage by stage."""

    def __init__(self, active: pl.DataFrame, logger: logging.Logger | logging.LoggerAdapter) -> None:
        self.active = active
        self.log = logger
        self.parts: list[pl.DataFrame] = []
        self.timings: dict[str, float] = {}

    def drop(self, stage: str, flagged: pl.DataFrame, t0: float) -> None:
        """``flagged`` has _row and reason; those rows leave the active frame."""
        flagged = flagged.select(pl.col("_row").cast(pl.Int64), pl.col("reason").cast(pl.Utf8)).with_columns(
            pl.lit(stage).alias("stage")
        )
        if flagged.height:
            self.parts.append(flagged)
            self.active = self.active.join(flagged.select("_row"), on="_row", how="anti")
        self.timings[stage] = round(time.perf_counter() - t0, 3)
        self.log.info("filter %-14s rejected %8d, %8d remain (%.2fs)", stage, flagged.height, self.active.height, self.timings[stage])

    def drop_expr(self, stage: str, reason: pl.Expr) -> None:
        t0 = time.perf_counter()
        with_reason = self.active.with_columns(reason.alias("reason"))
        self.drop(stage, with_reason.filter(pl.col("reason").is_not_null()).select("_row", "reason"), t0)

    def rejected(self) -> pl.DataFrame:
        if not self.parts:
            return pl.DataFrame(schema={"_row": pl.Int64, "reason": pl.Utf8, "stage": pl.Utf8})
        return pl.concat(self.parts)


def filter_dataset(
    frames: Mapping[str, pl.DataFrame] | pl.DataFrame,
    targets: PopulationTargets,
    config: FilterConfig = FilterConfig(),
    judge: label_checks.Judge | None = None,
    embed: semantic_dedup.Embed | None = None,
    logger: logging.Logger | logging.LoggerAdapter | None = None,
) -> FilterResult:
    """Run every stage; see the module docstring. ``judge``/``embed`` are optional injections;
    progress goes to ``logger`` (the asset passes Dagster's run log)."""
    log_ = logger or log
    t_start = time.perf_counter()
    full = combine(frames).with_row_index("_row").with_columns(pl.col("_row").cast(pl.Int64))
    n_in = full.height
    log_.info("filtering %d rows", n_in)

    status_ok = pl.col("status").fill_null("ok") == "ok"
    rej = _Rejector(normalize.add_text_columns(full.filter(status_ok).select(_SLIM)), log_)
    t0 = time.perf_counter()
    gen = full.filter(~status_ok).select("_row", pl.coalesce("reject_reason", pl.lit("generation_rejected")).alias("reason"))
    rej.drop("generation", gen, t0)

    rej.drop_expr(normalize.STAGE, normalize.reason_expr())
    rej.drop_expr(language.STAGE, language.reason_expr())
    rej.drop_expr(length_limits.STAGE, length_limits.reason_expr(length_limits.limits(targets, config.max_words)))
    t0 = time.perf_counter()
    rej.drop(label_checks.STAGE, label_checks.label_reasons(rej.active, config.search_prompt_max_words, judge), t0)
    t0 = time.perf_counter()
    rej.drop(realism.STAGE, realism.reason_rows(rej.active), t0)

    t0 = time.perf_counter()
    dup = exact_dedup.duplicate_rows(rej.active)
    rej.drop(exact_dedup.STAGE, pl.DataFrame({"_row": dup, "reason": exact_dedup.REASON}), t0)
    t0 = time.perf_counter()
    near = near_dedup.duplicate_rows(rej.active, config.minhash())
    rej.drop(near_dedup.STAGE, near.select("_row", pl.lit(near_dedup.REASON).alias("reason")), t0)
    if config.semantic_dedup:
        t0 = time.perf_counter()
        sem = semantic_dedup.duplicate_rows(rej.active, embed or semantic_dedup.minilm_embedder(), config.semantic_threshold)
        rej.drop(semantic_dedup.STAGE, sem.select("_row", pl.lit(semantic_dedup.REASON).alias("reason")), t0)

    accepted_rows = rej.active["_row"]
    cells = None
    if config.resample:
        t0 = time.perf_counter()
        active = rej.active.with_columns(resample.bucket_expr(targets).alias("_bucket"))
        rplan = resample.plan(active, targets, config.resample_tolerance, config.resample_size, config.resample_length_tolerance)
        chosen = resample.select(active, rplan, config.resample_seed)
        over = rej.active.join(pl.DataFrame({"_row": chosen}), on="_row", how="anti").select(
            "_row", pl.lit(resample.REASON).alias("reason")
        )
        rej.drop(resample.STAGE, over, t0)
        cells = rplan.cells

    # Split the full rows once: kept = still active; every other row carries its stage and reason.
    marks = rej.rejected()
    joined = full.join(marks, on="_row", how="left")
    kept = conform(joined.filter(pl.col("stage").is_null()), SYNTHETIC_SCHEMA).sort("request_id")
    rejections = conform(joined.filter(pl.col("stage").is_not_null()), REJECTION_SCHEMA).sort("request_id")
    if kept.height + rejections.height != n_in or marks["_row"].n_unique() != marks.height:
        raise AssertionError(f"filtering lost rows: {n_in} in, {kept.height} kept + {rejections.height} rejected")

    accepted = full.join(pl.DataFrame({"_row": accepted_rows}), on="_row", how="semi")
    acc = acceptance_rates(full, accepted)
    stats: dict[str, Any] = {
        "input_rows": n_in,
        "kept_rows": kept.height,
        "rejected_rows": rejections.height,
        "rejected_by_stage": dict(rejections.group_by("stage").len().sort("stage").iter_rows()),
        "rejected_by_reason": dict(rejections.group_by("reason").len().sort("reason").iter_rows()),
        "rejected_by_route_reason": [
            r for r in rejections.group_by("route", "stage", "reason").len().sort("route", "stage", "reason", nulls_last=True).iter_rows(named=True)
        ],
        "stage_seconds": rej.timings,
        "seconds": round(time.perf_counter() - t_start, 3),
    }
    if cells is not None:
        stats["resample_total"] = int(cells["selected"].sum())
        stats["unfilled_cells"] = cells.filter(pl.col("shortfall") > 0).to_dicts()
    log_.info("filtering done: %d kept, %d rejected in %.1fs", kept.height, rejections.height, stats["seconds"])
    return FilterResult(kept=kept, rejections=rejections, stats=stats, acceptance=acc, cells=cells)
