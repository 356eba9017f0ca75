"""Asset: dataset_quality_report — the paper's section-4 figures for the filtered dataset.

Value: the figures dict. When paper_baseline_dataset has been materialized its rows join the
figures and the `variant_side_by_side` table as the "paper_3_1" variant (the paper's figures 3-6
compare the heuristic data with the router's); it is a non-data dependency so the report still
builds where the baseline is not part of the run. Side files under rn_home()/reports: the standalone HTML report, its PNG
figures, and dataset_quality_report.json (what `routenator report --json` prints).
"""

import base64

import dagster as dg
import polars as pl

from assets.k8s_tags import CPU_LARGE_TAGS
from assets.metadata import md_table
from routenator_dagster.filtering.pipeline import combine
from routenator_dagster.paths import rn_home
from routenator_dagster.quality import html_report, metrics, plots, variants
from routenator_dagster.quality.summary import REPORT_HTML, load_checks, reports_dir, save_summary, summary_object
from routenator_dagster.targets import parse_targets


PAPER_BASELINE_KEY = dg.AssetKey("paper_baseline_dataset")


def _paper_baseline(context: dg.AssetExecutionContext) -> pl.DataFrame | None:
    """The materialized paper 3.1 baseline through the run's IO manager, or None when absent."""
    try:
        value = context.resources.io_manager.load_input(dg.build_input_context(asset_key=PAPER_BASELINE_KEY))
    except FileNotFoundError:
        context.log.info("paper_baseline_dataset not materialized: the report compares the router's own variants only")
        return None
    return value if isinstance(value, pl.DataFrame) and value.height else None


class QualityReportConfig(dg.Config):
    reference_path: str | None = None  # real queries: text (one per line) or JSONL with "query"


@dg.asset(
    group_name="quality",
    op_tags=CPU_LARGE_TAGS,
    deps=[PAPER_BASELINE_KEY],
    required_resource_keys={"io_manager"},
    description="Word counts, content types, keyword positions, alignment to targets and rejections, with plots and an HTML report; the paper's 3.1 baseline side by side with the router data.",
)
def dataset_quality_report(
    context: dg.AssetExecutionContext,
    config: QualityReportConfig,
    filtered_dataset: pl.DataFrame,
    filter_rejections: pl.DataFrame,
    population_targets: dict,
    synthetic_queries: dict[str, pl.DataFrame],
) -> dg.Output:
    targets = parse_targets(population_targets, source="population_targets")
    figures = metrics.compute_figures(filtered_dataset, filter_rejections, targets)
    baseline = _paper_baseline(context)
    frames = variants.variant_frames(filtered_dataset, baseline)
    generated = combine(synthetic_queries if isinstance(synthetic_queries, dict) else {"all": synthetic_queries})
    generated = generated.filter(pl.col("status").fill_null("ok") == "ok")
    if generated.height:
        frames = {"generated (unfiltered)": generated, **frames}
    reference = variants.load_reference(config.reference_path) if config.reference_path else None
    figures["variants"] = variants.compare(frames, reference, targets.reference)
    labelled = {k: v for k, v in frames.items() if k != "generated (unfiltered)"}
    figures["variant_side_by_side"] = variants.side_by_side(labelled, targets)
    sbs_header, sbs_rows = variants.side_by_side_rows(figures["variant_side_by_side"])
    folder = reports_dir(rn_home())
    context.log.info(f"quality report: {figures['rows']} rows, {len(frames)} variants; plotting")
    images = plots.all_figures(frames or {"router": filtered_dataset}, figures["content_type_shares_target"], folder / "figures", figures["variants"]["reference"], reference)
    html_path = html_report.write(folder / REPORT_HTML, figures, images)
    summary = summary_object(figures, load_checks(rn_home()))
    json_path = save_summary(rn_home(), summary)
    wc_rows = [(k, s["n"], s["mean"], s["median"], s["iqr"], s["max"]) for k, s in figures["word_counts"].items()]
    var_rows = [(k, v.get("overall", v).get("mean"), v.get("overall", v).get("median")) for k, v in figures["variants"].items()]
    return dg.Output(
        figures,
        metadata={
            "rows": figures["rows"],
            "tv_function": figures["tv_distance"]["function"],
            "tv_content_type": figures["tv_distance"]["content_type"],
            "duplicates": figures["duplicates"]["total"],
            "word_counts": dg.MetadataValue.md(md_table(wc_rows, ["function", "n", "mean", "median", "iqr", "max"])),
            "variants": dg.MetadataValue.md(md_table(var_rows, ["variant", "mean words", "median words"])),
            "variant_side_by_side": dg.MetadataValue.md(md_table(sbs_rows, sbs_header, limit=100)),
            "paper_baseline_rows": baseline.height if baseline is not None else 0,
            "rejections_by_reason": dg.MetadataValue.md(md_table(sorted(figures["rejected_by_reason"].items()), ["reason", "rows"])),
            "html_report": dg.MetadataValue.path(str(html_path)),
            "summary_json": dg.MetadataValue.path(str(json_path)),
            **{f"figure_{k}": dg.MetadataValue.path(str(v)) for k, v in images.items()},
            "plots": dg.MetadataValue.md("\n\n".join(
                f"**{k}**\n\n![{k}](data:image/png;base64,{base64.b64encode(v.read_bytes()).decode('ascii')})" for k, v in images.items()
            )),
        },
    )
