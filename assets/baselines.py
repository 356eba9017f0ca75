"""Assets: dataset baselines the router is compared against.

`paper_baseline_dataset` is the paper's section-3.1 heuristic data (templates over KG paths and
catalog metadata, no router), as large as the router's filtered_dataset and cleaned by the same
filtering pipeline. Resampling to the population targets is OFF here: the baseline keeps its own
distribution (the catalog's content-type mix, a coin-flip function split), which is the point of
comparing against it.
"""


from typing import Any

import dagster as dg
import polars as pl
from pydantic import Field

from assets.k8s_tags import CPU_LARGE_TAGS
from assets.metadata import md_table
from routenator_dagster.filtering import FilterConfig, filter_dataset
from routenator_dagster.paper_baseline import generate_paper_baseline
from routenator_dagster.targets import parse_targets


class PaperBaselineConfig(dg.Config):
    seed: int = 31
    oversample: float = Field(default=2.5, description="rows generated per wanted row; filtering drops duplicates")
    near_dup_threshold: float = 0.8


@dg.asset(
    group_name="evaluation",
    kinds={"polars"},
    op_tags=CPU_LARGE_TAGS,
    description=(
        "The paper's section-3.1 heuristic dataset without the router (route paper_3_1): search "
        "phrases over KG intent + design-type paths and catalog titles/keywords, action verbs over "
        "catalog design types and titles. Same size as filtered_dataset, cleaned and deduplicated by "
        "the same filters, NOT resampled to the targets. The reference variant of variant_comparison."
    ),
)
def paper_baseline_dataset(
    context: dg.AssetExecutionContext,
    config: PaperBaselineConfig,
    kg_snapshot: dict[str, pl.DataFrame],
    content_catalog: pl.DataFrame,
    filtered_dataset: pl.DataFrame,
    population_targets: dict[str, Any],
) -> dg.Output[pl.DataFrame]:
    n = filtered_dataset.height
    n_gen = max(n, int(round(n * config.oversample)))
    context.log.info(f"paper 3.1 baseline: generating {n_gen} rows for {n} wanted (seed {config.seed})")
    raw = generate_paper_baseline(kg_snapshot["nodes"], kg_snapshot["edges"], content_catalog, n_gen, config.seed)
    targets = parse_targets(population_targets, source="population_targets")
    cfg = FilterConfig(near_dup_threshold=config.near_dup_threshold, resample=False)
    result = filter_dataset(raw, targets, cfg, logger=context.log)
    kept = result.kept
    trimmed = max(0, kept.height - n)
    if trimmed:  # equal size with the router data; a uniform cut keeps the baseline's own mix
        kept = kept.sample(n=n, seed=config.seed).sort("request_id")
    if kept.height < n:
        context.log.warning(f"paper 3.1 baseline: {kept.height} clean rows, fewer than the {n} wanted; raise oversample")
    sample = kept.sample(n=min(12, kept.height), seed=config.seed) if kept.height else kept
    return dg.Output(
        kept,
        metadata={
            "rows": kept.height,
            "router_rows": n,
            "generated_rows": raw.height,
            "rejected_rows": result.stats["rejected_rows"],
            "trimmed_to_router_size": trimmed,
            "resampling": "off (the baseline keeps its own distribution)",
            "rejections_by_reason": dg.MetadataValue.md(
                md_table(sorted(result.stats["rejected_by_reason"].items()), ["reason", "rows"])
            ),
            "rows_by_template": dg.MetadataValue.md(md_table(sorted(kept.group_by("template_id").len().iter_rows()), ["template", "rows"])),
            "rows_by_function": dg.MetadataValue.md(md_table(sorted(kept.group_by("function").len().iter_rows()), ["function", "rows"])),
            "rows_by_content_type": dg.MetadataValue.md(
                md_table(sorted(kept.group_by("content_type").len().iter_rows()), ["content type", "rows"])
            ),
            "sample": dg.MetadataValue.md(
                md_table(list(sample.select("query", "function", "content_type", "extracted_prompt").iter_rows()),
                         ["query", "function", "content_type", "extracted_prompt"])
            ),
        },
    )
