"""filter_dataset on a dataset with planted defects: each is found with the right reason, clean rows survive."""

from __future__ import annotations

import polars as pl
import pytest

from routenator_dagster.filtering import FilterConfig, filter_dataset
from routenator_dagster.targets import load_targets
from tests._filtering_rows import clean_rows, frame, row

TARGETS = load_targets()
NO_RESAMPLE = FilterConfig(resample=False)

# request_id -> (row, expected stage, expected reason)
PLANTED = {
    "p_gen": (row("p_gen", "", status="rejected", reject_reason="llm_unparseable"), "generation", "llm_unparseable"),
    "p_empty": (row("p_empty", "   "), "normalize", "empty_query"),
    "p_badfn": (row("p_badfn", "tiger photos", function="Find"), "normalize", "invalid_function"),
    "p_sure": (row("p_sure", "Sure! tiger photos", prompt="tiger"), "language", "llm_preamble"),
    "p_here": (row("p_here", "Here is a search query: lion photos", prompt="lion"), "language", "llm_preamble"),
    "p_ai": (row("p_ai", "as an AI I picked giraffe photos", prompt="giraffe"), "language", "meta_text"),
    "p_quote": (row("p_quote", '"zebra photos"', prompt="zebra"), "language", "wrapping_quotes"),
    "p_link": (row("p_link", "panda photos www.pandas.com", prompt="panda"), "language", "link"),
    "p_tag": (row("p_tag", "koala photos #cute", prompt="koala"), "language", "hashtag"),
    "p_emoji": (row("p_emoji", "party photos \U0001F389\U0001F389\U0001F38A", prompt="party"), "language", "emoji_run"),
    "p_trunc": (row("p_trunc", "a poster of a red fox with", prompt="red fox"), "language", "truncated"),
    "p_repeat": (row("p_repeat", "otter otter otter photos", prompt="otter"), "language", "repeated_tokens"),
    "p_spanish": (row("p_spanish", "fotos de un perro para la playa", prompt="perro playa"), "language", "non_english"),
    "p_cyrillic": (row("p_cyrillic", "фотографии кошек", prompt="кошек"), "language", "non_english"),
    "p_long": (row("p_long", " ".join(f"w{i}" for i in range(30)), prompt="w1"), "length", "too_long"),
    "p_short_gen": (row("p_short_gen", "logo", function="Generate", content_type="Template"), "length", "too_short"),
    "p_noprompt": (row("p_noprompt", "hedgehog photos", prompt=""), "label", "empty_prompt"),
    "p_mislabel": (row("p_mislabel", "elephant pictures", content_type="Video", prompt="elephant"), "label", "type_word_conflict"),
    "p_please": (row("p_please", "can you find unboxing video please", content_type="Any", prompt="unboxing video"), "label", "type_word_conflict"),
    "p_phrase": (row("p_phrase", "birthday sound effects", content_type="Video", prompt="birthday"), "label", "type_word_conflict"),
    "p_audio": (row("p_audio", "jazz pictures", content_type="Audio", prompt="jazz"), "label", "type_word_conflict"),
    "p_bg": (row("p_bg", "ocean photo", content_type="Background", prompt="ocean"), "label", "type_word_conflict"),
    "p_any": (row("p_any", "diwali images", content_type="Any", prompt="diwali"), "label", "type_word_conflict"),
    "p_ungrounded": (row("p_ungrounded", "walrus photos", prompt="penguin"), "label", "prompt_not_grounded"),
    "p_searchlong": (row("p_searchlong", "photos of a big brown bear eating red salmon in a cold river",
                         prompt="big brown bear eating red salmon cold river"), "label", "function_length_mismatch"),
    "p_dup": (row("p_dup", "Watercolor  Elephant Photos!", prompt="watercolor elephant"), "exact_dedup", "exact_duplicate"),
    "p_near": (row("p_near", "watercolor sunset beach photos today", prompt="watercolor sunset beach"), "near_dedup", "near_duplicate"),
}
# Rows that look suspicious but are legitimate: they must survive.
LEGIT = [
    row("l_two_types", "a photo of a beach for my instagram post", prompt="beach"),
    row("l_under", "something to play under my video", content_type="Audio", prompt="something play"),
    row("l_music", "music for my video", content_type="Audio", prompt="music"),
    row("l_festival", "need music festival when you can", content_type="Any", prompt="music festival"),
    row("l_call", "a raccoon joining a video call asap", function="Generate", content_type="Photo", prompt="raccoon joining a video call",
        length_bucket="g_3_8"),
    row("l_sheet", "sticker sheet for Arjun's Pizzeria pls", function="Generate", content_type="Template",
        prompt="sticker sheet for Arjun's Pizzeria", length_bucket="g_3_8"),
    row("l_behind", "an image to put behind my slides", content_type="Background", prompt="slides"),
    row("l_graphic", "cute cat pictures", content_type="Design Asset", prompt="cute cat"),
    row("l_typo", "elepahnt photos", prompt="elephant"),
    row("l_plural", "puppies photos", prompt="puppy"),
    row("l_any", "diwali", content_type="Any", prompt="diwali"),
    row("l_name", "logo for Priya's Plant Shop with green leaves", function="Generate", content_type="Template",
        prompt="logo for Priya's Plant Shop with green leaves", length_bucket="g_3_8"),
]


@pytest.fixture(scope="module")
def result():
    clean = clean_rows(200)
    planted = [v[0] for v in PLANTED.values()]
    return clean, filter_dataset(frame(clean + planted + LEGIT), TARGETS, NO_RESAMPLE)


def test_every_planted_defect_is_rejected_with_its_reason(result):
    _, res = result
    rej = {r["request_id"]: (r["stage"], r["reason"]) for r in res.rejections.iter_rows(named=True)}
    for rid, (_, stage, reason) in PLANTED.items():
        assert rej.get(rid) == (stage, reason), rid


def test_clean_and_legit_rows_survive(result):
    clean, res = result
    kept = set(res.kept["request_id"])
    missing = {r["request_id"] for r in clean + LEGIT} - kept
    assert not missing, res.rejections.filter(pl.col("request_id").is_in(list(missing))).select("request_id", "query", "reason").rows()


def test_kept_plus_rejected_is_input_and_survivor_is_smallest_id(result):
    clean, res = result
    n = len(clean) + len(PLANTED) + len(LEGIT)
    assert res.kept.height + res.rejections.height == n
    assert set(res.kept["request_id"]).isdisjoint(res.rejections["request_id"])
    assert res.stats["rejected_by_stage"]["exact_dedup"] == 1
    # p_dup duplicates clean row c00000 ("watercolor elephant photos"): the smaller id survives.
    assert "c00000" not in set(res.rejections["request_id"])
    assert res.rejections.filter(pl.col("stage") == "near_dedup")["request_id"].to_list() == ["p_near"]


def test_deterministic_under_shuffle():
    rows = clean_rows(300) + [v[0] for v in PLANTED.values()]
    cfg = FilterConfig(resample=True, resample_seed=3)
    a = filter_dataset(frame(rows), TARGETS, cfg)
    b = filter_dataset(frame(rows).sample(fraction=1.0, shuffle=True, seed=11), TARGETS, cfg)
    assert a.kept.equals(b.kept)
    assert a.rejections.equals(b.rejections)


def test_partitions_dict_input_and_judge():
    parts = {"heuristic|photo": frame(clean_rows(20)), "text_llm|photo": frame(clean_rows(10, prefix="t"))}
    calls = []

    def judge(df: pl.DataFrame) -> list[str | None]:
        calls.append(df.height)
        return ["wrong type" if q.startswith("retro") else None for q in df["query"]]

    res = filter_dataset(parts, TARGETS, NO_RESAMPLE, judge=judge)
    judged = res.rejections.filter(pl.col("reason") == "judge_rejected")
    assert calls and judged.height > 0
    assert all(q.startswith("retro") for q in judged["query"])
    assert res.kept.height + res.rejections.height == 30


def test_format_roundtrip_check_catches_a_parser_that_loses_text(monkeypatch):
    from routenator_dagster.filtering import label_checks
    from routenator_dagster.function_call import ParsedCall

    def lossy(text: str) -> ParsedCall:  # drops everything after a quote, as a broken parser would
        p = real(text)
        return ParsedCall(p.function, p.content_type, (p.extracted_prompt or "").split('"')[0])

    real = label_checks.parse_call
    monkeypatch.setattr(label_checks, "parse_call", lossy)
    rows = [row("a", 'neon "open" sign photos', prompt='neon "open" sign'), row("b", "neon sign photos", prompt="neon sign")]
    res = filter_dataset(frame(rows), TARGETS, NO_RESAMPLE)
    assert res.rejections.select("request_id", "reason").rows() == [("a", "format_roundtrip")]


def test_empty_and_all_rejected_inputs():
    empty = filter_dataset({}, TARGETS)
    assert empty.kept.height == 0 and empty.rejections.height == 0
    bad = filter_dataset(frame([row("g1", "", status="rejected", reject_reason="timeout")]), TARGETS)
    assert bad.kept.height == 0 and bad.rejections.select("stage", "reason").rows() == [("generation", "timeout")]


def test_semantic_dedup_stage_runs_when_enabled():
    import numpy as np

    rows = [row("s1", "golden retriever puppy photos", prompt="golden retriever puppy"),
            row("s2", "photos of golden retriever pups", prompt="golden retriever pups"),
            row("s3", "neon city skyline clips", content_type="Video", prompt="neon city skyline")]

    def embed(texts: list[str]) -> np.ndarray:  # stands in for MiniLM: retriever queries share a direction
        return np.array([[1.0, 0.0] if "retriever" in t else [0.0, 1.0] for t in texts])

    res = filter_dataset(frame(rows), TARGETS, FilterConfig(resample=False, semantic_dedup=True), embed=embed)
    assert res.rejections.select("request_id", "stage", "reason").rows() == [("s2", "semantic_dedup", "semantic_duplicate")]
