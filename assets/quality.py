"""Asset: dataset_quality_report — the paper's section-4 figures for the filtered dataset.

Value: the figures dict. Side files under rn_home()/reports: the standalone HTML report, its PNG
figures, and dataset_quality_report.json (what `routenator report --json` prints).
"""

import base64

import dagster as dg
import polars as pl

from assets.filtering import md_table
from assets.k8s_tags import CPU_LARGE_TAGS
from routenator_dagster.filtering.pipeline import combine
from routenator_dagster.paths import rn_home
from routenator_dagster.quality import html_report, metrics, plots, variants
from routenator_dagster.quality.summary import REPORT_HTML, load_checks, reports_dir, save_summary, summary_object
from routenator_dagster.targets import parse_targets


class QualityReportConfig(dg.Config):
    reference_path: str | None = None  # real queries: text (one per line) or JSONL with "query"


@dg.asset(
    group_name="quality",
    op_tags=CPU_LARGE_TAGS,
    description="Word counts, content types, keyword positions, alignment to targets and rejections, with plots and an HTML report.",
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
    frames = variants.variant_frames(filtered_dataset)
    generated = combine(synthetic_queries if isinstance(synthetic_queries, dict) else {"all": synthetic_queries})
    generated = generated.filter(pl.col("status").fill_null("ok") == "ok")
    if generated.height:
        frames = {"generated (unfiltered)": generated, **frames}
    reference = variants.load_reference(config.reference_path) if config.reference_path else None
    figures["variants"] = variants.compare(frames, reference, targets.reference)
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
            "rejections_by_reason": dg.MetadataValue.md(md_table(sorted(figures["rejected_by_reason"].items()), ["reason", "rows"])),
            "html_report": dg.MetadataValue.path(str(html_path)),
            "summary_json": dg.MetadataValue.path(str(json_path)),
            **{f"figure_{k}": dg.MetadataValue.path(str(v)) for k, v in images.items()},
            "plots": dg.MetadataValue.md("\n\n".join(
                f"**{k}**\n\n![{k}](data:image/png;base64,{base64.b64encode(v.read_bytes()).decode('ascii')})" for k, v in images.items()
            )),
        },
    )
