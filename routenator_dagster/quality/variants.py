"""Dataset variants side by side: heuristic-only, LLM-only, the router mix, and real queries.

A reference sample of real queries is a text file (one query per line) or JSON Lines with a
"query" key; without one the comparison uses the paper's reference figures from the targets.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from routenator_dagster.quality.metrics import word_count_stats

LLM_ROUTES = ("text_llm", "vision_llm")


def variant_frames(kept: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Non-empty variants of the kept rows: heuristic-only, LLM-only and router (all kept rows)."""
    out = {
        "heuristic-only": kept.filter(pl.col("route") == "heuristic"),
        "LLM-only": kept.filter(pl.col("route").is_in(list(LLM_ROUTES))),
        "router": kept,
    }
    return {k: v for k, v in out.items() if v.height}


def load_reference(path: str | Path) -> pl.DataFrame:
    """Real queries as a frame with a `query` column; errors name the file and the line."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: reference sample not found")
    queries: list[str] = []
    jsonl = p.suffix in {".jsonl", ".json"}
    for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        if jsonl:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{p}, line {i}: not valid JSON ({exc.msg})") from None
            if not isinstance(obj, dict) or not isinstance(obj.get("query"), str):
                raise ValueError(f"{p}, line {i}: expected an object with a string field 'query'")
            queries.append(obj["query"])
        else:
            queries.append(line.strip())
    if not queries:
        raise ValueError(f"{p}: reference sample has no queries")
    return pl.DataFrame({"query": queries, "function": ["Search"] * len(queries)})


def compare(variants: dict[str, pl.DataFrame], reference: pl.DataFrame | None, paper_reference: dict[str, float]) -> dict[str, Any]:
    """Word-count figures per variant next to the reference (a sample, or the paper's mean/median)."""
    out: dict[str, Any] = {name: word_count_stats(df) for name, df in variants.items()}
    if reference is not None:
        ref = word_count_stats(reference)["overall"]
        out["reference"] = {"source": "sample", "mean": ref["mean"], "median": ref["median"], "n": ref["n"]}
    else:
        out["reference"] = {
            "source": "paper",
            "mean": paper_reference.get("search_mean_words"),
            "median": paper_reference.get("search_median_words"),
        }
    return out
