"""Product-like rows for the near-duplicate benches: the heuristic generator's own output on the
shipped seed graph, plus injected near-duplicates (a word added, dropped, replaced, or the words
reordered), the kinds of repeats LLM routes produce. Cached as parquet per (rows, seed).

Run: python -m bench.near_dedup_data N [N ...]   (writes the cache files)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import polars as pl

INJECT_SHARE = 0.15  # of the generated rows, added again as near-duplicates


def out_dir() -> Path:
    home = Path(os.environ.get("RN_HOME", Path(__file__).resolve().parent.parent / ".routenator"))
    d = home / "bench" / "near_dedup"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _generated(n: int, seed: int) -> pl.DataFrame:
    from routenator_dagster.batching import build_batches
    from routenator_dagster.catalog_builder import build_seed_catalog, read_graph_csvs
    from routenator_dagster.generation_context import GenerationContext
    from routenator_dagster.router import build_routing_plan
    from routenator_dagster.routes.heuristic import run_heuristic_batch
    from routenator_dagster.targets import load_targets

    targets = load_targets()
    nodes, edges = read_graph_csvs()
    catalog = build_seed_catalog(nodes, edges, n_assets=3000, seed=7)
    ctx = GenerationContext.from_tables(nodes, edges, catalog, None)
    ctx.with_keyword_targets(targets.keyword_presence, targets.keyword_positions)
    plan, _ = build_routing_plan(targets, n, {"heuristic": 1.0}, {"heuristic"}, seed=seed)
    out = run_heuristic_batch(build_batches(plan, ctx, seed=seed, targets=targets), ctx)
    return out.filter(pl.col("status") == "ok").select("request_id", "query")


def _inject(df: pl.DataFrame, share: float, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed + 1)
    queries = df["query"].to_list()
    vocab = sorted({w for q in queries[:50_000] for w in q.lower().split()})
    m = int(len(queries) * share)
    src = rng.integers(0, len(queries), size=m)
    kind = rng.integers(0, 4, size=m)
    extra = rng.integers(0, len(vocab), size=m)
    new = []
    for s, k, e in zip(src.tolist(), kind.tolist(), extra.tolist()):
        w = queries[s].split()
        pos = e % (len(w) + 1)
        if k == 0:  # one word added
            w.insert(pos, vocab[e])
        elif k == 1 and len(w) > 3:  # one word dropped
            del w[pos % len(w)]
        elif k == 2 and len(w) > 3:  # one word replaced
            w[pos % len(w)] = vocab[e]
        else:  # words reordered (same word set, a different string)
            w = w[1:] + w[:1]
        new.append(" ".join(w))
    inj = pl.DataFrame({"request_id": [f"zdup-{seed}-{i:08d}" for i in range(m)], "query": new})
    # Mixed in by a seeded shuffle, so duplicates are not all at the end.
    return pl.concat([df, inj]).sample(fraction=1.0, shuffle=True, seed=seed)


def product_rows(n: int, seed: int = 42) -> pl.DataFrame:
    """``n`` rows (request_id, query): generated queries plus INJECT_SHARE injected near-dups."""
    path = out_dir() / f"rows_{n}_{seed}.parquet"
    if path.exists():
        return pl.read_parquet(path)
    base_n = int(round(n / (1 + INJECT_SHARE)))
    df = _inject(_generated(base_n, seed), INJECT_SHARE, seed).head(n)
    df.write_parquet(path)
    return df


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(arg, product_rows(int(arg)).height, flush=True)
