"""SFT rows: chat messages, deterministic stratified splits, datasets folder, the tiny model's template."""

from __future__ import annotations

import json
import os

import polars as pl
import pytest

from routenator_dagster.function_call import parse_call
from routenator_dagster.training.sft_format import (
    FUNCTION_SCHEMAS,
    SYSTEM_PROMPT,
    stratified_split,
    to_chat_rows,
    tokenize_chat,
    write_hf_dataset,
    write_jsonl,
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _frame(per_cell: dict[tuple[str, str], int]) -> pl.DataFrame:
    rows = []
    for (fn, ct), n in per_cell.items():
        for i in range(n):
            rows.append({"request_id": f"{fn}-{ct}-{i}", "query": f"{fn} {ct} query {i}", "function": fn,
                         "content_type": ct, "extracted_prompt": f"{ct.lower()} thing {i}"})
    return pl.DataFrame(rows)


CELLS = {("Search", "Photo"): 40, ("Search", "Any"): 20, ("Generate", "Template"): 60, ("Generate", "Audio"): 3, ("Search", "Text"): 1}


def test_chat_rows_carry_prompt_schemas_query_and_target() -> None:
    rows = to_chat_rows(_frame({("Generate", "Template"): 1}))
    msgs = rows[0]["messages"]
    assert [m["role"] for m in msgs] == ["system", "user", "assistant"]
    assert msgs[0]["content"] == SYSTEM_PROMPT
    assert json.dumps(FUNCTION_SCHEMAS, separators=(",", ":")) in SYSTEM_PROMPT
    assert msgs[1]["content"] == "Generate Template query 0"
    call = parse_call(msgs[2]["content"])
    assert (call.function, call.content_type, call.extracted_prompt) == ("Generate", "Template", "template thing 0")
    assert rows[0]["request_id"] == "Generate-Template-0"


def test_bad_label_names_the_row() -> None:
    df = _frame({("Search", "Photo"): 2}).with_columns(pl.Series("content_type", ["Photo", "Picture"]))
    with pytest.raises(ValueError, match=r"row 1 \(request_id='Search-Photo-1'\)"):
        to_chat_rows(df)


def test_split_is_stratified_and_deterministic() -> None:
    df = _frame(CELLS)
    train, val = stratified_split(df, 0.1, seed=42)
    assert len(train) + len(val) == len(df)
    assert set(train["request_id"]).isdisjoint(set(val["request_id"]))
    got = {(r["function"], r["content_type"]): r["len"] for r in val.group_by("function", "content_type").len().iter_rows(named=True)}
    assert got == {("Search", "Photo"): 4, ("Search", "Any"): 2, ("Generate", "Template"): 6, ("Generate", "Audio"): 1}
    # same seed, shuffled input -> same split; another seed -> another split
    train2, val2 = stratified_split(df.sample(fraction=1.0, shuffle=True, seed=1), 0.1, seed=42)
    assert sorted(val2["request_id"]) == sorted(val["request_id"])
    _, val3 = stratified_split(df, 0.1, seed=7)
    assert sorted(val3["request_id"]) != sorted(val["request_id"])


def test_writers_and_datasets_round_trip(tmp_path) -> None:
    from datasets import load_from_disk

    train, val = stratified_split(_frame(CELLS), 0.1)
    tr, va = to_chat_rows(train), to_chat_rows(val)
    p = write_jsonl(tr, tmp_path / "sft" / "train.jsonl")
    assert [json.loads(line) for line in p.read_text().splitlines()] == tr
    write_hf_dataset(tr, va, tmp_path / "hf")
    ds = load_from_disk(str(tmp_path / "hf"))
    assert set(ds) == {"train", "validation"}
    assert ds["train"].num_rows == len(tr) and ds["validation"].num_rows == len(va)
    assert ds["validation"][0]["messages"] == va[0]["messages"]


def test_tiny_model_template_masks_the_prompt(tmp_path) -> None:
    from transformers import AutoTokenizer

    from routenator_dagster.training.tiny_model import build_tiny_model

    path = build_tiny_model(tmp_path / "tiny")
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    msgs = to_chat_rows(_frame({("Search", "Photo"): 1}))[0]["messages"]
    enc = tok.apply_chat_template(msgs, tokenize=True)
    assert "input_ids" in enc  # transformers 5: a BatchEncoding
    out = tokenize_chat(tok, msgs)
    assert out["input_ids"] == list(enc["input_ids"])
    target = [t for t, label in zip(out["input_ids"], out["labels"]) if label != -100]
    assert tok.decode(target, skip_special_tokens=True) == msgs[-1]["content"]
    assert out["labels"][0] == -100 and target[-1] == tok.eos_token_id
    short = tokenize_chat(tok, msgs, max_length=10)
    assert len(short["input_ids"]) == 10 and all(label == -100 for label in short["labels"])
