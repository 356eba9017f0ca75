"""Sharded exact + near dedup gives the single process's rows, row for row, for any shard count."""

from __future__ import annotations

import os

import numpy as np
import polars as pl
import pytest

from routenator_dagster.filtering import exact_dedup, near_dedup, normalize, sharding

N_ROWS = int(os.environ.get("RN_SHARD_TEST_ROWS", "20000"))


def _rows(n: int, seed: int = 3) -> pl.DataFrame:
    """Short queries over a skewed vocabulary (popular words fill big LSH buckets), with exact
    repeats, reordered words, and one-word edits mixed in."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(3000)])
    p = 1.0 / np.arange(1, len(vocab) + 1)
    p /= p.sum()
    lens = rng.integers(1, 12, size=n)
    words = rng.choice(vocab, size=int(lens.sum()), p=p)
    queries = [" ".join(w) for w in np.split(words, np.cumsum(lens)[:-1])]
    src = rng.integers(0, n, size=n)
    kind = rng.random(n)
    for i in range(n):
        w = queries[src[i]].split()
        if kind[i] < 0.05:
            queries[i] = queries[src[i]].upper() + "!"  # exact after normalization
        elif kind[i] < 0.10:
            queries[i] = " ".join(w[::-1])  # same word set
        elif kind[i] < 0.18:
            queries[i] = " ".join(w + [str(vocab[int(src[i]) % 3000])])  # one word added
    rids = [f"r{int(x):09d}" for x in rng.permutation(n)]  # rank order differs from row order
    df = pl.DataFrame({"_row": np.arange(n, dtype=np.int64), "request_id": rids, "query": queries, "extracted_prompt": queries})
    return normalize.add_text_columns(df)


@pytest.fixture(scope="module")
def single() -> tuple[pl.DataFrame, pl.Series, pl.DataFrame]:
    df = _rows(N_ROWS)
    exact = exact_dedup.duplicate_rows(df).sort()
    rest = df.join(pl.DataFrame({"_row": exact}), on="_row", how="anti")
    return df, exact, near_dedup.duplicate_rows(rest)


def test_fixture_exercises_big_buckets_and_all_kinds(single):
    df, exact, near = single
    params = near_dedup.MinHashParams()
    rest = df.join(pl.DataFrame({"_row": exact}), on="_row", how="anti")
    rs = near_dedup.rank_sets(rest, params)
    sig = near_dedup.table_signatures(rs.table, params)
    _, counts = np.unique(near_dedup.band_buckets(sig, 0, params), return_counts=True)
    assert counts.max() > params.anchors + params.window  # the bounded path inside a bucket runs
    assert exact.len() > N_ROWS * 0.03 and near.height > N_ROWS * 0.05
    same_set = int((rs.group >= 0).sum()) - len(rs.first)
    assert 0 < same_set < near.height  # both identical-set and LSH near-duplicates are dropped


@pytest.mark.parametrize("n_shards", [1, 3, 8])
def test_sharded_equals_single_row_for_row(single, n_shards):
    df, exact, near = single
    s_exact, s_near = sharding.sharded_dedup(df, n_shards)
    assert s_exact.to_list() == exact.to_list()
    assert s_near.rows() == near.rows()
    kept_single = set(df["_row"].to_list()) - set(exact.to_list()) - set(near["_row"].to_list())
    kept_sharded = set(df["_row"].to_list()) - set(s_exact.to_list()) - set(s_near["_row"].to_list())
    assert kept_sharded == kept_single


def test_each_shard_owns_a_disjoint_part_of_the_matches(single):
    df, exact, _ = single
    params = near_dedup.MinHashParams()
    rest = df.join(pl.DataFrame({"_row": exact}), on="_row", how="anti")
    rs = near_dedup.rank_sets(rest, params)
    sig = near_dedup.table_signatures(rs.table, params)
    per_shard = [sharding.run_shard(sig, rs.table, k, 8, params)[0] for k in range(8)]
    assert sum(len(f) > 0 for f in per_shard) == 8  # every pod has work
    assert max(len(f) for f in per_shard) < len(np.unique(np.concatenate(per_shard)))  # none has it all
