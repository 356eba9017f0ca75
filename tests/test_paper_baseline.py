"""The paper's section-3.1 baseline: its templates and labels, its asset, and its place in the quality report."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
import yaml

from assets import quality as quality_assets
from assets.baselines import paper_baseline_dataset
from resources.storage import PolarsParquetIOManager
from routenator_dagster.catalog_builder import build_seed_catalog
from routenator_dagster.filtering.label_checks import word_grounded
from routenator_dagster.kg_files import read_seed_graph
from routenator_dagster.paper_baseline import (
    ACTION_PHRASES,
    SEARCH_PHRASES,
    TEMPLATE_FOR,
    PaperBaselineError,
    generate_paper_baseline,
)
from routenator_dagster.quality import plots, variants
from routenator_dagster.quality.metrics import shares, tv_distance
from routenator_dagster.schema import SYNTHETIC_SCHEMA
from routenator_dagster.targets import DEFAULT_TARGETS_PATH, load_targets
from tests.test_eval_cli import _filtered

N = 4000


@pytest.fixture(scope="module")
def seed_inputs() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    nodes, edges = read_seed_graph()
    return nodes, edges, build_seed_catalog(nodes, edges, n_assets=800, seed=3)


@pytest.fixture(scope="module")
def baseline(seed_inputs) -> pl.DataFrame:
    nodes, edges, catalog = seed_inputs
    return generate_paper_baseline(nodes, edges, catalog, N, seed=5)


def test_rows_follow_the_three_templates(baseline: pl.DataFrame) -> None:
    assert baseline.schema == pl.Schema(SYNTHETIC_SCHEMA) and baseline.height == N
    assert set(baseline["route"]) == {"paper_3_1"} and set(baseline["status"]) == {"ok"}
    assert set(baseline["template_id"]) == {
        "p31_search_kg", "p31_search_metadata", "p31_generate_title", "p31_generate_design_title", "p31_generate_template_for"}
    for q, fn, tid in baseline.select("query", "function", "template_id").iter_rows():
        if fn == "Search":
            assert tid.startswith("p31_search") and q.startswith(SEARCH_PHRASES), q
        else:
            assert tid.startswith("p31_generate") and q.startswith(ACTION_PHRASES + (TEMPLATE_FOR,)), q
    # Table 1: the heuristic data splits Search/Generate about evenly; no router, no Any class
    assert abs(shares(baseline, "function")["Search"] - 0.5) < 0.04
    assert "Any" not in set(baseline["content_type"])
    # the paper's wrapper "please generate a template for" is only used for templates
    assert set(baseline.filter(pl.col("template_id") == "p31_generate_template_for")["content_type"]) == {"Template"}


def test_content_types_follow_the_catalog(baseline: pl.DataFrame, seed_inputs) -> None:
    nodes, _, catalog = seed_inputs
    search = baseline.filter(pl.col("function") == "Search")
    assert tv_distance(shares(search, "content_type"), shares(catalog, "content_type")) < 0.05
    eligible = catalog.filter((pl.col("content_type") != "Photo") | pl.col("gentech"))
    gen = baseline.filter(pl.col("function") == "Generate")
    assert tv_distance(shares(gen, "content_type"), shares(eligible, "content_type")) < 0.05
    # Generate rows copy the asset's own type and title; photos only from AI-generated assets
    joined = gen.join(catalog.select("asset_id", pl.col("content_type").alias("asset_ct"), "title", "gentech"), on="asset_id")
    assert joined.height == gen.height
    assert (joined["content_type"] == joined["asset_ct"]).all()
    assert joined.filter(pl.col("content_type") == "Photo")["gentech"].all()
    assert (joined["extracted_prompt"] == joined["title"].str.to_lowercase().str.split(" ").list.eval(pl.element().filter(pl.element() != "")).list.join(" ")).all()
    # KG Search: the prompt is intent + design type, and the design type carries the label
    design_ct = dict(nodes.filter(pl.col("label") == "DesignType").select("id", "content_type").iter_rows())
    kg = baseline.filter(pl.col("template_id") == "p31_search_kg")
    assert kg.height > N // 8
    for ct, src in kg.select("content_type", "source_nodes").iter_rows():
        assert src[0].startswith("intent:") and design_ct[src[1]] == ct


def test_extracted_prompts_are_grounded_and_short(baseline: pl.DataFrame) -> None:
    for q, fn, p in baseline.select("query", "function", "extracted_prompt").iter_rows():
        q_words = q.split()
        assert p and all(word_grounded(w, q_words) for w in p.split()), (q, p)
        assert q.endswith(p)  # the subject sits at the template's fixed last slot
        if fn == "Search":
            assert len(p.split()) <= 5, p


def test_deterministic_for_a_seed(seed_inputs, baseline: pl.DataFrame) -> None:
    nodes, edges, catalog = seed_inputs
    again = generate_paper_baseline(nodes, edges, catalog.sample(fraction=1.0, shuffle=True, seed=1), N, seed=5)
    assert again.equals(baseline)  # row order of the catalog does not matter either
    other = generate_paper_baseline(nodes, edges, catalog, 200, seed=6)
    assert other["query"].to_list() != baseline["query"].head(200).to_list()


def test_bad_inputs_are_named(seed_inputs) -> None:
    nodes, edges, catalog = seed_inputs
    with pytest.raises(PaperBaselineError, match="content_catalog: missing column 'gentech'"):
        generate_paper_baseline(nodes, edges, catalog.drop("gentech"), 10, seed=1)
    with pytest.raises(PaperBaselineError, match="no asset with a title"):
        generate_paper_baseline(nodes, edges, catalog.with_columns(pl.lit(" ").alias("title")), 10, seed=1)


@pytest.fixture(scope="module")
def materialized(tmp_path_factory: pytest.TempPathFactory, seed_inputs):
    nodes, edges, catalog = seed_inputs
    home = tmp_path_factory.mktemp("rn_home")
    mp = pytest.MonkeyPatch()
    mp.setenv("RN_HOME", str(home))
    router = _filtered(600)

    @dg.asset(name="kg_snapshot")
    def kg_standin() -> dict[str, pl.DataFrame]:
        return {"nodes": nodes, "edges": edges}

    @dg.asset(name="content_catalog")
    def catalog_standin() -> pl.DataFrame:
        return catalog

    @dg.asset(name="filtered_dataset")
    def filtered_standin() -> pl.DataFrame:
        return router

    @dg.asset(name="population_targets")
    def targets_standin() -> dict:
        return yaml.safe_load(DEFAULT_TARGETS_PATH.read_text())

    io = PolarsParquetIOManager(base_dir=str(home))
    result = dg.materialize([kg_standin, catalog_standin, filtered_standin, targets_standin, paper_baseline_dataset],
                            resources={"io_manager": io})
    yield home, io, result, router
    mp.undo()


def test_asset_materializes_clean_and_router_sized(materialized) -> None:
    _, _, result, router = materialized
    assert result.success
    out = result.output_for_node("paper_baseline_dataset")
    assert out.height == router.height and set(out["route"]) == {"paper_3_1"}
    assert out["query"].str.to_lowercase().n_unique() == out.height  # deduplicated
    meta = result.asset_materializations_for_node("paper_baseline_dataset")[0].metadata
    assert meta["rows"].value == router.height and meta["router_rows"].value == router.height
    assert meta["rejected_rows"].value > 0 and "exact_duplicate" in meta["rejections_by_reason"].value
    assert meta["generated_rows"].value == meta["rejected_rows"].value + router.height + meta["trimmed_to_router_size"].value
    assert "resampling" in meta and "| query |" in meta["sample"].value


def test_quality_report_reads_and_shows_the_baseline(materialized, tmp_path: Path) -> None:
    _, io, result, router = materialized
    loaded = quality_assets._paper_baseline(dg.build_asset_context(resources={"io_manager": io}))
    assert loaded is not None and loaded.height == router.height
    empty = PolarsParquetIOManager(base_dir=str(tmp_path / "nothing"))
    assert quality_assets._paper_baseline(dg.build_asset_context(resources={"io_manager": empty})) is None

    frames = variants.variant_frames(router, loaded)
    assert list(frames) == ["paper_3_1", "heuristic-only", "LLM-only", "router"]
    # without LLM rows the heuristic-only panel would repeat the router's
    assert list(variants.variant_frames(router.filter(pl.col("route") == "heuristic"), loaded)) == ["paper_3_1", "router"]
    table = variants.side_by_side(frames, load_targets())
    header, rows = variants.side_by_side_rows(table)
    assert header[:2] == ["figure", "paper_3_1"]
    figures = {r[0]: dict(zip(header[1:], r[1:])) for r in rows}
    # the baseline has no Any rows; the stand-in router data has some
    assert figures["share Any"]["paper_3_1"] == 0.0 and figures["share Any"]["router"] > 0.0
    assert figures["rows"]["paper_3_1"] == router.height
    images = plots.all_figures(frames, {}, tmp_path / "figs")
    assert all(p.is_file() and p.stat().st_size > 1000 for p in images.values())
    json.dumps(table)  # goes into the JSON report
    # a person reading the HTML report sees the comparison as a table, not only in the JSON dump
    from routenator_dagster.quality import html_report

    page = html_report.render({"variant_side_by_side": table}, {})
    side = page[page.index("Dataset variants side by side"):page.index("All figures")]
    assert "<th>paper_3_1</th>" in side and "<td>share Any</td>" in side


def test_quality_asset_declares_the_baseline_dependency() -> None:
    deps = quality_assets.dataset_quality_report.asset_deps[dg.AssetKey("dataset_quality_report")]
    assert dg.AssetKey("paper_baseline_dataset") in deps
