"""Near-dedup bench: ours vs distilabel 1.5.3's MinHashDedup on product-like rows (the heuristic
generator's output plus injected near-duplicates, see bench.near_dedup_data), at several sizes.

Each peer runs in its own subprocess (clean peak RSS); distilabel runs in a venv this bench
creates from PyPI. Both get the same queries in request_id order and the same word tokens (a plain
regex tokenizer for distilabel, whose "words" tokenizer needs NLTK data). Quality is row level on
a sample: a row "should go" when an earlier row (request_id order) has word-set Jaccard >= 0.8,
computed exactly. Prints one JSON line per result and writes near_dedup.png in the output folder.

Run: python -m bench.near_dedup [ROWS ...]     (default 200000 1000000; set RN_NEAR_DEDUP_3M=1 to add 3M)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

from bench.near_dedup_data import out_dir, product_rows

THRESHOLD = 0.8
SIZES = [200_000, 1_000_000]
QUALITY_ROWS = 1_000_000  # quality on the largest common size, where buckets are most crowded
QUALITY_SAMPLE = 3000
# datasketch 1.10/2.0 break distilabel 1.5.3's LSH subclass (no _require_bytes_keys); 1.6.5 works.
# distilabel imports requests without declaring it.
DISTILABEL = ["distilabel[minhash]==1.5.3", "datasketch==1.6.5", "requests"]
PEER_TIMEOUT_S = 1800
# distilabel's dict LSH held 5.7 GB at 1M rows here, so 3M needs ~17 GB: run it only where that fits.
PEER_MAX_ROWS = int(os.environ.get("RN_NEAR_DEDUP_PEER_MAX_ROWS", "1000000"))


def _peak_rss_gb() -> float:
    for line in open("/proc/self/status", encoding="ascii"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024**2
    return float("nan")


def _ours_child(n: int) -> None:
    """Tokenize + near-dedup n rows; prints seconds, peak RSS and the flagged request_ids file."""
    from routenator_dagster.filtering import near_dedup
    from routenator_dagster.filtering.words import tokens_expr

    df = product_rows(n).sort("request_id").with_row_index("_row").with_columns(pl.col("_row").cast(pl.Int64))
    t0 = time.perf_counter()
    df = df.with_columns(tokens_expr("query").alias("_qtoks"))
    dup = near_dedup.duplicate_rows(df, near_dedup.MinHashParams(threshold=THRESHOLD))
    secs = time.perf_counter() - t0
    flagged = df.join(dup, on="_row", how="semi")["request_id"]
    flagged.to_frame().write_parquet(out_dir() / f"flagged_ours_{n}.parquet")
    print(json.dumps({"seconds": secs, "peak_rss_gb": _peak_rss_gb(), "flagged": flagged.len()}))


DISTILABEL_CHILD = r'''
import json, re, sys, time
n, src, dst = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rows = [json.loads(l) for l in open(src, encoding="utf-8")]
from distilabel.steps import MinHashDedup
pat = re.compile(r"[^\W_]+(?:'[^\W\d_]+)?")
def words(texts):  # the regex word tokenizer ours uses, as bytes sets like distilabel's own
    return [{w.encode("utf-8") for w in pat.findall(t.lower())} for t in texts]
t0 = time.perf_counter()
step = MinHashDedup(tokenizer="ngrams", threshold=%(threshold)s, storage="dict")
step.load()
step._tokenizer = words  # "words" would need NLTK data
out = next(step.process([{"text": r["query"], "request_id": r["request_id"]} for r in rows]))
secs = time.perf_counter() - t0
flagged = [r["request_id"] for r in out if not r["keep_row_after_minhash_filtering"]]
json.dump(flagged, open(dst, "w"))
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
print(json.dumps({"seconds": secs, "peak_rss_gb": int(hwm) / 1024**2, "flagged": len(flagged)}))
'''


def _distilabel_python() -> Path:
    venv = out_dir().parent / "venv-distilabel"
    py = venv / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    if subprocess.run([str(py), "-c", "import distilabel, datasketch, requests; assert datasketch.__version__ == '1.6.5'"], capture_output=True).returncode:
        subprocess.run([str(py), "-m", "pip", "install", "-q", *DISTILABEL], check=True)
    return py


def _run(cmd: list[str]) -> dict:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=PEER_TIMEOUT_S)
    if out.returncode:
        raise RuntimeError(f"{cmd[:3]} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_ours(n: int) -> dict:
    return _run([sys.executable, "-m", "bench.near_dedup", "--ours", str(n)])


def run_distilabel(n: int, py: Path) -> dict:
    d = out_dir()
    src = d / f"queries_{n}.jsonl"
    if not src.exists():
        product_rows(n).sort("request_id").select("request_id", "query").write_ndjson(src)
    script = d / "distilabel_child.py"
    script.write_text(DISTILABEL_CHILD % {"threshold": THRESHOLD}, encoding="utf-8")
    return _run([str(py), str(script), str(n), str(src), str(d / f"flagged_distilabel_{n}.json")])


def truth_sample(df: pl.DataFrame, sample: int, seed: int = 0, threshold: float = THRESHOLD) -> tuple[set[str], set[str]]:
    """(sampled request_ids, those that should go): a sampled row should go when some earlier row
    (request_id order) of the whole frame has word-set Jaccard >= threshold with it. Exact: one
    sparse product (sample x tokens) . (tokens x rows) gives every intersection size, so no pair
    is skipped and memory stays at the nonzero pairs of the sample (a full all-pairs truth needs
    tens of GB on these queries: popular words are shared by most rows)."""
    import scipy.sparse as sp

    from routenator_dagster.filtering.words import tokens_expr

    d = df.sort("request_id").with_columns(tokens_expr("query").list.unique().alias("s")).with_row_index("rank")
    ex = d.select("rank", "s").explode("s", empty_as_null=False).drop_nulls()
    tok = ex["s"].cast(pl.Categorical).to_physical().to_numpy()
    rows = ex["rank"].to_numpy()
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, tok)), shape=(d.height, int(tok.max()) + 1))
    size = np.asarray(m.sum(axis=1)).ravel()
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(np.nonzero(size > 0)[0], size=min(sample, int((size > 0).sum())), replace=False))
    rid = d["request_id"].to_list()
    should: set[str] = set()
    for s0 in range(0, len(pick), 100):  # 100 sampled rows at a time bounds the product's memory
        part = pick[s0 : s0 + 100]
        inter = (m[part] @ m.T).tocoo()
        earlier = inter.col < part[inter.row]
        i, j, v = part[inter.row[earlier]], inter.col[earlier], inter.data[earlier]
        jac = v / (size[i] + size[j] - v)
        should |= {rid[k] for k in np.unique(i[jac >= threshold - 1e-9])}
    return {rid[k] for k in pick}, should


def _pr(flagged: set[str], truth: set[str]) -> tuple[float, float]:
    tp = len(flagged & truth)
    return (tp / len(flagged) if flagged else 1.0), (tp / len(truth) if truth else 1.0)


def _plot(results: list[dict]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for peer, style in (("ours", "o-"), ("distilabel", "s--")):
        pts = sorted((r["rows"], r["seconds"], r["peak_rss_gb"]) for r in results if r["peer"] == peer)
        if pts:
            rows, secs, rss = zip(*pts)
            a.plot(rows, secs, style, label=peer)
            b.plot(rows, rss, style, label=peer)
    a.set(xlabel="rows", ylabel="seconds", title="near dedup time")
    b.set(xlabel="rows", ylabel="peak RSS (GB)", title="near dedup memory")
    for ax in (a, b):
        ax.set_xscale("log")
        ax.grid(alpha=0.3)
        ax.legend()
    path = out_dir() / "near_dedup.png"
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def main(sizes: list[int] | None = None) -> list[dict]:
    sizes = sizes or SIZES + ([3_000_000] if os.environ.get("RN_NEAR_DEDUP_3M") else [])
    py = _distilabel_python()
    load = os.getloadavg()[0]
    runs: list[dict] = []
    out: list[dict] = []
    for n in sizes:
        ours = {**run_ours(n), "peer": "ours", "rows": n}
        runs.append(ours)
        if n > PEER_MAX_ROWS:
            out.append({"bench": "near_dedup_speedup_vs_distilabel", "value": None, "unit": "x", "target": "> 1", "rows": n,
                        "skipped": f"distilabel above RN_NEAR_DEDUP_PEER_MAX_ROWS={PEER_MAX_ROWS} (memory)"})
        else:
            try:
                peer = {**run_distilabel(n, py), "peer": "distilabel", "rows": n}
                runs.append(peer)
                out.append({"bench": "near_dedup_speedup_vs_distilabel", "value": round(peer["seconds"] / ours["seconds"], 2),
                            "unit": "x", "target": "> 1", "rows": n, "ours_s": round(ours["seconds"], 2),
                            "distilabel_s": round(peer["seconds"], 2), "distilabel_peak_rss_gb": round(peer["peak_rss_gb"], 2)})
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                out.append({"bench": "near_dedup_speedup_vs_distilabel", "value": None, "unit": "x", "target": "> 1", "rows": n, "error": repr(exc)[:300]})
        out.append({"bench": "near_dedup_peak_rss_gb", "value": round(ours["peak_rss_gb"], 2), "unit": "GB",
                    "target": "<= 3 at 1M", "rows": n, "seconds": round(ours["seconds"], 2)})
    q = QUALITY_ROWS if QUALITY_ROWS in sizes else sizes[0]
    sampled, truth = truth_sample(product_rows(q), QUALITY_SAMPLE)
    ours_f = set(pl.read_parquet(out_dir() / f"flagged_ours_{q}.parquet")["request_id"].to_list()) & sampled
    p, r = _pr(ours_f, truth)
    out += [
        {"bench": "near_dedup_precision", "value": round(p, 4), "unit": "ratio", "target": ">= 0.95", "rows": q, "level": "row", "sample": len(sampled), "should_go": len(truth)},
        {"bench": "near_dedup_recall", "value": round(r, 4), "unit": "ratio", "target": ">= 0.90", "rows": q, "level": "row"},
    ]
    dpath = out_dir() / f"flagged_distilabel_{q}.json"
    if dpath.exists():
        p, r = _pr(set(json.loads(dpath.read_text())) & sampled, truth)
        out += [
            {"bench": "distilabel_near_dedup_precision", "value": round(p, 4), "unit": "ratio", "target": "baseline", "rows": q, "level": "row"},
            {"bench": "distilabel_near_dedup_recall", "value": round(r, 4), "unit": "ratio", "target": "baseline", "rows": q, "level": "row"},
        ]
    plot = _plot(runs)
    for o in out:
        o["load_1m"] = round(load, 2)
    out.append({"bench": "near_dedup_plot", "value": str(plot), "unit": "path", "target": None})
    return out


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--ours":
        _ours_child(int(sys.argv[2]))
    else:
        for row in main([int(a) for a in sys.argv[1:]] or None):
            print(json.dumps(row), flush=True)
