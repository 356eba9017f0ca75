"""Assets: filtered_dataset + filter_rejections (one multi-asset) and the checks on filtered_dataset.

The asset is thin: it calls `routenator_dagster.filtering.filter_dataset`, writes the acceptance
feedback the router reads, and reports counts as metadata. Its effective settings go into the
materialization metadata (`filter_settings`) so the checks judge by the same limits.
"""


import dataclasses
import json
from typing import Any

import dagster as dg
import polars as pl

from assets.k8s_tags import CPU_LARGE_TAGS
from assets.metadata import md_table
from routenator_dagster.filtering import FilterConfig, filter_dataset
from routenator_dagster.filtering import label_checks, length_limits, normalize
from routenator_dagster.filtering.words import words_expr
from routenator_dagster.filtering.acceptance import pending_feedback_path, save_acceptance_rates
from routenator_dagster.paths import rn_home
from routenator_dagster.quality import metrics
from routenator_dagster.quality.summary import record_check
from routenator_dagster.targets import parse_targets

GROUP = "filtering"
FILTERED = dg.AssetKey("filtered_dataset")


class FilteringConfig(dg.Config):
    near_dup_threshold: float = 0.8
    semantic_dedup: bool = False
    semantic_threshold: float = 0.95
    max_words: dict[str, int] = {}
    search_prompt_max_words: int = 6
    resample: bool = True
    resample_seed: int = 0
    resample_tolerance: float = 0.02
    resample_length_tolerance: float = 0.10
    resample_size: int | None = None
    tv_threshold: float = 0.03
    keyword_spread_tv_max: float = 0.25
    llm_judge: bool = True  # used only when the judge_llm resource is configured


@dg.multi_asset(
    outs={
        "filtered_dataset": dg.AssetOut(
            group_name=GROUP,
            description="Clean generated rows: deduplicated, length-limited, language- and label-checked, resampled to the population targets.",
            kinds={"polars"},
        ),
        "filter_rejections": dg.AssetOut(
            group_name=GROUP, description="Every row filtering (or generation) rejected, with stage and reason.",
            kinds={"polars"},
        ),
    },
    ins={"synthetic_queries": dg.AssetIn(), "population_targets": dg.AssetIn()},
    required_resource_keys={"judge_llm"},
    op_tags=CPU_LARGE_TAGS,  # ~3 GB peak at 1M rows (bench/filtering.py)
)
def filtering(context: dg.AssetExecutionContext, config: FilteringConfig, synthetic_queries: dict[str, pl.DataFrame], population_targets: dict):
    targets = parse_targets(population_targets, source="population_targets")
    # The UI's config carries the core's settings by name, plus a few asset-only knobs.
    core = {f.name for f in dataclasses.fields(FilterConfig)}
    cfg = FilterConfig(**{k: v for k, v in config.model_dump().items() if k in core})
    frames = synthetic_queries if isinstance(synthetic_queries, dict) else {"all": synthetic_queries}
    context.log.info(f"filtering {sum(f.height for f in frames.values())} rows from {len(frames)} partitions")
    judge_res = context.resources.judge_llm
    judge = None
    judge_note = "off (judge_llm not configured)"
    if config.llm_judge and judge_res.is_configured():
        from routenator_dagster.filtering.llm_judge import make_llm_judge

        judge = make_llm_judge(judge_res.get_client())
        judge_note = f"on ({judge_res.model})"
    elif not config.llm_judge:
        judge_note = "off (config)"
    result = filter_dataset(frames, targets, cfg, judge=judge, logger=context.log)
    fb = save_acceptance_rates(result.acceptance, pending_feedback_path(rn_home(), context.run_id))
    stats = result.stats
    settings = {
        "limits": length_limits.limits(targets, cfg.max_words), "near_dup_threshold": cfg.near_dup_threshold,
        "search_prompt_max_words": cfg.search_prompt_max_words, "tv_threshold": config.tv_threshold,
        "keyword_spread_tv_max": config.keyword_spread_tv_max,
    }
    yield dg.Output(
        result.kept,
        output_name="filtered_dataset",
        metadata={
            "rows": result.kept.height,
            "input_rows": stats["input_rows"],
            "rows_by_route": dg.MetadataValue.md(md_table(sorted(metrics.counts(result.kept, "route").items()), ["route", "rows"])),
            "rows_by_function": dg.MetadataValue.md(md_table(sorted(metrics.counts(result.kept, "function").items()), ["function", "rows"])),
            "unfilled_cells": dg.MetadataValue.md(unfilled_cells_md(stats.get("unfilled_cells", []))),
            "stage_seconds": dg.MetadataValue.json(stats["stage_seconds"]),
            "acceptance_feedback": dg.MetadataValue.path(str(fb)),
            "filter_settings": dg.MetadataValue.json(settings),
            "llm_judge": judge_note,
        },
    )
    yield dg.Output(
        result.rejections,
        output_name="filter_rejections",
        metadata={
            "rows": result.rejections.height,
            "by_stage": dg.MetadataValue.md(md_table(sorted(stats["rejected_by_stage"].items()), ["stage", "rows"])),
            "by_reason": dg.MetadataValue.md(md_table(sorted(stats["rejected_by_reason"].items()), ["reason", "rows"])),
            "by_route_and_reason": dg.MetadataValue.md(md_table(stats["rejected_by_route_reason"])),
        },
    )


_FN_SHORT = {"Search": "S", "Generate": "G"}


def unfilled_cells_md(cells: list[dict[str, Any]], top: int = 10) -> str:
    """The resampling cells that got fewer rows than their target, short enough to show inline:
    one summary line, then the ``top`` largest shortfalls with short columns."""
    if not cells:
        return "every cell filled to its target"
    want = sum(int(c.get("target") or 0) for c in cells)
    short = sum(int(c.get("shortfall") or 0) for c in cells)
    rows = sorted(cells, key=lambda c: (-int(c.get("shortfall") or 0), str(c.get("function")), str(c.get("content_type")), str(c.get("length_bucket"))))
    table = md_table([(_FN_SHORT.get(c.get("function"), c.get("function")), c.get("content_type"), c.get("length_bucket"),
                       c.get("target"), c.get("selected"), c.get("shortfall")) for c in rows[:top]],
                     ["fn", "type", "bucket", "want", "got", "short"])
    more = f"\n\n_{len(rows) - top} more cells_" if len(rows) > top else ""
    return f"**{len(cells)} cells short by {short} rows** (of {want} wanted there)\n\n{table}{more}"


# ---- checks ------------------------------------------------------------------------------------

def _settings(context: dg.AssetCheckExecutionContext) -> dict[str, Any]:
    """The settings the latest filtering run used (defaults when it recorded none)."""
    event = context.instance.get_latest_materialization_event(FILTERED)
    md = event.asset_materialization.metadata if event and event.asset_materialization else {}
    value = md.get("filter_settings")
    out = dict(FilteringConfig().model_dump())
    if value is not None:
        out.update(value.value)
    return out


def _result(name: str, passed: bool, metadata: dict[str, Any], severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR) -> dg.AssetCheckResult:
    plain = {k: (v if isinstance(v, (int, float, str, bool)) or v is None else str(v)) for k, v in metadata.items() if not isinstance(v, dg.MetadataValue)}
    record_check(rn_home(), name, passed, plain)
    return dg.AssetCheckResult(passed=passed, metadata=metadata, severity=severity)


def _examples(df: pl.DataFrame, cols: list[str] | None = None) -> dg.MetadataValue:
    cols = cols or ["request_id", "query", "function", "content_type", "extracted_prompt"]
    return dg.MetadataValue.md(md_table(df.select([c for c in cols if c in df.columns]).head(20).to_dicts()))


@dg.asset_check(asset=FILTERED, description="No exact (normalized) or near (MinHash Jaccard) duplicate queries remain.")
def no_duplicates(context: dg.AssetCheckExecutionContext, filtered_dataset: pl.DataFrame) -> dg.AssetCheckResult:
    dup = metrics.duplicates(filtered_dataset, _settings(context)["near_dup_threshold"])
    ex = md_table([{"query": a, "near_duplicate_of": b} for a, b in dup["near_examples"]])
    return _result("no_duplicates", dup["total"] == 0, {"exact": dup["exact"], "near_pairs": dup["near_pairs"], "examples": dg.MetadataValue.md(ex)})


@dg.asset_check(asset=FILTERED, additional_ins={"population_targets": dg.AssetIn("population_targets")},
                description="Every query is within its function's word limits.")
def length_limits_respected(context: dg.AssetCheckExecutionContext, filtered_dataset: pl.DataFrame, population_targets: dict) -> dg.AssetCheckResult:
    settings = _settings(context)
    targets = parse_targets(population_targets, source="population_targets")
    bounds = {k: tuple(v) for k, v in settings.get("limits", {}).items()} or length_limits.limits(targets, settings.get("max_words"))
    df = filtered_dataset.with_columns(words_expr("query").alias("_n_words"))
    bad = df.filter(length_limits.reason_expr(bounds).is_not_null())
    return _result("length_limits_respected", bad.height == 0, {"violations": bad.height, "limits": json.dumps(bounds), "examples": _examples(bad)})


@dg.asset_check(asset=FILTERED, description="Labels agree with queries: type words, grounded prompts, call round-trip.")
def labels_consistent(context: dg.AssetCheckExecutionContext, filtered_dataset: pl.DataFrame) -> dg.AssetCheckResult:
    df = normalize.add_text_columns(filtered_dataset.with_row_index("_row").with_columns(pl.col("_row").cast(pl.Int64)))
    flagged = label_checks.label_reasons(df, int(_settings(context)["search_prompt_max_words"]))
    bad = df.join(flagged, on="_row").select("request_id", "query", "function", "content_type", "extracted_prompt", "reason")
    return _result("labels_consistent", bad.height == 0, {"violations": bad.height, "examples": _examples(bad, bad.columns)})


@dg.asset_check(asset=FILTERED, additional_ins={"population_targets": dg.AssetIn("population_targets")},
                description="Function and content-type shares within the TV-distance threshold of the targets.")
def distribution_alignment(context: dg.AssetCheckExecutionContext, filtered_dataset: pl.DataFrame, population_targets: dict) -> dg.AssetCheckResult:
    targets = parse_targets(population_targets, source="population_targets")
    limit = float(_settings(context)["tv_threshold"])
    fn = metrics.shares(filtered_dataset, "function")
    ct = metrics.shares(filtered_dataset, "content_type")
    ct_t = metrics.target_content_type_shares(targets)
    tv_fn, tv_ct = metrics.tv_distance(fn, targets.function_shares), metrics.tv_distance(ct, ct_t)
    rows = [(k, round(ct.get(k, 0.0), 4), round(v, 4)) for k, v in ct_t.items()] + [(k, round(fn.get(k, 0.0), 4), round(v, 4)) for k, v in targets.function_shares.items()]
    passed = filtered_dataset.height > 0 and tv_fn <= limit and tv_ct <= limit
    return _result("distribution_alignment", passed, {
        "tv_function": round(tv_fn, 4), "tv_content_type": round(tv_ct, 4), "threshold": limit,
        "shares": dg.MetadataValue.md(md_table(rows, ["name", "share", "target"])),
    })


@dg.asset_check(asset=FILTERED, additional_ins={"population_targets": dg.AssetIn("population_targets")},
                description="Content-type words are spread over start, middle and end of queries (paper 4.3).")
def keyword_position_spread(context: dg.AssetCheckExecutionContext, filtered_dataset: pl.DataFrame, population_targets: dict) -> dg.AssetCheckResult:
    targets = parse_targets(population_targets, source="population_targets")
    spread = metrics.keyword_position_spread(filtered_dataset, targets)
    limit = float(_settings(context)["keyword_spread_tv_max"])
    passed = spread["tv_bins"] is not None and spread["tv_bins"] <= limit
    rows = [(b, round(spread["bins"][b], 4), spread["bins_target"].get(b)) for b in spread["bins"]]
    return _result("keyword_position_spread", passed, {
        "tv_bins": None if spread["tv_bins"] is None else round(spread["tv_bins"], 4), "threshold": limit,
        "presence": round(spread["presence"], 4), "named": spread["named"],
        "bins": dg.MetadataValue.md(md_table(rows, ["bin", "share", "target"])),
    }, severity=dg.AssetCheckSeverity.WARN)
