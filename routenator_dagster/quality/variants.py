"""Dataset variants side by side: the paper's 3.1 baseline (no router), heuristic-only, LLM-only,
the router mix, and real queries.

A reference sample of real queries is a text file (one query per line) or JSON Lines with a
"query" key; without one the comparison uses the paper's reference figures from the targets.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from routenator_dagster.labels import CONTENT_TYPES, FUNCTIONS
from routenator_dagster.quality.metrics import keyword_position_spread, shares, word_count_stats
from routenator_dagster.targets import PopulationTargets

LLM_ROUTES = ("text_llm", "vision_llm")
PAPER_BASELINE = "paper_3_1"


def variant_frames(kept: pl.DataFrame, baseline: pl.DataFrame | None = None) -> dict[str, pl.DataFrame]:
    """Non-empty variants: the paper's 3.1 baseline when given (the heuristic data the paper's
    figures compare against), then heuristic-only and LLM-only when the router has LLM rows (else
    heuristic-only would repeat the router panel), and router (all kept rows)."""
    llm = kept.filter(pl.col("route").is_in(list(LLM_ROUTES)))
    out = {
        PAPER_BASELINE: baseline if baseline is not None else pl.DataFrame(),
        "heuristic-only": kept.filter(pl.col("route") == "heuristic") if llm.height else pl.DataFrame(),
        "LLM-only": llm,
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


def side_by_side(variants: dict[str, pl.DataFrame], targets: PopulationTargets) -> dict[str, dict[str, Any]]:
    """Per variant, the section-4 figures in one row each: size, Search share, words per query
    (per function), content-type shares (Any included) and the content-type keyword positions."""
    out: dict[str, dict[str, Any]] = {}
    for name, df in variants.items():
        wc = word_count_stats(df)
        kp = keyword_position_spread(df, targets)
        fn = shares(df, "function")
        ct = shares(df, "content_type")
        out[name] = {
            "rows": df.height,
            "search_share": round(fn.get("Search", 0.0), 4),
            **{f"{f.lower()}_words_{k}": wc[f][k] for f in FUNCTIONS for k in ("mean", "median", "iqr")},
            "content_type_shares": {c: round(ct.get(c, 0.0), 4) for c in CONTENT_TYPES},
            "keyword_presence": round(kp["presence"], 4),
            "keyword_bins": {k: round(v, 4) for k, v in kp["bins"].items()},
        }
    return out


def side_by_side_rows(table: dict[str, dict[str, Any]]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """(header, rows) of a figures-by-variant table: one row per figure, one column per variant."""
    names = list(table)
    rows: list[tuple[Any, ...]] = [("rows", *(table[n]["rows"] for n in names)), ("Search share", *(table[n]["search_share"] for n in names))]
    for f in FUNCTIONS:
        for k in ("mean", "median", "iqr"):
            rows.append((f"{f} words {k}", *(table[n][f"{f.lower()}_words_{k}"] for n in names)))
    for c in CONTENT_TYPES:
        rows.append((f"share {c}", *(table[n]["content_type_shares"][c] for n in names)))
    rows.append(("type word named", *(table[n]["keyword_presence"] for n in names)))
    for b in ("start", "middle", "end"):
        rows.append((f"type word at {b}", *(table[n]["keyword_bins"].get(b) for n in names)))
    return ["figure", *names], rows


def dataset_variants(router: pl.DataFrame, baseline: pl.DataFrame, min_rows: int, seed: int) -> tuple[dict[str, pl.DataFrame], list[str]]:
    """The paper's 3.1 baseline (reference), every router row, and the router's heuristic-only and
    LLM-only rows when it has LLM rows; all cut to one size (a seeded uniform sample of the larger
    ones) so each proxy sees as many training rows."""
    notes: list[str] = []
    candidates = {PAPER_BASELINE: baseline, "router": router}
    llm = router.filter(pl.col("route").is_in(list(LLM_ROUTES)))
    if llm.height:
        candidates["router_heuristic_only"] = router.filter(~pl.col("route").is_in(list(LLM_ROUTES)))
        candidates["router_llm_only"] = llm
    else:
        notes.append("router_llm_only / router_heuristic_only: no LLM-route rows (no endpoint configured), so router = heuristic routes")
    variants: dict[str, pl.DataFrame] = {}
    for name, rows in candidates.items():
        if rows.height < min_rows or rows["function"].n_unique() < 2:
            notes.append(f"{name}: skipped ({rows.height} rows, {rows['function'].n_unique()} functions)")
        else:
            variants[name] = rows
    if variants:
        size = min(v.height for v in variants.values())
        for name, rows in variants.items():
            if rows.height > size:
                notes.append(f"{name}: {rows.height} rows cut to {size} (seeded sample)")
                variants[name] = rows.sort("request_id").sample(n=size, seed=seed)
    return variants, notes
