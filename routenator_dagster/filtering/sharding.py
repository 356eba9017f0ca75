"""Exact and near-duplicate detection split across N shards (pods) with the single-process result.

Each stage partitions by a key that keeps every comparison inside one shard:

* exact dedup: by a hash of the normalized query. Equal queries land in one shard, which keeps
  the smallest request_id, exactly as the single process does.
* near dedup, identical word sets: by the set key (``near_dedup.rank_sets``). Each shard picks its
  sets' earliest rows.
* near dedup, LSH: one row per distinct set (with its tokens and MinHash signature, computed row by
  row anywhere) goes to the shard owning its bucket, per band: ``bucket % N``. A bucket's
  candidates depend only on its members in rank order, so each shard finds exactly the matches
  the single process finds in those buckets; the merge is an element-wise minimum.

``n_shards`` simulates the pods in one process; ``run_shard`` names the work one pod does.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from routenator_dagster.filtering import exact_dedup, near_dedup
from routenator_dagster.filtering.near_dedup import MinHashParams


def _partition(key: np.ndarray, n_shards: int) -> np.ndarray:
    return (key.astype(np.uint64) % np.uint64(n_shards)).astype(np.int64)


def exact_duplicate_rows(df: pl.DataFrame, n_shards: int) -> pl.Series:
    """exact_dedup.duplicate_rows over ``n_shards`` partitions by hash of ``_norm``."""
    part = _partition(df["_norm"].hash(seed=11).to_numpy(), n_shards)
    parts = [exact_dedup.duplicate_rows(df.filter(pl.Series(part == k))) for k in range(n_shards)]
    return pl.concat(parts).sort() if parts else pl.Series("_row", [], dtype=pl.Int64)


def _set_keys(df: pl.DataFrame, params: MinHashParams) -> np.ndarray:
    """The set key of every row (row-local: any pod can compute it)."""
    table = near_dedup.set_table(df["_qtoks"], params.seed)
    return near_dedup.set_keys(table)


def run_shard(
    sig: np.ndarray, table: near_dedup.SetTable, shard: int, n_shards: int, params: MinHashParams
) -> tuple[np.ndarray, np.ndarray]:
    """One pod's LSH work: (set, earliest match) pairs found in the buckets it owns. In a cluster
    the pod receives only those buckets' rows; here it reads only them from the shared arrays."""
    best = near_dedup.earliest_matches(sig, table, params, shard=shard, n_shards=n_shards)
    found = np.nonzero(best != near_dedup._NONE)[0]
    return found, best[found]


def near_duplicate_rows(df: pl.DataFrame, n_shards: int, params: MinHashParams = MinHashParams()) -> pl.DataFrame:
    """near_dedup.duplicate_rows computed in ``n_shards`` shards: same rows, same duplicate_of."""
    keys = _set_keys(df, params)
    part = _partition(keys, n_shards)
    # Stage 1, by set key: each shard groups its identical sets and keeps their earliest rows.
    groups = [near_dedup.rank_sets(df.filter(pl.Series(part == k)), params) for k in range(n_shards)]
    reps = pl.concat(
        [
            df.join(pl.DataFrame({"_row": g.rows[g.first].astype(np.int64)}), on="_row", how="semi")
            for g in groups if len(g.first)
        ]
    ) if any(len(g.first) for g in groups) else df.head(0)
    # Stage 2, by LSH bucket: the distinct sets in rank order, matched shard by shard.
    rep = near_dedup.rank_sets(reps, params)
    sig = near_dedup.table_signatures(rep.table, params)
    best = np.full(rep.table.n, near_dedup._NONE, dtype=np.int64)
    for k in range(n_shards):
        found, match = run_shard(sig, rep.table, k, n_shards, params)
        np.minimum.at(best, found, match)
    # Merge: a row's duplicate_of is its set's near match, else its set's earliest row.
    rep_rid = rep.request_id.gather(rep.first)
    rep_row = rep.rows[rep.first]
    near_of = {int(r): rep_rid[int(m)] for r, m in zip(rep_row[best != near_dedup._NONE], best[best != near_dedup._NONE])}
    out_rows: list[int] = []
    out_of: list[str] = []
    for g in groups:
        if not len(g.rows):
            continue
        first_row = np.where(g.group >= 0, g.rows[g.first[np.maximum(g.group, 0)]] if len(g.first) else -1, -1)
        first_rid = g.request_id.gather(g.first[np.maximum(g.group, 0)]).to_list() if len(g.first) else [None] * len(g.rows)
        for i, (row, grp) in enumerate(zip(g.rows.tolist(), g.group.tolist())):
            if grp < 0:
                continue
            rep_of_row = int(first_row[i])
            if rep_of_row in near_of:
                out_rows.append(row)
                out_of.append(near_of[rep_of_row])
            elif rep_of_row != row:
                out_rows.append(row)
                out_of.append(first_rid[i])
    return pl.DataFrame({"_row": out_rows, "duplicate_of": out_of}, schema={"_row": pl.Int64, "duplicate_of": pl.Utf8}).sort("_row")


def sharded_dedup(df: pl.DataFrame, n_shards: int, params: MinHashParams = MinHashParams()) -> tuple[pl.Series, pl.DataFrame]:
    """Exact then near dedup of ``df`` (with the normalize columns), both sharded: the exact
    duplicates' _row and the near duplicates' (_row, duplicate_of), as the pipeline drops them."""
    exact = exact_duplicate_rows(df, n_shards)
    rest = df.join(pl.DataFrame({"_row": exact}), on="_row", how="anti")
    return exact, near_duplicate_rows(rest, n_shards, params)
