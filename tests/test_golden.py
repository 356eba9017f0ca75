"""The shipped golden set: composition per the paper's Table 5, and line-precise validation errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routenator_dagster.function_call import parse_call, render_call
from routenator_dagster.golden import DEFAULT_GOLDEN, GoldenFormatError, load_golden

TABLE_5 = {"Template": 22.4, "Photo": 21.1, "Audio": 4.3, "Video": 4.1, "Background": 4.3,
           "Design Asset": 3.7, "Text": 4.3, "Any": 35.7}


def test_shipped_set_size_and_composition() -> None:
    df = load_golden(DEFAULT_GOLDEN)
    n = len(df)
    assert n >= 160
    shares = {ct: 100 * c / n for ct, c in zip(*df["content_type"].value_counts().to_dict(as_series=False).values())}
    for ct, target in TABLE_5.items():
        assert abs(shares.get(ct, 0) - target) < 1.5, (ct, shares.get(ct), target)
    search = (df["function"] == "Search").sum()
    assert 0.42 <= search / n <= 0.58
    assert df["id"].n_unique() == n
    assert df["query"].n_unique() == n


def test_every_gold_label_renders_a_parsable_call() -> None:
    for r in load_golden().iter_rows(named=True):
        parsed = parse_call(render_call(r["function"], r["content_type"], r["extracted_prompt"]))
        assert parsed.valid and parsed.extracted_prompt == r["extracted_prompt"]


def test_search_prompts_are_short_keywords() -> None:
    df = load_golden()
    words = [len(p.split()) for p in df.filter(df["function"] == "Search")["extracted_prompt"]]
    assert max(words) <= 5


def _write(tmp_path: Path, lines: list[str]) -> Path:
    p = tmp_path / "g.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


GOOD = {"query": "cat photos", "function": "Search", "content_type": "Photo", "extracted_prompt": "cat"}


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        ({**GOOD, "function": "search"}, "line 2: field 'function'"),
        ({**GOOD, "content_type": "Image"}, "line 2: field 'content_type'"),
        ({k: v for k, v in GOOD.items() if k != "extracted_prompt"}, "line 2: missing field(s) ['extracted_prompt']"),
        ({**GOOD, "notes": "x"}, "line 2: unexpected field(s) ['notes']"),
        ({**GOOD, "query": ""}, "line 2: field 'query' must be a non-empty string"),
    ],
)
def test_validation_names_file_line_and_field(tmp_path: Path, bad: dict, needle: str) -> None:
    p = _write(tmp_path, [json.dumps(GOOD), json.dumps(bad)])
    with pytest.raises(GoldenFormatError) as err:
        load_golden(p)
    assert needle.replace("line 2", f"{p}:2") in str(err.value)


def test_broken_json_and_repeated_id(tmp_path: Path) -> None:
    p = _write(tmp_path, [json.dumps(GOOD), "{not json"])
    with pytest.raises(GoldenFormatError, match=r"g\.jsonl:2: not valid JSON"):
        load_golden(p)
    p = _write(tmp_path, [json.dumps({**GOOD, "id": "a"}), json.dumps({**GOOD, "id": "a"})])
    with pytest.raises(GoldenFormatError, match="repeats line 1"):
        load_golden(p)
    ok = load_golden(_write(tmp_path, [json.dumps(GOOD)]))
    assert ok.row(0, named=True)["id"] == "line1" and ok.columns == ["id", "query", "function", "content_type", "extracted_prompt"]
