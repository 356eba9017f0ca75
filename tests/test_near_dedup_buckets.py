"""Near dedup inside big LSH buckets: bounded work still drops every near-duplicate, keeps the
earliest row, and gives the same rows whatever the input order."""

from __future__ import annotations

import numpy as np
import polars as pl

from routenator_dagster.filtering import near_dedup, normalize


def _frame(rids: list[str], queries: list[str]) -> pl.DataFrame:
    df = pl.DataFrame({"_row": np.arange(len(rids), dtype=np.int64), "request_id": rids, "query": queries, "extracted_prompt": queries})
    return normalize.add_text_columns(df)


BASE = "pink unicorn birthday party flyer with gold balloons tonight"  # 9 words


def test_big_bucket_of_near_duplicates_all_dropped_but_the_first():
    # 600 rows: the base plus one distinct extra word each. Any two share 9 of 11 words (0.82),
    # so they crowd the same buckets far past anchors + window.
    queries = [BASE] + [f"{BASE} extra{i}" for i in range(600)]
    rids = [f"r{i:04d}" for i in range(len(queries))]
    dup = near_dedup.duplicate_rows(_frame(rids, queries))
    assert dup.height == 600 and 0 not in dup["_row"].to_list()
    assert set(dup["duplicate_of"].to_list()) == {"r0000"}  # the first anchor of every bucket


def test_identical_word_sets_point_at_the_earliest_row():
    words = BASE.split()
    queries = [" ".join(words[k:] + words[:k]) for k in range(9)] * 50  # 450 rows, one word set
    rids = [f"r{i:04d}" for i in range(len(queries))]
    dup = near_dedup.duplicate_rows(_frame(rids, queries))
    assert dup.height == len(queries) - 1 and set(dup["duplicate_of"].to_list()) == {"r0000"}


def test_same_rows_whatever_the_input_order():
    rng = np.random.default_rng(1)
    vocab = [f"w{i}" for i in range(40)]
    queries = [" ".join(rng.choice(vocab, size=int(rng.integers(2, 7)))) for _ in range(3000)]
    rids = [f"r{i:05d}" for i in range(len(queries))]
    df = _frame(rids, queries)
    ref = df.join(near_dedup.duplicate_rows(df), on="_row").select("request_id", "duplicate_of").sort("request_id")
    perm = rng.permutation(df.height)
    shuffled = df[perm].with_columns(pl.Series("_row", np.arange(df.height, dtype=np.int64)))
    got = shuffled.join(near_dedup.duplicate_rows(shuffled), on="_row").select("request_id", "duplicate_of").sort("request_id")
    assert ref.height > 100 and got.rows() == ref.rows()


def test_every_reported_duplicate_is_a_true_near_duplicate():
    rng = np.random.default_rng(2)
    vocab = [f"w{i}" for i in range(60)]
    queries = [" ".join(rng.choice(vocab, size=int(rng.integers(3, 10)))) for _ in range(1000)]
    for i in range(1000):  # edits of one or two words: some pairs above 0.8, many just below
        w = queries[i].split()
        w[int(rng.integers(len(w)))] = "x" + str(i)
        if i % 2:
            w.append("y" + str(i))
        queries.append(" ".join(w))
    df = _frame([f"r{i:05d}" for i in range(len(queries))], queries)
    dup = near_dedup.duplicate_rows(df)
    sets = {r: set(t) for r, t in zip(df["request_id"].to_list(), df["_qtoks"].to_list())}
    rid = dict(zip(df["_row"].to_list(), df["request_id"].to_list()))
    assert dup.height > 20
    for row, of in dup.iter_rows():
        a, b = sets[rid[row]], sets[of]
        assert of < rid[row] and len(a & b) / len(a | b) >= 0.8
