"""Stratified resampling to the targets, acceptance-rate feedback, and the language filters' edges."""

from __future__ import annotations

import polars as pl
import pytest

from routenator_dagster.filtering import FilterConfig, filter_dataset, language, normalize
from routenator_dagster.filtering.acceptance import acceptance_rates, load_acceptance_rates, save_acceptance_rates
from routenator_dagster.quality import metrics
from routenator_dagster.targets import load_targets
from tests._filtering_rows import frame, target_shaped_rows

TARGETS = load_targets()


@pytest.fixture(scope="module")
def skewed():
    """Target-shaped rows plus a surplus of Search/Photo rows the resampler must trim."""
    rows = target_shaped_rows(TARGETS, total=1200, seed=1)
    extra = target_shaped_rows(TARGETS, total=3000, seed=2)
    extra = [dict(r, request_id="x" + r["request_id"]) for r in extra if r["function"] == "Search" and r["content_type"] == "Photo"]
    return frame(rows + extra)


def test_resample_aligns_shares_to_targets(skewed):
    before = metrics.tv_distance(metrics.shares(skewed, "content_type"), metrics.target_content_type_shares(TARGETS))
    res = filter_dataset(skewed, TARGETS, FilterConfig(resample_seed=1))
    after_ct = metrics.tv_distance(metrics.shares(res.kept, "content_type"), metrics.target_content_type_shares(TARGETS))
    after_fn = metrics.tv_distance(metrics.shares(res.kept, "function"), TARGETS.function_shares)
    assert before > 0.05 and after_ct <= 0.02 and after_fn <= 0.02
    assert res.stats["rejected_by_reason"]["over_target_share"] > 0


def test_resample_is_deterministic_per_seed_and_reports_unfilled_cells(skewed):
    no_audio = skewed.filter(~((pl.col("content_type") == "Audio") & (pl.col("function") == "Generate")))
    a = filter_dataset(no_audio, TARGETS, FilterConfig(resample_seed=1))
    b = filter_dataset(no_audio, TARGETS, FilterConfig(resample_seed=1))
    c = filter_dataset(no_audio, TARGETS, FilterConfig(resample_seed=2))
    assert a.kept["request_id"].to_list() == b.kept["request_id"].to_list()
    assert a.kept["request_id"].to_list() != c.kept["request_id"].to_list()
    unfilled = {(u["function"], u["content_type"]) for u in a.stats["unfilled_cells"]}
    assert ("Generate", "Audio") in unfilled


def test_acceptance_rates_by_hand(tmp_path):
    gen = pl.DataFrame({"function": ["Search"] * 4 + ["Generate"] * 2, "content_type": ["Photo"] * 6,
                        "length_bucket": ["s_1_2"] * 4 + ["g_3_8"] * 2, "route": ["heuristic"] * 6, "request_id": list("abcdef")})
    acc = gen.filter(pl.col("request_id").is_in(["a", "b", "c"]))
    rates = acceptance_rates(gen, acc)
    assert rates.select("function", "generated", "accepted", "rate").rows() == [("Generate", 2, 0, 0.0), ("Search", 4, 3, 0.75)]
    path = save_acceptance_rates(rates, tmp_path / "feedback" / "acceptance_rates.parquet")
    assert load_acceptance_rates(path).equals(rates)
    assert load_acceptance_rates(tmp_path / "nothing.parquet") is None


def test_filter_run_acceptance_counts_quality_drops_not_resampling(skewed):
    res = filter_dataset(skewed, TARGETS, FilterConfig())
    assert res.acceptance["generated"].sum() == skewed.height
    quality_drops = res.rejections.filter(pl.col("stage") != "resample").height
    assert res.acceptance["accepted"].sum() == skewed.height - quality_drops


@pytest.mark.parametrize("query,reason", [
    ("Okay, here you go: beach photos", "llm_preamble"),
    ("beach photos (summer", "truncated"),
    ("beach photos...", "truncated"),
    ("sunset sunset sunset sunset sunset sunset", "repeated_tokens"),
    ("schöne bilder von der see und dem strand", "non_english"),
    ("photos https://example.org/x", "link"),
])
def test_language_reasons(query, reason):
    df = normalize.add_text_columns(pl.DataFrame({"query": [query], "extracted_prompt": ["x"]}))
    assert df.select(language.reason_expr())[0, 0] == reason


@pytest.mark.parametrize("query", [
    "very very cute kitten", "café menu template", "bye bye party banner", "a poster for Tom's 40th birthday",
    "logo with the text \"Open Late\"", "T-shirt design with a tiger", "menu saying game on", "a banana rolling in",
])
def test_language_keeps_realistic_queries(query):
    df = normalize.add_text_columns(pl.DataFrame({"query": [query], "extracted_prompt": ["x"]}))
    assert df.select(language.reason_expr())[0, 0] is None


def test_a_scarce_length_bucket_borrows_from_its_group_instead_of_shrinking_the_dataset(skewed):
    full = filter_dataset(skewed, TARGETS, FilterConfig())
    scarce_cell = (pl.col("function") == "Search") & (pl.col("content_type") == "Any") & (pl.col("query").str.count_matches(r"\S+") <= 2)
    keep_few = skewed.filter(~scarce_cell | (pl.col("request_id").str.ends_with("1")))
    res = filter_dataset(keep_few, TARGETS, FilterConfig())
    assert res.kept.height >= 0.85 * full.kept.height
    assert metrics.tv_distance(metrics.shares(res.kept, "content_type"), metrics.target_content_type_shares(TARGETS)) <= 0.02
    short = {(u["function"], u["content_type"], u["length_bucket"]) for u in res.stats["unfilled_cells"]}
    assert ("Search", "Any", "s_1_2") in short
    any_search = res.kept.filter((pl.col("function") == "Search") & (pl.col("content_type") == "Any")).height
    assert any_search / res.kept.height == pytest.approx(TARGETS.function_shares["Search"] * TARGETS.content_type_shares["Search"]["Any"], abs=0.02)
