"""Asset: dataset_quality_report — the paper's section-4 figures for the filtered dataset.

Value: the figures dict. When paper_baseline_dataset has been materialized its rows join the
figures and the `variant_side_by_side` table as the "paper_3_1" variant (the paper's figures 3-6
compare the heuristic data with the router's); it is a non-data dependency so the report still
builds where the baseline is not part of the run. Side files under rn_home()/reports: the standalone HTML report, its PNG
figures, and dataset_quality_report.json (what `routenator report --json` prints).
Metadata: rounded numbers and short tables (inline in the UI) and one `plot_*` data-URI image
per figure (behind the UI's "[Show Markdown]").
"""

import dagster as dg
import polars as pl

from assets.k8s_tags import CPU_LARGE_TAGS
from assets.metadata import image_md, md_table
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
    _use_reference_sample(figures, reference, config.reference_path)
    folder = reports_dir(rn_home())
    context.log.info(f"quality report: {figures['rows']} rows, {len(frames)} variants; plotting")
    images = plots.all_figures(
        frames or {"router": filtered_dataset}, figures["content_type_shares_target"], folder / "figures",
        refs=figures["length_targets"], reference_sample=reference, targets=targets,
        route_mix=figures["route_family_mix"], rejections=filter_rejections,
    )
    html_path = html_report.write(folder / REPORT_HTML, figures, images)
    summary = summary_object(figures, load_checks(rn_home()))
    json_path = save_summary(rn_home(), summary)
    return dg.Output(figures, metadata=_metadata(figures, baseline, images, html_path, json_path))


def _use_reference_sample(figures: dict, reference: pl.DataFrame | None, path: str | None) -> None:
    """A sample of real (search) queries replaces the targets' real-traffic figures for Search."""
    if reference is not None and "Search" in figures["length_targets"]:
        ref = figures["variants"]["reference"]
        figures["length_targets"]["Search"].update(
            reference_median=ref["median"], reference_mean=ref["mean"], reference_source=f"reference sample {path} ({ref['n']} queries)")


def _r(v):
    """Floats to 4 decimals: the UI shows metadata numbers as they are."""
    return round(v, 4) + 0.0 if isinstance(v, float) else v


def _top(rows: list, n: int) -> tuple[list, str]:
    return rows[:n], (f"\n\n_{len(rows) - n} more in the HTML report_" if len(rows) > n else "")


def _metadata(figures: dict, baseline: pl.DataFrame | None, images: dict, html_path, json_path) -> dict:
    """Short values and tables that fit inline (the UI renders markdown under 1,000 characters
    inline; plots are data-URI images, one "[Show Markdown]" click away)."""
    lt, kp = figures["length_targets"], figures["keyword_positions"]
    wc = figures["word_counts"]
    length_rows = [(fn, wc[fn]["n"], _r(wc[fn]["mean"]), _r(wc[fn]["median"]), lt[fn]["reference_median"], lt[fn]["target_median"], _r(lt[fn]["tv_buckets"]))
                   for fn in lt]
    ct, ct_t = figures["content_type_shares"], figures["content_type_shares_target"]
    ct_rows = [(k, _r(ct.get(k, 0.0)), _r(t)) for k, t in ct_t.items()]
    kp_rows = [("named", _r(kp["presence"]), _r(kp["presence_target"]))] + [(b, _r(kp["bins"].get(b)), _r(kp["bins_target"][b])) for b in html_report.bin_order(kp["bins_target"])]
    mix, mix_more = _top([(m["route"], m["template_family"], m["rows"], _r(m["share"])) for m in figures["route_family_mix"]], 12)
    rej, rej_more = _top(sorted(figures["rejected_by_reason"].items(), key=lambda kv: (-kv[1], kv[0])), 12)
    sbs = figures.get("variant_side_by_side", {})
    var_rows = [(name, v["rows"], v["search_share"], v["search_words_median"], v["generate_words_median"], v["keyword_presence"]) for name, v in sbs.items()]
    sbs_header, sbs_rows = variants.side_by_side_rows(sbs)
    return {
        "rows": figures["rows"],
        "rejected_rows": figures["rejected_rows"],
        "tv_function": _r(figures["tv_distance"]["function"]),
        "tv_content_type": _r(figures["tv_distance"]["content_type"]),
        "tv_keyword_position": _r(kp["tv_bins"]),
        "duplicates": figures["duplicates"]["total"],
        "lengths": dg.MetadataValue.md(md_table(length_rows, ["fn", "n", "mean", "median", "real median", "target median", "TV buckets"])),
        "content_types": dg.MetadataValue.md(md_table(ct_rows, ["type", "share", "target"])),
        "keyword_positions": dg.MetadataValue.md(md_table(kp_rows, ["type word", "share", "target"])),
        "route_mix": dg.MetadataValue.md(md_table(mix, ["route", "family", "rows", "share"]) + mix_more),
        "rejections_by_reason": dg.MetadataValue.md(md_table(rej, ["reason", "rows"]) + rej_more),
        "variants": dg.MetadataValue.md(md_table(var_rows, ["variant", "rows", "S share", "S median", "G median", "type named"])),
        "variant_side_by_side": dg.MetadataValue.md(md_table(sbs_rows, sbs_header, limit=100)),
        "paper_baseline_rows": baseline.height if baseline is not None else 0,
        "html_report": dg.MetadataValue.path(str(html_path)),
        "summary_json": dg.MetadataValue.path(str(json_path)),
        **{f"figure_{k}": dg.MetadataValue.path(str(v)) for k, v in images.items()},
        **{f"plot_{k}": dg.MetadataValue.md(image_md(v, k)) for k, v in images.items()},
    }
