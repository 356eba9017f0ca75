"""A real materialization of filtered_dataset, filter_rejections, their checks and the quality report."""

from __future__ import annotations

import json

import dagster as dg
import polars as pl
import pytest
import yaml

from assets import filtering as filtering_assets
from assets import quality as quality_assets
from assets.partitions import GENERATION_PARTITIONS
from resources.llm import OpenAICompatibleResource
from resources.storage import PolarsParquetIOManager
from routenator_dagster.cli import main as cli_main
from routenator_dagster.filtering.acceptance import load_acceptance_rates, pending_feedback_path
from routenator_dagster.labels import content_type_slug
from routenator_dagster.quality.summary import SUMMARY_KEYS
from routenator_dagster.schema import SYNTHETIC_SCHEMA
from routenator_dagster.targets import DEFAULT_TARGETS_PATH, load_targets
from tests._filtering_rows import frame, row, target_shaped_rows

CHECK_NAMES = {"no_duplicates", "length_limits_respected", "labels_consistent", "distribution_alignment", "keyword_position_spread"}


@dg.asset(name="synthetic_queries", partitions_def=GENERATION_PARTITIONS)
def synthetic_queries_standin() -> pl.DataFrame:
    raise AssertionError("pre-written by the test")


@dg.asset(name="population_targets")
def population_targets_standin() -> dict:
    raise AssertionError("pre-written by the test")


def write_filter_inputs(total: int = 1500) -> int:
    """Pre-write synthetic_queries (every partition) and population_targets under $RN_HOME, as the
    upstream assets would: rows shaped to the targets plus three planted defects. Returns the row count."""
    targets = load_targets()
    rows = target_shaped_rows(targets, total=total)
    planted = [
        row("zz_mislabel", "elephant pictures", "Search", "Video", "elephant", route="text_llm"),
        row("zz_meta", "Sure! here is a query: koala photos", "Search", "Photo", "koala", route="text_llm"),
        row("zz_gen", "", status="rejected", reject_reason="unparseable_output", route="text_llm", content_type="Photo"),
    ]
    df = frame(rows + planted)
    io = PolarsParquetIOManager()
    n_in = 0
    for key in GENERATION_PARTITIONS.get_partition_keys():
        route, ct = key.keys_by_dimension["route"], key.keys_by_dimension["content_type"]
        part = df.filter((pl.col("route") == route) & (pl.col("content_type").map_elements(content_type_slug, return_dtype=pl.Utf8) == ct))
        n_in += part.height
        path = io._path(dg.AssetKey("synthetic_queries"), str(key), ".parquet")
        path.parent.mkdir(parents=True, exist_ok=True)
        (part if part.height else pl.DataFrame(schema=SYNTHETIC_SCHEMA)).write_parquet(path)
    tp = io._path(dg.AssetKey("population_targets"), None, ".json")
    tp.parent.mkdir(parents=True, exist_ok=True)
    tp.write_text(json.dumps(yaml.safe_load(DEFAULT_TARGETS_PATH.read_text())))
    return n_in


def filter_and_report_defs() -> list:
    return [synthetic_queries_standin, population_targets_standin, *dg.load_assets_from_modules([filtering_assets, quality_assets]),
            *dg.load_asset_checks_from_modules([filtering_assets])]


FILTER_AND_REPORT = dg.AssetSelection.assets("filtered_dataset", "filter_rejections", "dataset_quality_report")


@pytest.fixture(scope="module")
def materialized(tmp_path_factory):
    home = tmp_path_factory.mktemp("rn_home")
    mp = pytest.MonkeyPatch()
    mp.setenv("RN_HOME", str(home))
    n_in = write_filter_inputs()
    result = dg.materialize(
        filter_and_report_defs(), resources={"io_manager": PolarsParquetIOManager(), "judge_llm": OpenAICompatibleResource()},
        selection=FILTER_AND_REPORT,
    )
    yield home, result, n_in
    mp.undo()


def test_materialization_succeeds_and_conserves_rows(materialized):
    home, result, n_in = materialized
    assert result.success
    kept = pl.read_parquet(home / "assets" / "filtered_dataset" / "data.parquet")
    rej = pl.read_parquet(home / "assets" / "filter_rejections" / "data.parquet")
    assert kept.height > 0 and kept.height + rej.height == n_in
    reasons = dict(rej.select("request_id", "reason").iter_rows())
    assert reasons["zz_mislabel"] == "type_word_conflict"
    assert reasons["zz_meta"] == "llm_preamble"
    assert reasons["zz_gen"] == "unparseable_output"
    rates = load_acceptance_rates(pending_feedback_path(home, result.run_id))  # current once the run succeeded
    assert rates is not None and rates["generated"].sum() == n_in


def test_checks_ran_and_were_persisted(materialized):
    home, result, _ = materialized
    evals = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert set(evals) == CHECK_NAMES  # the names the UI shows are the names checks.json and the CLI use
    # The data was built to the targets with distinct words: every check should pass.
    assert all(evals.values()), evals
    saved = json.loads((home / "reports" / "checks.json").read_text())
    assert set(saved) == CHECK_NAMES and all(v["passed"] for v in saved.values())


def test_report_files_and_cli_json(materialized, capsys):
    home, result, _ = materialized
    html = (home / "reports" / "dataset_quality_report.html").read_text()
    # figures 3-6, the route / template-family mix and the rejection reasons
    assert html.count("data:image/png;base64,") == 6
    assert "<details><summary>All figures as JSON" in html
    assert "src=\"http" not in html and "<link" not in html
    figures = result.output_for_node("dataset_quality_report")
    assert {"generated (unfiltered)", "router", "reference"} <= set(figures["variants"])
    assert cli_main(["report", "--json", "--home", str(home)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == set(SUMMARY_KEYS)
    assert out["rows"] == figures["rows"] and set(out["checks"]) == CHECK_NAMES
    assert cli_main(["report", "--home", str(home)]) == 0
    assert "dataset_quality_report.html" in capsys.readouterr().out


def test_report_cli_without_materialization_is_a_clear_error(tmp_path, capsys):
    assert cli_main(["report", "--json", "--home", str(tmp_path)]) == 2
    assert "materialize dataset_quality_report" in capsys.readouterr().err


def test_failing_checks_show_offending_examples(tmp_path, monkeypatch):
    monkeypatch.setenv("RN_HOME", str(tmp_path))
    bad_rows = frame([
        row("b1", "retro sunset poster", prompt="retro sunset poster"),
        row("b2", "Retro sunset poster!", prompt="retro sunset poster"),
        row("b3", " ".join(f"w{i}" for i in range(30)), prompt="w1"),
        row("b4", "elephant pictures", content_type="Video", prompt="elephant"),
    ])

    @dg.asset(name="filtered_dataset")
    def bad_filtered() -> pl.DataFrame:
        return bad_rows

    io = PolarsParquetIOManager()
    tp = io._path(dg.AssetKey("population_targets"), None, ".json")
    tp.parent.mkdir(parents=True, exist_ok=True)
    tp.write_text(json.dumps(yaml.safe_load(DEFAULT_TARGETS_PATH.read_text())))
    checks = dg.load_asset_checks_from_modules([filtering_assets])
    result = dg.materialize([bad_filtered, population_targets_standin, *checks], resources={"io_manager": io},
                            selection=dg.AssetSelection.assets("filtered_dataset"))
    evals = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not evals["no_duplicates"].passed and evals["no_duplicates"].metadata["exact"].value == 1
    assert not evals["length_limits_respected"].passed
    assert "w29" in evals["length_limits_respected"].metadata["examples"].value
    assert not evals["labels_consistent"].passed
    assert "elephant pictures" in evals["labels_consistent"].metadata["examples"].value
    saved = json.loads((tmp_path / "reports" / "checks.json").read_text())
    assert saved["no_duplicates"]["passed"] is False and saved["length_limits_respected"]["violations"] == 1


INLINE_LIMIT = 1000  # the UI renders markdown metadata inline only below this many characters


def test_ui_metadata_is_readable(materialized):
    """Tables and numbers fit inline and are rounded; plots are data-URI images (one click away)."""
    _, result, _ = materialized
    mats = {m.asset_key.to_user_string(): m.metadata for m in (e.materialization for e in result.get_asset_materialization_events())}
    for node in ("filtered_dataset", "filter_rejections", "dataset_quality_report"):
        md = mats[node]
        for label, value in md.items():
            if isinstance(value, dg.FloatMetadataValue):
                assert value.value == round(value.value, 4), (node, label, value.value)
            if isinstance(value, dg.MarkdownMetadataValue) and not label.startswith("plot_") and label != "variant_side_by_side":
                assert len(value.value) < INLINE_LIMIT, (node, label, len(value.value))
    for ev in result.get_asset_check_evaluations():  # the checks' numbers too (they judge by the unrounded ones)
        for label, value in ev.metadata.items():
            if isinstance(value, dg.FloatMetadataValue):
                assert value.value == round(value.value, 4), (ev.check_name, label, value.value)
    report = mats["dataset_quality_report"]
    assert "unfilled_cells" in mats["filtered_dataset"]
    plots = {k for k in report if k.startswith("plot_")}
    assert plots == {"plot_word_counts", "plot_content_types", "plot_keyword_positions", "plot_lengths", "plot_route_mix", "plot_rejections"}
    assert all(report[k].value.startswith(f"![{k[5:]}](data:image/png;base64,") for k in plots)
    mix = report["route_mix"].value
    assert "heuristic" in mix and "| route | family | rows | share |" in mix
    assert "type_word_conflict" in report["rejections_by_reason"].value


def test_unfilled_cells_summary_is_compact():
    cells = [{"function": "Search" if i % 2 else "Generate", "content_type": "Design Asset", "length_bucket": f"b{i}",
              "share": 0.012345678, "target": 100 + i, "available": i, "selected": i, "shortfall": 100} for i in range(30)]
    cells[7]["shortfall"] = 500
    md = filtering_assets.unfilled_cells_md(cells)
    assert md.startswith("**30 cells short by 3400 rows** (of ")
    lines = [ln for ln in md.splitlines() if ln.startswith("| ")]
    assert len(lines) == 11 and lines[0] == "| fn | type | bucket | want | got | short |"
    assert lines[1].startswith("| S | Design Asset | b7 | 107 | 7 | 500 |")  # the largest shortfall first
    assert "_20 more cells_" in md and len(md) < INLINE_LIMIT
    assert filtering_assets.unfilled_cells_md([]) == "every cell filled to its target"


def test_a_reference_sample_replaces_the_search_reference_only(tmp_path):
    from routenator_dagster.quality import html_report, metrics, variants
    from tests.test_quality_metrics import TINY

    sample = tmp_path / "real.txt"
    sample.write_text("cat pics\nbirthday card ideas for my mom\n")
    figures = metrics.compute_figures(TINY, None, load_targets())
    figures["variants"] = variants.compare({"router": TINY}, variants.load_reference(sample), load_targets().reference)
    quality_assets._use_reference_sample(figures, variants.load_reference(sample), str(sample))
    lt = figures["length_targets"]
    assert (lt["Search"]["reference_median"], lt["Search"]["reference_mean"]) == (4.0, 4.0)
    assert lt["Generate"]["reference_median"] is None
    assert f"reference sample {sample} (2 queries)" in html_report.render(figures, {})
