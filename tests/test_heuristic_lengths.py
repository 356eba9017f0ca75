"""Heuristic word counts follow the curve in heuristic_targets.yaml without spikes at bucket
edges, and in every length range the less common function keeps its least share."""

from __future__ import annotations

from collections import Counter

import polars as pl
import pytest

from routenator_dagster.batching import build_batches
from routenator_dagster.catalog_builder import build_seed_catalog
from routenator_dagster.generation_context import GenerationContext
from routenator_dagster.kg_files import read_seed_graph
from routenator_dagster.router import build_routing_plan
from routenator_dagster.routes import heuristic_targets as HT
from routenator_dagster.routes.heuristic import run_heuristic_batch
from routenator_dagster.targets import load_targets

N = 20_000


@pytest.fixture(scope="module")
def ok():
    targets = load_targets()
    nodes, edges = read_seed_graph()
    ctx = GenerationContext.from_tables(nodes, edges, build_seed_catalog(nodes, edges)).with_keyword_targets(
        targets.keyword_presence, targets.keyword_positions)
    plan, _ = build_routing_plan(targets, N, {"heuristic": 1.0}, {"heuristic"}, seed=23)
    out = run_heuristic_batch(build_batches(plan, ctx, seed=23, targets=targets), ctx, workers=1)
    return out.filter(pl.col("status") == "ok").with_columns(n=pl.col("query").str.split(" ").list.len())


def test_no_spikes_inside_each_functions_body(ok):
    for fn in ("Search", "Generate"):
        counts = Counter(ok.filter(pl.col("function") == fn)["n"].to_list())
        total = sum(counts.values())
        body = [n for n in sorted(counts) if counts[n] >= 0.01 * total]
        assert len(body) >= 10, (fn, body)
        for a, b in zip(body, body[1:]):
            if b == a + 1:
                hi, lo = max(counts[a], counts[b]), min(counts[a], counts[b])
                assert hi <= 2 * lo, (fn, a, counts[a], b, counts[b])


def test_minority_function_share_in_every_length_range(ok):
    curve = HT.load()
    assert curve.minority_bins and curve.minority_share >= 0.15
    for lo, hi in curve.minority_bins:
        rows = ok.filter(pl.col("n").is_between(lo, hi))
        search = rows.filter(pl.col("function") == "Search").height
        share = min(search, rows.height - search) / rows.height
        assert share >= curve.minority_share, (lo, hi, share)


def test_short_one_offs_and_long_generic_searches_exist(ok):
    short_gen = ok.filter((pl.col("function") == "Generate") & (pl.col("n") <= 4))
    assert short_gen.height > 0.05 * ok.filter(pl.col("function") == "Generate").height
    # one-off marks: a name's possessive, quoted wording, a price or a date
    marked = short_gen["query"].str.contains(r"'s\b|\"|\$|\d|%|\bfor [A-Za-z]+$")
    assert marked.mean() > 0.6
    long_search = ok.filter((pl.col("function") == "Search") & (pl.col("n") >= 11))
    assert long_search.height > 0.08 * ok.filter(pl.col("function") == "Search").height


def test_population_bucket_shares_are_the_curve_sums():
    curve, targets = HT.load(), load_targets()
    for fn, buckets in targets.length_buckets.items():
        for b in buckets:
            assert curve.length_share(fn, b.min_words, b.max_words) == pytest.approx(b.share, abs=0.003), (fn, b.name)


def test_bad_targets_name_the_field(tmp_path):
    with pytest.raises(HT.HeuristicTargetsError, match=r"word_counts\.Search\.0"):
        HT.parse({"word_counts": {"Search": {0: 1.0}}}, "x.yaml")
    with pytest.raises(HT.HeuristicTargetsError, match=r"surface: unknown keys \['emojis'\]"):
        HT.parse({"word_counts": {"Search": {1: 1.0}}, "surface": {"emojis": 0.1}}, "x.yaml")
    with pytest.raises(HT.HeuristicTargetsError, match=r"minority\.min_share"):
        HT.parse({"word_counts": {"Search": {1: 1.0}}, "minority": {"min_share": 0.9}}, "x.yaml")
    bad = tmp_path / "t.yaml"
    bad.write_text("word_counts: [", encoding="utf-8")
    with pytest.raises(HT.HeuristicTargetsError, match="t.yaml: not valid YAML"):
        HT.load(bad)
