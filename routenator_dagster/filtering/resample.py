"""Stratified resampling to the population targets: function x content type x length bucket.

The output size N is the largest for which the (function, content type) groups' total shortfall
(target rows a group cannot supply) stays within `tolerance` x N, so the function and content-type
shares stay within about `tolerance` total-variation distance of the targets; a short length
bucket borrows from its group's other buckets, within `length_tolerance` (see `plan`).
Each cell keeps its first rows in a seeded hash order of request_id: deterministic for a seed and
independent of input order. Cells that could not be filled are reported, not hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from routenator_dagster.targets import PopulationTargets

STAGE = "resample"
REASON = "over_target_share"
CELL = ["function", "content_type", "_bucket"]


@dataclass(frozen=True)
class ResamplePlan:
    total: int  # rows selected
    cells: pl.DataFrame  # function, content_type, length_bucket, share, target, available, selected, shortfall


def bucket_expr(targets: PopulationTargets) -> pl.Expr:
    """Length bucket of the query's actual word count (longer than every bucket: the last one)."""
    expr: pl.Expr | None = None
    for fn, buckets in targets.length_buckets.items():
        for b in buckets:
            cond = (pl.col("function") == fn) & (pl.col("_n_words") <= b.max_words)
            expr = pl.when(cond).then(pl.lit(b.name)) if expr is None else expr.when(cond).then(pl.lit(b.name))
        last = (pl.col("function") == fn)
        expr = expr.when(last).then(pl.lit(buckets[-1].name))
    return expr.otherwise(pl.lit(None, dtype=pl.Utf8))


def _largest_total(shares: list[float], available: list[int], cap: int, tolerance: float) -> int:
    """Largest N <= cap whose total shortfall sum(max(0, share*N - available)) is within
    tolerance*N. Entries with nothing available are short at every size; their share is allowed
    on top so they do not shrink N (they are reported instead)."""
    allowed = tolerance + sum(s for s, a in zip(shares, available) if a == 0)

    def ok(n: int) -> bool:
        short = sum(max(0.0, s * n - a) for s, a in zip(shares, available))
        return short <= allowed * n

    lo, hi = 0, cap  # shortfall/N grows with N, so the feasible set is [0, N*]
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _fill_group(total: int, shares: list[float], available: list[int]) -> list[int]:
    """Split a group's ``total`` over its buckets by share; a bucket's deficit goes to the
    buckets with rows to spare, in proportion to their shares (largest remainder, deterministic)."""
    weight = sum(shares) or 1.0
    want = [total * s / weight for s in shares]
    take = [min(a, int(w)) for a, w in zip(available, want)]
    # largest remainder for the fractional parts, where rows exist
    order = sorted(range(len(want)), key=lambda i: (-(want[i] - int(want[i])), i))
    for i in order:
        if sum(take) >= total:
            break
        if take[i] < available[i] and take[i] < int(want[i]) + 1:
            take[i] += 1
    left = total - sum(take)
    while left > 0:
        spare = [i for i in range(len(take)) if take[i] < available[i]]
        if not spare:
            break
        w = sum(shares[i] for i in spare) or float(len(spare))
        for i in sorted(spare, key=lambda i: (-shares[i], i)):
            give = min(available[i] - take[i], left, max(1, int(left * (shares[i] or 1.0) / w)))
            take[i] += give
            left -= give
            if left == 0:
                break
    return take


def plan(
    df: pl.DataFrame,
    targets: PopulationTargets,
    tolerance: float = 0.02,
    size: int | None = None,
    length_tolerance: float = 0.10,
) -> ResamplePlan:
    """How many rows each cell keeps. ``df`` needs function, content_type and _bucket.

    N is the largest size for which (a) the (function, content type) groups fall short of their
    targets by at most ``tolerance`` x N in total, and (b) the single cells fall short by at most
    ``length_tolerance`` x N. Within a group, a short length bucket is made up from the group's
    other buckets, so the function and content-type shares hold while the length mix bends a
    little instead of one scarce cell shrinking the whole dataset.
    """
    shares = targets.cell_shares()
    avail = dict(
        ((r["function"], r["content_type"], r["_bucket"]), r["len"])
        for r in df.group_by(CELL).len().iter_rows(named=True)
    )
    keys = sorted(shares)
    s = [shares[k] for k in keys]
    a = [int(avail.get(k, 0)) for k in keys]
    groups: dict[tuple[str, str], list[int]] = {}
    for i, k in enumerate(keys):
        groups.setdefault((k[0], k[1]), []).append(i)
    gs = [sum(s[i] for i in idx) for idx in groups.values()]
    ga = [sum(a[i] for i in idx) for idx in groups.values()]
    cap = df.height if size is None else min(size, df.height)
    n = min(_largest_total(gs, ga, cap, tolerance), _largest_total(s, a, cap, length_tolerance))
    selected = [0] * len(keys)
    for g_share, g_avail, idx in zip(gs, ga, groups.values()):
        total = min(g_avail, round(g_share * n))
        for i, x in zip(idx, _fill_group(total, [s[i] for i in idx], [a[i] for i in idx])):
            selected[i] = x
    rows = []
    for k, sk, ak, sel in zip(keys, s, a, selected):
        target = round(sk * n)
        rows.append((*k, sk, target, ak, sel, max(0, target - sel)))
    cells = pl.DataFrame(
        rows,
        schema={"function": pl.Utf8, "content_type": pl.Utf8, "length_bucket": pl.Utf8, "share": pl.Float64,
                "target": pl.Int64, "available": pl.Int64, "selected": pl.Int64, "shortfall": pl.Int64},
        orient="row",
    )
    return ResamplePlan(total=int(cells["selected"].sum()), cells=cells)


def select(df: pl.DataFrame, resample_plan: ResamplePlan, seed: int) -> pl.Series:
    """_row of the rows kept by ``resample_plan``; the rest are over their cell's target."""
    quota = resample_plan.cells.select(
        "function", "content_type", pl.col("length_bucket").alias("_bucket"), pl.col("selected").alias("_quota")
    )
    ranked = (
        df.select("_row", "request_id", *CELL)
        .join(quota, on=CELL, how="left")
        .with_columns(pl.col("_quota").fill_null(0))
        .sort("request_id", "_row")  # ties of the hash order fall back to request_id order
        .with_columns(pl.col("request_id").hash(seed).rank("ordinal").over(CELL).alias("_rank"))
    )
    return ranked.filter(pl.col("_rank") <= pl.col("_quota"))["_row"]
