"""Filtering bench: 1,000,000 planted rows end to end (seconds, peak RSS), and near-duplicate
precision/recall against exact Jaccard on product-like rows (bench.near_dedup_data), side by
side with a plain datasketch MinHashLSH baseline (MinHash.bulk). The distilabel comparison at
200k-3M rows is bench.near_dedup.

Run: `python -m bench.filtering` (prints JSON lines) or through `make bench`.
"""

from __future__ import annotations

import json
import logging
import math
import resource
import subprocess
import sys
import time

import numpy as np
import polars as pl

from routenator_dagster.labels import CONTENT_TYPES, TYPE_WORDS
from routenator_dagster.schema import SYNTHETIC_SCHEMA, conform

N_ROWS = 1_000_000
CORPUS_ROWS = 20_000
THRESHOLD = 0.8


def _vocab(n: int, rng: np.random.Generator) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    lens = rng.integers(3, 10, size=n)
    words = {"".join(rng.choice(letters, size=k)) for k in lens}
    return sorted(words)


def planted_rows(n: int, seed: int = 0) -> pl.DataFrame:
    """``n`` synthetic rows: ~84% clean, plus exact duplicates (5%), near duplicates (one word added
    5%, one replaced 3%), LLM meta text (2%) and over-long rows (1%)."""
    rng = np.random.default_rng(seed)
    vocab = _vocab(20_000, rng)
    fn = np.where(rng.random(n) < 0.515, "Search", "Generate")
    ct = rng.choice(np.array(CONTENT_TYPES), size=n)
    n_words = np.where(fn == "Search", rng.integers(1, 9, size=n), rng.integers(3, 30, size=n))
    word_idx = rng.integers(0, len(vocab), size=int(n_words.sum()))
    cut = np.cumsum(n_words)[:-1]
    queries, prompts = [], []
    for i, ws in enumerate(np.split(word_idx, cut)):
        words = [vocab[j] for j in ws]
        tw = TYPE_WORDS.get(str(ct[i]))
        prompt = " ".join(words[:5]) if fn[i] == "Search" else " ".join(words)
        if tw and i % 3:
            words.insert(int(ws[0]) % (len(words) + 1), tw[0])
        queries.append(" ".join(words))
        prompts.append(prompt)
    kind = rng.random(n)
    src = rng.integers(0, n, size=n)
    for i in np.nonzero(kind < 0.05)[0]:  # exact duplicates (case/punctuation changed)
        queries[i], prompts[i], fn[i], ct[i] = queries[src[i]].upper() + "!", prompts[src[i]], fn[src[i]], ct[src[i]]
    for i in np.nonzero((kind >= 0.05) & (kind < 0.10))[0]:  # near duplicates: one extra word
        queries[i], prompts[i], fn[i], ct[i] = queries[src[i]] + " " + vocab[src[i] % len(vocab)], prompts[src[i]], fn[src[i]], ct[src[i]]
    for i in np.nonzero((kind >= 0.13) & (kind < 0.16))[0]:  # near duplicates: one word replaced
        words = queries[src[i]].split()
        words[int(src[i]) % len(words)] = vocab[(src[i] * 7) % len(vocab)]
        queries[i], prompts[i], fn[i], ct[i] = " ".join(words), prompts[src[i]], fn[src[i]], ct[src[i]]
    for i in np.nonzero((kind >= 0.10) & (kind < 0.12))[0]:
        queries[i] = "Sure! Here is a query: " + queries[i]
    for i in np.nonzero((kind >= 0.12) & (kind < 0.13))[0]:
        queries[i] = queries[i] + " " + " ".join(vocab[:45])
    df = pl.DataFrame({
        "request_id": [f"r{i:08d}" for i in range(n)], "query": queries, "function": fn.tolist(),
        "content_type": ct.tolist(), "extracted_prompt": prompts,
        "route": rng.choice(np.array(["heuristic", "text_llm", "vision_llm"]), size=n).tolist(),
        "length_bucket": "b", "status": np.where(rng.random(n) < 0.01, "rejected", "ok").tolist(),
    })
    return conform(df.with_columns(pl.when(pl.col("status") == "rejected").then(pl.lit("llm_error")).alias("reject_reason")), SYNTHETIC_SCHEMA)


def _peak_rss_gb() -> float:
    """This process's peak RSS (VmHWM starts afresh at exec, unlike ru_maxrss, which a child
    inherits from its parent)."""
    for line in open("/proc/self/status", encoding="ascii"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024**2
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _end_to_end_child() -> None:
    """Runs in a fresh process so peak RSS belongs to this measurement alone."""
    from routenator_dagster.filtering import FilterConfig, filter_dataset
    from routenator_dagster.targets import load_targets

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    n = int(sys.argv[2])
    df = planted_rows(n)
    t0 = time.perf_counter()
    res = filter_dataset(df, load_targets(), FilterConfig())
    secs = time.perf_counter() - t0
    rss_gb = _peak_rss_gb()
    print(json.dumps({"seconds": secs, "peak_rss_gb": rss_gb, "kept": res.kept.height, "stats": res.stats["rejected_by_stage"]}))


def end_to_end(n: int = N_ROWS) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.filtering", "--child", str(n)], capture_output=True, text=True, check=True)
    sys.stderr.write(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def _true_pairs(tokens: list[set[str]], threshold: float) -> set[tuple[int, int]]:
    """All pairs with exact Jaccard >= threshold (prefix filtering: two sets that similar must
    share a token among each one's |A| - ceil(t|A|) + 1 rarest tokens, so joining on those
    prefixes finds every such pair without the quadratic join on common words)."""
    freq: dict[str, int] = {}
    for t in tokens:
        for w in t:
            freq[w] = freq.get(w, 0) + 1
    rows_i, rows_t = [], []
    for i, t in enumerate(tokens):
        order = sorted(t, key=lambda w: (freq[w], w))
        k = len(order) - math.ceil(threshold * len(order)) + 1
        rows_i += [i] * min(k, len(order))
        rows_t += order[:k]
    df = pl.DataFrame({"i": rows_i, "t": rows_t})
    pairs = df.join(df, on="t").filter(pl.col("i") < pl.col("i_right")).select("i", "i_right").unique()
    sets = pl.Series([sorted(t) for t in tokens])
    j = pl.DataFrame({"a": sets.gather(pairs["i"]), "b": sets.gather(pairs["i_right"])}).select(
        pl.col("a").list.set_intersection("b").list.len() / pl.col("a").list.set_union("b").list.len()
    ).to_series()
    hit = pairs.filter(j >= threshold)
    return set(zip(hit["i"].to_list(), hit["i_right"].to_list()))


def near_dup_quality(n: int = CORPUS_ROWS) -> list[dict]:
    from datasketch import MinHash, MinHashLSH

    from routenator_dagster.filtering.near_dedup import MinHashParams, near_duplicate_pairs
    from routenator_dagster.filtering.words import tokens_expr

    from bench.near_dedup_data import product_rows

    # Product-like rows: the heuristic generator's output plus injected near-duplicates.
    df = product_rows(n).sort("request_id").select("query").with_columns(tokens_expr("query").alias("t"))
    toks = df["t"]
    sets = [set(t) for t in toks.to_list()]
    truth = _true_pairs(sets, THRESHOLD)

    t0 = time.perf_counter()
    ours = {tuple(p) for p in near_duplicate_pairs(toks, MinHashParams(threshold=THRESHOLD)).tolist()}
    t_ours = time.perf_counter() - t0

    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=128)
    base: set[tuple[int, int]] = set()
    # MinHash.bulk hashes all rows in one call (~5x faster than one MinHash per row).
    for i, m in enumerate(MinHash.bulk([[w.encode() for w in s] for s in sets], num_perm=128)):
        for j in lsh.query(m):
            base.add((j, i))
        lsh.insert(i, m)
    t_base = time.perf_counter() - t0

    def row_recall(found: set) -> float:
        """Rows that have an earlier true near-duplicate and were flagged (what dedup drops)."""
        need = {j for _, j in truth}
        return len(need & {j for _, j in found}) / len(need) if need else 1.0

    def pr(found: set) -> tuple[float, float]:
        tp = len(found & truth)
        return (tp / len(found) if found else 1.0), (tp / len(truth) if truth else 1.0)

    p_o, r_o = pr(ours)
    p_b, r_b = pr(base)
    return [
        {"bench": "near_dedup_pair_precision", "value": round(p_o, 4), "unit": "ratio", "target": ">= 0.95", "true_pairs": len(truth)},
        {"bench": "near_dedup_pair_recall", "value": round(r_o, 4), "unit": "ratio", "target": ">= 0.90"},
        {"bench": "near_dedup_row_recall", "value": round(row_recall(ours), 4), "unit": "ratio", "target": None},
        {"bench": "near_dedup_seconds", "value": round(t_ours, 3), "unit": "s", "target": None, "rows": n},
        {"bench": "datasketch_precision", "value": round(p_b, 4), "unit": "ratio", "target": "baseline"},
        {"bench": "datasketch_recall", "value": round(r_b, 4), "unit": "ratio", "target": "baseline"},
        {"bench": "datasketch_row_recall", "value": round(row_recall(base), 4), "unit": "ratio", "target": "baseline"},
        {"bench": "datasketch_seconds", "value": round(t_base, 3), "unit": "s", "target": "baseline", "rows": n},
    ]


def main() -> list[dict]:
    e2e = end_to_end()  # first, in a fresh child, before this process grows
    results = near_dup_quality()
    results += [
        {"bench": "filtering_1m_seconds", "value": round(e2e["seconds"], 2), "unit": "s", "target": "<= 60", "kept": e2e["kept"]},
        {"bench": "filtering_1m_peak_rss", "value": round(e2e["peak_rss_gb"], 2), "unit": "GB", "target": "<= 4"},
    ]
    return results


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        _end_to_end_child()
    else:
        for r in main():
            print(json.dumps(r))
