"""Bench: the heuristic route on the shipped seed graph and catalog, 200,000 labelled queries.

Targets (issue 3): generation of 200,000 queries in <= 10 s (>= 20,000 queries/s) with peak
memory <= 2 GB. Request building (batching) is measured separately; both run in one process.
Run: python -m bench.heuristic_generation [n]
"""

from __future__ import annotations

import resource
import sys
import time

N_DEFAULT = 200_000


def _peak_rss_mb() -> tuple[float, float]:
    """This process's peak and the largest worker's peak (generation may run on a spawned pool),
    in MB; Linux reports KiB. Reported apart: their sum would overstate what was held at once."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return own / 1024.0, workers / 1024.0


def fstring_ceiling(batch) -> float:  # noqa: ANN001 - a batch frame
    """Seconds for a plain loop that turns the same requests into labelled row dicts with
    f-strings: the templating floor no generator with real grammar can beat."""
    import json

    t0 = time.perf_counter()
    rows = []
    for rid, fn, ct, variables in batch.select("request_id", "function", "content_type", "variables").iter_rows():
        v = json.loads(variables) if variables else {}
        subject = v.get("title") or v.get("object") or v.get("intent") or "design"
        query = f"{'find' if fn == 'Search' else 'make'} {subject} {ct.lower()}"
        rows.append({"request_id": rid, "query": query, "function": fn, "content_type": ct, "extracted_prompt": subject})
    return time.perf_counter() - t0


def main(n: int = N_DEFAULT) -> list[dict]:
    import polars as pl

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
    plan, _ = build_routing_plan(targets, n, {"heuristic": 1.0}, {"heuristic"}, seed=42)

    t0 = time.perf_counter()
    batch = build_batches(plan, ctx, seed=42, targets=targets)
    t1 = time.perf_counter()
    out = run_heuristic_batch(batch, ctx)
    t2 = time.perf_counter()
    ceiling_s = fstring_ceiling(batch)
    ok = int((out["status"] == "ok").sum())
    unique = out.filter(pl.col("status") == "ok")["query"].str.to_lowercase().n_unique()
    gen_s, batch_s = t2 - t1, t1 - t0
    return [
        {"bench": "heuristic_generation_seconds", "value": round(gen_s, 3), "unit": f"s per {n} queries", "target": "<= 10"},
        {"bench": "heuristic_generation_rate", "value": round(n / gen_s), "unit": "queries/s", "target": ">= 20000"},
        {"bench": "heuristic_batching_seconds", "value": round(batch_s, 3), "unit": f"s per {n} requests", "target": None},
        {"bench": "heuristic_end_to_end_rate", "value": round(n / (gen_s + batch_s)), "unit": "queries/s (batching + generation)", "target": None},
        {"bench": "heuristic_200k_seconds", "value": round(gen_s + batch_s, 3), "rows": n,
         "unit": "s (batching + generation)", "target": None},
        {"bench": "heuristic_200k_vs_fstring_ceiling", "value": round((gen_s + batch_s) / ceiling_s, 2), "rows": n,
         "unit": "our seconds / the f-string loop's", "target": "<= 3", "fstring_seconds": round(ceiling_s, 3)},
        {"bench": "heuristic_peak_rss", "value": round(_peak_rss_mb()[0], 1), "unit": "MB (this process)",
         "largest_worker_mb": round(_peak_rss_mb()[1], 1), "target": "<= 1024"},
        {"bench": "heuristic_ok_share", "value": round(ok / n, 4), "unit": "share of requests", "target": ">= 0.98"},
        {"bench": "heuristic_unique_query_share", "value": round(unique / max(ok, 1), 4), "unit": "share of ok rows", "target": None},
    ]


if __name__ == "__main__":
    import json

    for row in main(int(sys.argv[1]) if len(sys.argv) > 1 else N_DEFAULT):
        print(json.dumps(row))
