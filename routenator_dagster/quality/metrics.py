"""Dataset metrics (the paper's section 4): lengths, content types, keyword positions, alignment.

Inputs are frames with at least query, function, content_type (and route for the route mix).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from routenator_dagster.filtering import near_dedup
from routenator_dagster.filtering.normalize import normalized_expr
from routenator_dagster.filtering.words import tokens_expr, words_expr
from routenator_dagster.labels import CONTENT_TYPES, FUNCTIONS, TYPE_WORDS
from routenator_dagster.targets import PopulationTargets

# The first content-type word of the label's own type; same words as labels.type_words_in.
_FIRST_TYPE_WORD = {
    ct: r"(?i)^(.*?)\b(?:" + "|".join(w.replace(" ", r"\s+") for w in words) + r")\b" for ct, words in TYPE_WORDS.items()
}


def with_word_counts(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(words_expr("query").alias("n_words"))


def _describe(values: pl.Series) -> dict[str, float | int | None]:
    if values.len() == 0:
        return {"n": 0, "mean": None, "median": None, "q1": None, "q3": None, "iqr": None, "min": None, "max": None}
    arr = values.cast(pl.Float64).to_numpy()
    q1, med, q3 = np.percentile(arr, [25, 50, 75])
    return {"n": int(arr.size), "mean": round(float(arr.mean()), 4), "median": float(med), "q1": float(q1), "q3": float(q3),
            "iqr": float(q3 - q1), "min": int(arr.min()), "max": int(arr.max())}


def word_count_stats(df: pl.DataFrame) -> dict[str, dict[str, float | int | None]]:
    """Word-count mean/median/quartiles/IQR per function and "overall" (linear-interpolated quartiles)."""
    wc = with_word_counts(df)
    out = {fn: _describe(wc.filter(pl.col("function") == fn)["n_words"]) for fn in FUNCTIONS}
    out["overall"] = _describe(wc["n_words"])
    return out


def counts(df: pl.DataFrame, col: str) -> dict[str, int]:
    return {str(k): int(v) for k, v in df.group_by(col).len().sort(col, nulls_last=True).iter_rows()}


def shares(df: pl.DataFrame, col: str) -> dict[str, float]:
    c = counts(df, col)
    total = sum(c.values())
    return {k: v / total for k, v in c.items()} if total else {}


def target_content_type_shares(targets: PopulationTargets) -> dict[str, float]:
    """Overall content-type shares implied by the function split and per-function shares."""
    out = {ct: 0.0 for ct in CONTENT_TYPES}
    for fn, p_fn in targets.function_shares.items():
        for ct, p in targets.content_type_shares[fn].items():
            out[ct] += p_fn * p
    return out


def tv_distance(p: dict[str, float], q: dict[str, float]) -> float:
    """Total-variation distance: half the L1 distance over the union of keys."""
    keys = set(p) | set(q)
    return 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in keys)


def keyword_positions(df: pl.DataFrame) -> pl.DataFrame:
    """Per typed row (content_type != Any): position of the first word of its own type in the query,
    normalized as word index / (n_words - 1); null when the query does not name its type.
    Single-word queries have no position (the ratio is undefined) and are left out."""
    parts = []
    for ct, pat in _FIRST_TYPE_WORD.items():
        sub = df.filter(pl.col("content_type") == ct).select("query", "content_type")
        if sub.height == 0:
            continue
        parts.append(
            sub.with_columns(
                words_expr("query").alias("n_words"),
                pl.col("query").str.extract(pat, 1).str.count_matches(r"\S+").alias("_idx"),
            )
        )
    if not parts:
        return pl.DataFrame(schema={"content_type": pl.Utf8, "n_words": pl.Int64, "position": pl.Float64})
    allp = pl.concat(parts).filter(pl.col("n_words") > 1)
    return allp.select(
        "content_type", "n_words",
        (pl.col("_idx").cast(pl.Float64) / (pl.col("n_words") - 1).cast(pl.Float64)).alias("position"),
    )


def keyword_position_spread(df: pl.DataFrame, targets: PopulationTargets) -> dict[str, Any]:
    """Presence of the type word among typed rows, shares per position bin, their TV to the targets."""
    kp = keyword_positions(df)
    named = kp.filter(pl.col("position").is_not_null())["position"]
    presence = named.len() / kp.height if kp.height else 0.0
    start_hi = targets.keyword_bins["start"][1]
    end_lo = targets.keyword_bins["end"][0]
    arr = named.to_numpy()
    bins = {
        "start": float((arr < start_hi).mean()) if arr.size else 0.0,
        "middle": float(((arr >= start_hi) & (arr < end_lo)).mean()) if arr.size else 0.0,
        "end": float((arr >= end_lo).mean()) if arr.size else 0.0,
    }
    return {
        "typed_rows": kp.height,
        "named": int(arr.size),
        "presence": presence,
        "presence_target": targets.keyword_presence,
        "bins": bins,
        "bins_target": dict(targets.keyword_positions),
        "tv_bins": tv_distance(bins, targets.keyword_positions) if arr.size else None,
        "std": float(arr.std()) if arr.size else None,
        "histogram": np.histogram(arr, bins=10, range=(0.0, 1.0))[0].tolist(),
    }


def length_histograms(df: pl.DataFrame) -> dict[str, dict[int, int]]:
    """function -> word count -> rows (the Search vs Generate length distributions)."""
    wc = with_word_counts(df)
    return {fn: dict(sorted(wc.filter(pl.col("function") == fn).group_by("n_words").len().iter_rows())) for fn in FUNCTIONS}


def rejections_by_route(rejections: pl.DataFrame) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for route, reason, n in rejections.group_by("route", "reason").len().sort("route", "reason", nulls_last=True).iter_rows():
        out.setdefault(str(route), {})[str(reason)] = int(n)
    return out


def duplicates(df: pl.DataFrame, threshold: float = 0.8) -> dict[str, Any]:
    """Exact duplicates (rows repeating a normalized query) and near-duplicate pairs (word-set
    Jaccard >= threshold) among the distinct normalized queries left in ``df``."""
    norm = df.select(normalized_expr("query").alias("n"))["n"]
    exact = int(norm.len() - norm.n_unique())
    distinct = pl.DataFrame({"n": norm.unique(maintain_order=True)})
    toks = distinct.select(tokens_expr("n").alias("t"))["t"]
    pairs = near_dedup.near_duplicate_pairs(toks, near_dedup.MinHashParams(threshold=threshold))
    examples = [(distinct["n"][int(i)], distinct["n"][int(j)]) for i, j in pairs[:10]]
    return {"exact": exact, "near_pairs": int(len(pairs)), "total": exact + int(len(pairs)), "near_examples": examples}


def target_word_shares(targets: PopulationTargets, function: str) -> dict[int, float]:
    """The length-bucket target spread evenly over each bucket's word counts: word count -> share."""
    out: dict[int, float] = {}
    for b in targets.length_buckets.get(function, ()):
        width = b.max_words - b.min_words + 1
        for w in range(b.min_words, b.max_words + 1):
            out[w] = out.get(w, 0.0) + b.share / width
    total = sum(out.values())
    return {w: v / total for w, v in sorted(out.items())} if total else {}


def length_targets(df: pl.DataFrame, targets: PopulationTargets) -> dict[str, dict[str, Any]]:
    """Per function, the data's length against that function's own targets: the length-bucket
    shares (and their TV distance), the median/mean those buckets imply, and the real-traffic
    reference where the targets carry one for that function (``<function>_median_words``)."""
    wc = with_word_counts(df)
    out: dict[str, dict[str, Any]] = {}
    for fn in FUNCTIONS:
        words = target_word_shares(targets, fn)
        cum, median = 0.0, None
        for w, p in words.items():
            cum += p
            if cum >= 0.5:
                median = float(w)
                break
        mean = sum(w * p for w, p in words.items()) if words else None
        sub = wc.filter(pl.col("function") == fn)["n_words"]
        data, target = {}, {}
        for b in targets.length_buckets.get(fn, ()):
            key = f"{b.min_words}-{b.max_words}"
            target[key] = b.share
            data[key] = float(((sub >= b.min_words) & (sub <= b.max_words)).sum() / sub.len()) if sub.len() else 0.0
        ref = targets.reference
        prefix = fn.lower()
        out[fn] = {
            "rows": int(sub.len()),
            "bucket_shares": data,
            "bucket_shares_target": target,
            "tv_buckets": tv_distance(data, target) if sub.len() and target else None,
            "target_median": median,
            "target_mean": round(mean, 4) if mean is not None else None,
            "reference_median": ref.get(f"{prefix}_median_words"),
            "reference_mean": ref.get(f"{prefix}_mean_words"),
            "reference_source": "population targets, reference_sample" if f"{prefix}_median_words" in ref else None,
        }
    return out


def route_family_mix(df: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows per (route, template family), with their share of the dataset, largest first."""
    if df.height == 0 or "route" not in df.columns:
        return []
    fam = pl.col("template_family") if "template_family" in df.columns else pl.lit(None, dtype=pl.Utf8)
    g = (df.select(pl.col("route").fill_null("(none)"), fam.fill_null("(none)").alias("template_family"))
         .group_by("route", "template_family").len().sort(["len", "route", "template_family"], descending=[True, False, False]))
    return [{"route": r, "template_family": f, "rows": int(n), "share": n / df.height} for r, f, n in g.iter_rows()]


def compute_figures(kept: pl.DataFrame, rejections: pl.DataFrame | None, targets: PopulationTargets) -> dict[str, Any]:
    """Every figure of the quality report for one dataset, as JSON-able values."""
    fn_shares = shares(kept, "function")
    ct_shares = shares(kept, "content_type")
    ct_target = target_content_type_shares(targets)
    wc = word_count_stats(kept)
    rej = rejections if rejections is not None else pl.DataFrame(schema={"route": pl.Utf8, "reason": pl.Utf8})
    return {
        "rows": kept.height,
        "rows_by_function": counts(kept, "function"),
        "rows_by_content_type": counts(kept, "content_type"),
        "rows_by_route": counts(kept, "route") if "route" in kept.columns else {},
        "word_counts": wc,
        "function_shares": fn_shares,
        "function_shares_target": dict(targets.function_shares),
        "content_type_shares": ct_shares,
        "content_type_shares_target": ct_target,
        "tv_distance": {
            "function": tv_distance(fn_shares, targets.function_shares) if kept.height else None,
            "content_type": tv_distance(ct_shares, ct_target) if kept.height else None,
        },
        "keyword_positions": keyword_position_spread(kept, targets),
        "length_histograms": {fn: {str(k): v for k, v in h.items()} for fn, h in length_histograms(kept).items()},
        "route_mix": shares(kept, "route") if "route" in kept.columns else {},
        "rejected_rows": rej.height,
        "rejected_by_reason": counts(rej, "reason") if rej.height else {},
        "rejections_by_route": rejections_by_route(rej) if rej.height else {},
        "rejected_by_stage": counts(rej, "stage") if rej.height and "stage" in rej.columns else {},
        "length_targets": length_targets(kept, targets),
        "route_family_mix": route_family_mix(kept),
        "duplicates": duplicates(kept),
    }
