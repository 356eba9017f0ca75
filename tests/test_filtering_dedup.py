"""Exact, near (MinHash LSH) and semantic dedup: planted pairs are found, survivors are deterministic."""

from __future__ import annotations

import random

import numpy as np
import polars as pl
import pytest

from routenator_dagster.filtering import near_dedup, normalize, semantic_dedup
from routenator_dagster.filtering.words import tokens_expr


def _words(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choice("bcdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3)) for _ in range(n)]


def _tokens(queries: list[str]) -> pl.Series:
    return pl.DataFrame({"q": queries}).select(tokens_expr("q"))["q"]


def test_signature_agreement_estimates_jaccard():
    a = [f"w{i}" for i in range(40)]
    b = a[:20] + [f"x{i}" for i in range(20)]  # Jaccard 20/60 = 1/3
    c = a[:36] + [f"y{i}" for i in range(4)]  # Jaccard 36/44
    sig = near_dedup.signatures(_tokens([" ".join(a), " ".join(b), " ".join(c)]), near_dedup.MinHashParams(bands=32, rows_per_band=4))
    est_b, est_c = (sig[0] == sig[1]).mean(), (sig[0] == sig[2]).mean()
    assert abs(est_b - 1 / 3) < 0.15 and abs(est_c - 36 / 44) < 0.15


def test_near_duplicates_found_and_dissimilar_pairs_not():
    rng = random.Random(0)
    base = [_words(rng, 8) for _ in range(60)]
    queries = [" ".join(w) for w in base]
    queries += [" ".join(w + _words(rng, 1)) for w in base[:30]]  # one word added: Jaccard 8/9
    queries += [" ".join(w[:5] + _words(rng, 3)) for w in base[30:]]  # three replaced: Jaccard 5/11
    pairs = {tuple(p) for p in near_dedup.near_duplicate_pairs(_tokens(queries)).tolist()}
    assert pairs == {(i, 60 + i) for i in range(30)}


def test_empty_rows_never_match():
    pairs = near_dedup.near_duplicate_pairs(_tokens(["", "!!", "", "cat"]))
    assert len(pairs) == 0


def _frame(rids: list[str], queries: list[str]) -> pl.DataFrame:
    df = pl.DataFrame({"_row": list(range(len(rids))), "request_id": rids, "query": queries, "extracted_prompt": queries})
    return normalize.add_text_columns(df.with_columns(pl.col("_row").cast(pl.Int64)))


def test_survivor_is_smallest_request_id_whatever_the_order():
    q = ["pink unicorn party flyer with balloons", "pink unicorn party flyer with balloons tonight", "green tea"]
    for order in ([0, 1, 2], [2, 1, 0], [1, 0, 2]):
        rids = ["r2", "r1", "r3"]
        df = _frame([rids[i] for i in order], [q[i] for i in order])
        dup = near_dedup.duplicate_rows(df)
        dropped = df.join(dup, on="_row")["request_id"].to_list()
        assert dropped == ["r2"] and dup["duplicate_of"].to_list() == ["r1"]


def test_semantic_dedup_with_injected_embeddings():
    vecs = {"a": [1.0, 0.0], "b": [0.99, 0.14], "c": [0.0, 1.0]}
    df = _frame(["r1", "r2", "r3"], ["a", "b", "c"])
    dup = semantic_dedup.duplicate_rows(df, lambda texts: np.array([vecs[t] for t in texts]), threshold=0.95)
    assert dup.select("_row", "duplicate_of").rows() == [(1, "r1")]


@pytest.mark.filterwarnings("ignore")
def test_semantic_dedup_with_minilm(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    df = _frame(["a", "b", "c", "d"], ["cute puppy photos", "photos of a cute puppy", "retro wedding invitation template", "pictures of cute puppies"])
    dup = semantic_dedup.duplicate_rows(df, semantic_dedup.minilm_embedder(), threshold=0.9)
    assert sorted(df.join(dup, on="_row")["request_id"].to_list()) == ["b", "d"]
