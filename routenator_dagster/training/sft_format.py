"""Chat-format supervised fine-tuning data: prompt, function schemas, user query, target call."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import polars as pl

from routenator_dagster.function_call import render_call
from routenator_dagster.labels import CONTENT_TYPES
from routenator_dagster.atomic import write_text_atomic

# The two functions the model may call, as JSON schema (OpenAI tool format).
FUNCTION_SCHEMAS: list[dict[str, Any]] = [
    {
        "name": name,
        "description": description,
        "parameters": {
            "type": "object",
            "properties": {
                "content_type": {
                    "type": "string",
                    "enum": list(CONTENT_TYPES),
                    "description": "The kind of content wanted; Any when the request implies none.",
                },
                "extracted_prompt": {"type": "string", "description": prompt_help},
            },
            "required": ["content_type", "extracted_prompt"],
        },
    }
    for name, description, prompt_help in (
        (
            "Search",
            "Look up existing content in the library: stock subjects, common themes, ready-made formats.",
            "A few keywords naming what to look up, without filler or a bare type word.",
        ),
        (
            "Generate",
            "Create new content that is personal or one-off: names, dates, prices, custom wording, unusual scenes.",
            "The complete description of what to create, without the request phrasing around it.",
        ),
    )
]

SYSTEM_PROMPT: str = (
    "You turn a user's request in a design tool into exactly one function call.\n"
    "Decide by meaning whether the user wants something the content library already holds (Search) "
    "or something personal or unusual that must be made for them (Generate). Pick the content type the "
    "request wants, or Any when nothing points to one. Then write the extracted prompt: short keywords "
    "for Search, the full specification for Generate.\n"
    "Available functions (JSON schema):\n"
    f"{json.dumps(FUNCTION_SCHEMAS, separators=(',', ':'))}\n"
    'Reply with the call only, in the form Search(content_type="Photo", extracted_prompt="elephant").'
)


def prompt_messages(query: str) -> list[dict[str, str]]:
    """System + user messages for one query (inference and training share them)."""
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": query}]


def to_chat_rows(df: pl.DataFrame) -> list[dict[str, Any]]:
    """One ``{"messages": [...]}`` row per labelled query, the assistant turn being the target call."""
    missing = [c for c in ("query", "function", "content_type", "extracted_prompt") if c not in df.columns]
    if missing:
        raise ValueError(f"frame lacks column(s) {missing}")
    rows = []
    for i, r in enumerate(df.iter_rows(named=True)):
        try:
            call = render_call(r["function"], r["content_type"], r["extracted_prompt"])
        except ValueError as exc:
            raise ValueError(f"row {i} (request_id={r.get('request_id')!r}): {exc}") from None
        messages = prompt_messages(r["query"]) + [{"role": "assistant", "content": call}]
        row: dict[str, Any] = {"messages": messages}
        if "request_id" in df.columns:
            row["request_id"] = r["request_id"]
        rows.append(row)
    return rows


def _rank(key: str, seed: int) -> str:
    return hashlib.sha1(f"{seed}:{key}".encode()).hexdigest()


def stratified_split(
    df: pl.DataFrame, validation_fraction: float = 0.05, seed: int = 42
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Deterministic train/validation split stratified by function x content type.

    Rows are ordered by a seeded hash of their query (independent of input order), and each stratum
    gives round(fraction * size) rows to validation (at least one when the stratum has two or more).
    """
    if not 0 <= validation_fraction < 1:
        raise ValueError("validation_fraction must be in [0, 1)")
    key_col = "request_id" if "request_id" in df.columns else "query"
    ranked = df.with_columns(
        pl.col(key_col).cast(pl.Utf8).map_elements(lambda k: _rank(k, seed), return_dtype=pl.Utf8).alias("_rank")
    ).sort(["function", "content_type", "_rank"])
    ranked = ranked.with_columns(
        pl.int_range(pl.len()).over(["function", "content_type"]).alias("_i"),
        pl.len().over(["function", "content_type"]).alias("_n"),
    )
    n_val = (pl.col("_n") * validation_fraction).round(0).cast(pl.Int64)
    if validation_fraction > 0:
        n_val = pl.when((n_val == 0) & (pl.col("_n") >= 2)).then(1).otherwise(n_val)
    is_val = pl.col("_i") < n_val
    drop = ["_rank", "_i", "_n"]
    return ranked.filter(~is_val).drop(drop), ranked.filter(is_val).drop(drop)


def write_jsonl(rows: list[dict[str, Any]], path: str | Path) -> Path:
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return write_text_atomic(path, text)


def write_hf_dataset(train_rows: list[dict[str, Any]], validation_rows: list[dict[str, Any]], path: str | Path) -> Path:
    """A ``datasets.DatasetDict`` (train, validation) in messages format, via ``save_to_disk``."""
    from datasets import Dataset, DatasetDict

    def _ds(rows: list[dict[str, Any]]) -> Dataset:
        return Dataset.from_list([{"messages": r["messages"]} for r in rows]) if rows else Dataset.from_dict(
            {"messages": []}
        )

    path = Path(path)
    DatasetDict({"train": _ds(train_rows), "validation": _ds(validation_rows)}).save_to_disk(str(path))
    return path


def tokenize_chat(tokenizer: Any, messages: list[dict[str, str]], max_length: int = 4096) -> dict[str, list[int]]:
    """Token ids of a chat through the model's own template, with labels only on the assistant's reply.

    The prompt is rendered with ``add_generation_prompt=True``; every token up to its end gets label
    -100 so the loss falls on the target call alone.
    """
    if not messages or messages[-1]["role"] != "assistant":
        raise ValueError("the last message must be the assistant's target call")
    prompt = tokenizer.apply_chat_template(messages[:-1], tokenize=True, add_generation_prompt=True)
    full = tokenizer.apply_chat_template(messages, tokenize=True)
    # transformers 5 returns a BatchEncoding; older versions a plain list
    prompt_ids = list(prompt["input_ids"] if hasattr(prompt, "keys") else prompt)
    full_ids = list(full["input_ids"] if hasattr(full, "keys") else full)
    if full_ids[: len(prompt_ids)] != prompt_ids:
        raise ValueError("chat template renders the prompt differently with and without the reply")
    full_ids = full_ids[:max_length]
    labels = [-100] * min(len(prompt_ids), len(full_ids)) + full_ids[len(prompt_ids) :]
    return {"input_ids": full_ids, "attention_mask": [1] * len(full_ids), "labels": labels}
