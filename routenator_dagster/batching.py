"""Routing plan -> request rows: one row per planned request, with its template and variables.

A request id is a hash of (seed, function, content type, bucket, route, family, index), so a rerun
with the same seed asks for exactly the same requests, and each request's own random seed (taken
from its id) makes its variables and its generated text independent of batch order.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from typing import Any

import polars as pl

from routenator_dagster.generation_context import GenerationContext
from routenator_dagster.routes import heuristic_templates
from routenator_dagster.targets import PopulationTargets

BATCH_SCHEMA: dict[str, pl.DataType] = {
    "request_id": pl.Utf8,
    "function": pl.Utf8,
    "content_type": pl.Utf8,
    "length_bucket": pl.Utf8,
    "min_words": pl.Int64,
    "max_words": pl.Int64,
    "route": pl.Utf8,
    "template_family": pl.Utf8,
    "template_id": pl.Utf8,
    "variables": pl.Utf8,  # JSON object of VARIABLE_KEYS
    "source_nodes": pl.List(pl.Utf8),
    "asset_id": pl.Utf8,
    "preview_path": pl.Utf8,
    "seed": pl.Int64,  # the request's own seed (from its id)
}
_BUCKET_RE = re.compile(r"^[A-Za-z]+_(\d+)_(\d+)$")
# Heuristic families that read the catalog asset; the others use only the KG path.
_ASSET_FAMILIES = frozenset({"h.search.metadata.v1", "h.generate.metadata_title.v1"})


def request_id(seed: int, function: str, content_type: str, bucket: str, route: str, family: str, index: int) -> str:
    key = f"{seed}|{function}|{content_type}|{bucket}|{route}|{family}|{index}"
    return hashlib.blake2b(key.encode(), digest_size=10).hexdigest()


def bucket_range(bucket: str, function: str, targets: PopulationTargets | None) -> tuple[int, int]:
    """min/max words of a bucket, from the targets or else from a name like ``s_3_4``."""
    if targets is not None:
        for b in targets.length_buckets.get(function, ()):
            if b.name == bucket:
                return b.min_words, b.max_words
        raise ValueError(f"routing plan names length bucket {bucket!r} for {function}, which the targets lack")
    m = _BUCKET_RE.match(bucket)
    if not m:
        raise ValueError(f"cannot read the word range of length bucket {bucket!r}; pass the population targets")
    return int(m.group(1)), int(m.group(2))


def _llm_template_ids(route: str, function: str, content_type: str, family: str) -> list[str]:
    from routenator_dagster.routes import llm_prompts

    ids = llm_prompts.template_ids(route, function, content_type)
    same = [t for t in ids if llm_prompts.family_of(t) == family]
    return same or ids


def build_batches(
    plan: pl.DataFrame,
    ctx: GenerationContext,
    seed: int,
    targets: PopulationTargets | None = None,
) -> pl.DataFrame:
    """One request row per planned request (BATCH_SCHEMA), deterministic for a seed."""
    cols: dict[str, list[Any]] = {k: [] for k in BATCH_SCHEMA}
    for fn, ct, bucket, route, family, n in plan.select(
        "function", "content_type", "length_bucket", "route", "template_family", "n_requests"
    ).iter_rows():
        lo, hi = bucket_range(bucket, fn, targets)
        if route == "heuristic":
            ids, weights = heuristic_templates.template_ids(fn, ct, lo, hi)
            if not ids:
                raise ValueError(f"no heuristic template can make {fn}/{ct} queries of {lo}-{hi} words")
            cum = list(_cumulative(weights))
        else:
            ids = _llm_template_ids(route, fn, ct, family)
            cum = list(_cumulative([1.0] * len(ids)))
        for i in range(int(n)):
            rid = request_id(seed, fn, ct, bucket, route, family, i)
            rseed = int(rid[:15], 16)
            rng = random.Random(rseed ^ 0x5EED)
            tid = rng.choices(ids, cum_weights=cum)[0]
            if route == "heuristic":
                sources = "both" if tid in _ASSET_FAMILIES else "kg"
                variables, nodes, asset = ctx.sample_variables(fn, ct, rng, sources=sources)
                fam = heuristic_templates.TEMPLATE_FAMILY_NAME[tid]
                preview = None
            else:
                vision = route == "vision_llm"
                variables, nodes, asset = ctx.sample_variables(fn, ct, rng, with_preview=vision)
                fam = family
                preview = ctx.preview_path(asset) if vision else None
            cols["request_id"].append(rid)
            cols["function"].append(fn)
            cols["content_type"].append(ct)
            cols["length_bucket"].append(bucket)
            cols["min_words"].append(lo)
            cols["max_words"].append(hi)
            cols["route"].append(route)
            cols["template_family"].append(fam)
            cols["template_id"].append(tid)
            cols["variables"].append(json.dumps(variables, sort_keys=True))
            cols["source_nodes"].append(_SEP.join(nodes))
            cols["asset_id"].append(asset)
            cols["preview_path"].append(preview)
            cols["seed"].append(rseed)
    # lists travel as joined strings and are split by polars in one pass: building 200k small
    # Python lists into a List column row by row costs more than the rest of batching
    nodes_col = pl.Series("source_nodes", cols.pop("source_nodes"), dtype=pl.Utf8)
    frame = pl.DataFrame(cols, schema={k: v for k, v in BATCH_SCHEMA.items() if k != "source_nodes"})
    split = pl.when(nodes_col.str.len_bytes() == 0).then(pl.lit([], dtype=pl.List(pl.Utf8))).otherwise(nodes_col.str.split(_SEP))
    frame = frame.with_columns(nodes_col.to_frame().select(split.alias("source_nodes")).to_series())
    return frame.select(list(BATCH_SCHEMA))


_SEP = "\x1f"  # unit separator: never inside a node id


def _cumulative(weights: list[float]) -> list[float]:
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out
