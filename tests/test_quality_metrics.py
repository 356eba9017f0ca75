"""Quality metrics against hand-computed values on tiny inputs; the HTML report is self-contained."""

from __future__ import annotations

import base64
from pathlib import Path

import polars as pl
import pytest

from routenator_dagster.labels import type_words_in
from routenator_dagster.quality import html_report, metrics, plots, variants
from routenator_dagster.quality.summary import SUMMARY_KEYS, summary_object
from routenator_dagster.targets import load_targets

TARGETS = load_targets()
TINY = pl.DataFrame({
    "query": ["red flyer photos", "photo of a cat", "a calm video with waves here", "diwali", "make a logo for Priya's shop", "music"],
    "function": ["Search", "Search", "Search", "Search", "Generate", "Generate"],
    "content_type": ["Photo", "Photo", "Video", "Any", "Template", "Audio"],
    "route": ["heuristic", "heuristic", "text_llm", "text_llm", "vision_llm", "heuristic"],
})


def test_word_count_stats_by_hand():
    wc = metrics.word_count_stats(TINY)
    # Search words 3, 4, 6, 1 -> sorted 1 3 4 6; quartiles by linear interpolation: 2.5 and 4.5.
    assert wc["Search"] == {"n": 4, "mean": 3.5, "median": 3.5, "q1": 2.5, "q3": 4.5, "iqr": 2.0, "min": 1, "max": 6}
    assert wc["Generate"]["mean"] == 3.5 and wc["Generate"]["max"] == 6
    assert wc["overall"]["n"] == 6 and wc["overall"]["median"] == 3.5


def test_keyword_positions_by_hand():
    kp = metrics.keyword_positions(TINY)
    # typed multi-word rows: photos at 2/2, photo at 0/3, video at 2/5, the logo query names no type word
    assert sorted(kp["position"].to_list(), key=lambda x: (x is None, x)) == [0.0, 0.4, 1.0, None]
    spread = metrics.keyword_position_spread(TINY, TARGETS)
    assert spread["presence"] == pytest.approx(3 / 4)
    assert spread["bins"] == pytest.approx({"start": 1 / 3, "middle": 1 / 3, "end": 1 / 3})
    assert spread["tv_bins"] == pytest.approx(0.5 * (abs(1 / 3 - 0.34) + 2 * abs(1 / 3 - 0.33)))


@pytest.mark.parametrize("query,ct", [
    ("cute cat clip art for kids", "Design Asset"), ("background texture of wood", "Background"),
    ("birthday sound effects loud", "Audio"), ("sunset photographs over the sea", "Photo"),
])
def test_keyword_position_matches_type_words_in(query, ct):
    start = type_words_in(query)[ct][0][0]
    idx = len(query[:start].split())
    got = metrics.keyword_positions(pl.DataFrame({"query": [query], "content_type": [ct]}))["position"][0]
    assert got == pytest.approx(idx / (len(query.split()) - 1))


def test_tv_distances_by_hand():
    assert metrics.tv_distance({"a": 1.0}, {"b": 1.0}) == 1.0
    assert metrics.tv_distance({"a": 0.5, "b": 0.5}, {"a": 0.5, "b": 0.5}) == 0.0
    figs = metrics.compute_figures(TINY, None, TARGETS)
    assert figs["tv_distance"]["function"] == pytest.approx(0.5 * (abs(4 / 6 - 0.515) + abs(2 / 6 - 0.485)))
    data = {"Photo": 2 / 6, "Video": 1 / 6, "Any": 1 / 6, "Template": 1 / 6, "Audio": 1 / 6}
    target = {"Template": 0.224, "Photo": 0.211, "Audio": 0.043, "Video": 0.041, "Background": 0.043,
              "Design Asset": 0.037, "Text": 0.043, "Any": 0.357}
    target = {k: v / 0.999 for k, v in target.items()}  # the file's shares sum to 0.999; parsing rescales them
    expected = 0.5 * sum(abs(data.get(k, 0.0) - v) for k, v in target.items())
    assert figs["tv_distance"]["content_type"] == pytest.approx(expected)
    assert figs["route_mix"]["heuristic"] == pytest.approx(0.5)


def test_duplicates_and_rejections_by_route():
    df = pl.DataFrame({"query": ["Red Flyer!", "red flyer", "blue poster for a summer party", "blue poster for a summer party today"]})
    d = metrics.duplicates(df)
    assert d["exact"] == 1 and d["near_pairs"] == 1 and d["total"] == 2  # 6/7 Jaccard >= 0.8
    rej = pl.DataFrame({"route": ["heuristic", "heuristic", "text_llm"], "reason": ["too_long", "too_long", "meta_text"]})
    assert metrics.rejections_by_route(rej) == {"heuristic": {"too_long": 2}, "text_llm": {"meta_text": 1}}


def test_summary_object_has_the_cli_keys():
    s = summary_object(metrics.compute_figures(TINY, None, TARGETS), {"no_duplicates": True})
    assert set(s) == set(SUMMARY_KEYS)
    assert s["max_words"] == {"Search": 6, "Generate": 6} and s["median_words"] == {"Search": 3.5, "Generate": 3.5}


def test_html_report_is_self_contained(tmp_path: Path):
    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    img = tmp_path / "f.png"
    img.write_bytes(png)
    out = html_report.write(tmp_path / "r.html", metrics.compute_figures(TINY, None, TARGETS), {"fig": img})
    text = out.read_text()
    assert base64.b64encode(png).decode() in text
    assert "src=\"http" not in text and "f.png" not in text


def test_reference_sample_loading(tmp_path: Path):
    p = tmp_path / "ref.jsonl"
    p.write_text('{"query": "cat pics"}\n\n{"query": "a very long query about my dog"}\n')
    ref = variants.load_reference(p)
    cmp = variants.compare({"router": TINY}, ref, TARGETS.reference)
    assert cmp["reference"] == {"source": "sample", "mean": 4.5, "median": 4.5, "n": 2}
    assert variants.compare({}, None, TARGETS.reference)["reference"]["mean"] == 7.0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "ok"}\n{"q": 1}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl, line 2"):
        variants.load_reference(bad)


def _median_of(shares: dict[int, float]) -> float:
    total = 0.0
    for w in sorted(shares):
        total += shares[w]
        if total >= 0.5 - 1e-9:
            return float(w)
    raise AssertionError("shares do not sum to 1")


def test_length_targets_compare_each_function_with_its_own():
    lt = metrics.compute_figures(TINY, None, TARGETS)["length_targets"]
    buckets = {f"{b.min_words}-{b.max_words}": b.share for b in TARGETS.length_buckets["Search"]}
    # Search words 3, 4, 6, 1: shares per bucket of the targets, and the TV distance to them
    observed = {"1-2": 0.25, "3-4": 0.5, "5-7": 0.25, "8-10": 0.0, "11-25": 0.0}
    assert set(buckets) == set(observed) and lt["Search"]["bucket_shares"] == observed
    assert lt["Search"]["tv_buckets"] == pytest.approx(0.5 * sum(abs(observed[k] - v) for k, v in buckets.items()), abs=1e-3)
    # each bucket's share spread evenly over its words; the median is where that curve crosses one half
    words = metrics.target_word_shares(TARGETS, "Search")
    first = TARGETS.length_buckets["Search"][0]
    assert words[1] == pytest.approx(first.share / (first.max_words - first.min_words + 1))
    assert sum(words.values()) == pytest.approx(1.0)
    for fn in ("Search", "Generate"):
        assert lt[fn]["target_median"] == _median_of(metrics.target_word_shares(TARGETS, fn))
    # the real-traffic reference describes search traffic: Search gets it, Generate does not
    assert (lt["Search"]["reference_median"], lt["Search"]["reference_mean"]) == (4.0, 7.0)
    assert lt["Generate"]["reference_median"] is None and lt["Generate"]["reference_source"] is None


def test_word_count_marks_sit_on_their_own_box_only():
    refs = metrics.length_targets(TINY, TARGETS)
    marks = plots.box_marks(plots._function_box_data(TINY), refs)
    s_med, g_med = refs["Search"]["target_median"], refs["Generate"]["target_median"]
    assert sorted(marks) == sorted([(4.0, 0.65, 1.35, "reference_median"), (s_med, 0.65, 1.35, "target_median"),
                                    (g_med, 1.65, 2.35, "target_median")])
    real = pl.DataFrame({"query": ["cat pics", "dog"], "function": ["Search", "Search"]})  # a reference sample: Search only
    assert {m[3] for m in plots.box_marks(plots._function_box_data(real), refs)} == {"reference_median", "target_median"}
    assert all(m[2] <= 1.35 for m in plots.box_marks(plots._function_box_data(real), refs))


def test_keyword_target_per_decile_and_route_family_mix():
    per = plots.keyword_target_per_decile(TARGETS)
    assert per == pytest.approx([0.17, 0.17] + [0.055] * 6 + [0.165, 0.165])
    mix = metrics.route_family_mix(TINY.with_columns(pl.Series("template_family", ["length", "api", "length", "length", "media", "length"])))
    assert [(m["route"], m["template_family"], m["rows"]) for m in mix] == [
        ("heuristic", "length", 2), ("text_llm", "length", 2), ("heuristic", "api", 1), ("vision_llm", "media", 1)]  # ties by name
    assert mix[0]["share"] == pytest.approx(2 / 6)
    assert metrics.route_family_mix(TINY)[0] == {"route": "heuristic", "template_family": "(none)", "rows": 3, "share": 0.5}


def test_html_report_reads_like_against_like(tmp_path: Path):
    rej = pl.DataFrame({"route": ["heuristic", "text_llm", "text_llm"], "reason": ["too_long", "meta_text", "meta_text"],
                        "stage": ["length", "language", "language"]})
    figs = metrics.compute_figures(TINY, rej, TARGETS)
    page = html_report.render(figs, {})
    words = page[page.index("<h2>Words per query"):page.index("<h2>Content types")]
    # Search's row carries the real-traffic reference; Generate's row has none
    assert "<td>Search</td><td>4</td><td>3.5</td><td>3.5</td><td>2</td><td>6</td><td>7</td><td>4</td>" in words
    assert "<td>Generate</td><td>2</td><td>3.5</td><td>3.5</td><td>2.5</td><td>6</td><td>–</td><td>–</td>" in words
    assert "Search length buckets" in words and "Generate length buckets" in words
    rejections = page[page.index("<h2>Rejections"):]
    assert rejections.index("<td>meta_text</td><td>2</td><td>0.6667</td>") < rejections.index("<td>too_long</td>")
    assert "<h2>Route and template-family mix" in page and "<details><summary>All figures as JSON" in page
    assert "0.6666666" not in page[:page.index("<details>")]  # numbers rounded to 4 digits outside the raw dump
    images = plots.all_figures({"router": TINY}, figs["content_type_shares_target"], tmp_path, refs=figs["length_targets"],
                               targets=TARGETS, route_mix=figs["route_family_mix"], rejections=rej)
    assert set(images) == {"word_counts", "content_types", "keyword_positions", "lengths", "route_mix", "rejections"}
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in images.values())
