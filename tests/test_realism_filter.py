"""Realism filter: each kind of row a person would not type is rejected with its reason, natural
rows pass, and the pipeline counts the rejections in filter_rejections."""

from __future__ import annotations

import polars as pl
import pytest

from routenator_dagster.filtering import realism
from routenator_dagster.filtering.pipeline import FilterConfig, filter_dataset
from routenator_dagster.targets import load_targets
from tests._filtering_rows import clean_rows, frame, row

BAD = [
    ("birthday flyer birthday", "Template", "repeated_words"),
    ("wedding cake photos of a wedding cake", "Photo", "repeated_words"),
    ("templates for with balloons", "Template", "dangling_preposition"),
    ("show me some cute photos of", "Photo", "dangling_preposition"),
    ("watercolor style very realistic portrait of a fox", "Photo", "contradictory_styles"),
    ("spooky music for my baby shower", "Audio", "contradictory_styles"),
    ("an instrumental with the lyrics 'hello spring'", "Audio", "contradictory_styles"),
    ("resume layout for a christening", "Template", "contradictory_styles"),
    ("flowers for my birthday flyer", "Photo", "type_contradicts_label"),
    ("something for diwali wallpaper", "Any", "type_contradicts_label"),
    ("a flowers sticker", "Design Asset", "broken_agreement"),
    ("make an poster for the fair", "Template", "broken_agreement"),
]
GOOD = [
    ("a photo of a beach for my instagram post", "Photo"),
    ("banner saying game on for the finals", "Template"),
    ("music festival", "Any"),
    ("cute cat pictures", "Design Asset"),
    ("ig post for my bakery 🎉", "Template"),
    ("a corgi in a chef hat flipping pancakes", "Any"),
    ("an hour long lofi beat", "Audio"),
    ("calm piano no vocals", "Audio"),
    ("minimalist wedding invitation", "Template"),
    ("song for my wedding video", "Audio"),
]


@pytest.mark.parametrize("query,ct,reason", BAD)
def test_each_defect_has_its_reason(query, ct, reason):
    assert realism.realism_reason(query, ct) == reason


@pytest.mark.parametrize("query,ct", GOOD)
def test_natural_rows_pass(query, ct):
    assert realism.realism_reason(query, ct) is None


def test_pipeline_counts_realism_rejections():
    bad = [row(f"r{i:02d}", q, "Generate" if ct == "Audio" else "Search", ct, q) for i, (q, ct, _) in enumerate(BAD)]
    res = filter_dataset(frame(clean_rows(40) + bad), load_targets(), FilterConfig(resample=False))
    got = res.rejections.filter(pl.col("stage") == "realism")
    assert got.height > 0
    assert res.stats["rejected_by_stage"]["realism"] == got.height
    by_id = dict(got.select("request_id", "reason").iter_rows())
    expected = {f"r{i:02d}": reason for i, (_, _, reason) in enumerate(BAD)}
    # every realism rejection carries the reason the row was planted with
    assert by_id and all(expected[rid] == reason for rid, reason in by_id.items())
    assert res.kept.height + res.rejections.height == 40 + len(BAD)
    assert set(res.kept["request_id"]) >= {r["request_id"] for r in clean_rows(40)}


def test_empty_frame():
    assert realism.reason_rows(pl.DataFrame(schema={"_row": pl.Int64, "query": pl.Utf8, "content_type": pl.Utf8})).height == 0
