"""The evaluation's embedding cache: a repeated evaluation embeds nothing again."""

import numpy as np

from routenator_dagster.evaluation import embeddings


def test_cached_embedder_embeds_each_text_once_and_keeps_order(tmp_path, monkeypatch):
    seen: list[list[str]] = []

    def fake_embed(texts):
        seen.append(list(texts))
        return np.asarray([[float(len(t)), float(t.count("a"))] for t in texts], dtype=np.float32)

    monkeypatch.setattr(embeddings, "embed", fake_embed)
    cache = embeddings.CachedEmbedder(tmp_path / "cache" / "emb.parquet")
    first = cache(["cat", "banana", "cat"])
    assert seen == [["banana", "cat"]]
    again = embeddings.CachedEmbedder(tmp_path / "cache" / "emb.parquet")(["banana", "cat", "kiwi"])
    assert seen[1:] == [["kiwi"]]  # only the new text, from a fresh process's view of the file
    assert np.array_equal(first[1], again[0]) and np.array_equal(first[0], again[1]) and np.array_equal(first[0], first[2])
    (tmp_path / "cache" / "emb.parquet").write_bytes(b"not parquet")  # a broken cache is rebuilt
    embeddings.CachedEmbedder(tmp_path / "cache" / "emb.parquet")(["cat"])
    assert seen[-1] == ["cat"]
