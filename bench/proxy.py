"""Proxy-model bench: training time on 50,000 rows (target <= 600 s) and prediction throughput
(target >= 200 queries/s) with the default features (word/char n-grams + shape cues), and the same
two figures for the MiniLM-embedding option on 5,000 rows.

Data: the last run's filtered_dataset under $RN_HOME when there is one (sampled with replacement
up to 50,000 rows), else 50,000 rows from a small phrase generator in this file.
Run: `python -m bench.proxy` (prints JSON lines) or through `make bench`.
"""

from __future__ import annotations

import json
import logging
import os
import random
import tempfile
import time
from pathlib import Path

import polars as pl

N_TRAIN = 50_000
N_PREDICT = 2_000
N_EMBED_TRAIN = 5_000

_SUBJECTS = ("elephant", "mountain lake", "coffee beans", "city skyline", "golden retriever", "autumn forest",
             "office team", "tropical beach", "vintage car", "sushi platter", "yoga class", "snowy cabin",
             "rose garden", "hot air balloon", "desert road", "bakery", "soccer match", "robot", "sunflowers",
             "lighthouse", "wedding", "graduation", "diwali", "christmas market", "farmers market")
_STYLES = ("", "minimalist ", "retro ", "watercolor ", "neon ", "pastel ", "rustic ", "bold ")
_FORMATS = {"Template": ("flyer", "poster", "invitation", "resume", "menu", "instagram post", "logo"),
            "Photo": ("photo", "picture", "image"), "Video": ("video", "clip", "footage"),
            "Audio": ("music", "song", "sound effect"), "Background": ("background", "wallpaper", "texture"),
            "Design Asset": ("icon", "sticker", "illustration"), "Text": ("font", "text effect", "headline")}
_NAMES = ("Maya", "Oliver", "Sofia", "Ravi", "Lena", "Tomás", "Ines", "Kenji", "Amara", "Jonah")
_DETAILS = ("on Saturday at 5pm", "with the text 'Grand Opening'", "in teal and gold", "riding a unicycle",
            "wearing a tiny crown", "for 20% off this weekend", "at 42 Elm Street", "under a purple sky")


def synthetic_rows(n: int, seed: int = 0) -> pl.DataFrame:
    """Labelled rows with the contract's columns, from a few phrasings (timing only, not quality)."""
    rng = random.Random(seed)
    rows = []
    types = list(_FORMATS) + ["Any"] * 4
    for _ in range(n):
        ct = rng.choice(types)
        subj, style = rng.choice(_SUBJECTS), rng.choice(_STYLES)
        fmt = rng.choice(_FORMATS[ct]) if ct != "Any" else ""
        if rng.random() < 0.5:
            lead = rng.choice(("", "", "find ", "show me ", "i need a ", "looking for "))
            query = f"{lead}{style}{subj} {fmt}".strip()
            rows.append((query, "Search", ct, f"{style}{subj}".strip()))
        else:
            spec = f"{fmt + ' ' if fmt else ''}for {rng.choice(_NAMES)}'s {subj} {rng.choice(_DETAILS)}, {style.strip() or 'simple'} style"
            rows.append((f"{rng.choice(('create a ', 'make me a ', 'design a ', ''))}{spec}", "Generate", ct, spec))
    return pl.DataFrame(rows, schema=["query", "function", "content_type", "extracted_prompt"], orient="row")


def _training_frame() -> tuple[pl.DataFrame, str]:
    home = os.environ.get("RN_HOME")
    if home:
        path = Path(home) / "assets" / "filtered_dataset" / "data.parquet"
        if path.is_file():
            df = pl.read_parquet(path).select("query", "function", "content_type", "extracted_prompt")
            if len(df) >= 1000:
                return df.sample(N_TRAIN, with_replacement=len(df) < N_TRAIN, seed=0), str(path)
    return synthetic_rows(N_TRAIN), "synthetic phrases (bench/proxy.py)"


def _throughput(model: object, queries: list[str]) -> float:
    model.predict(queries[:50])  # warm: loads the sentence encoder when used
    t0 = time.perf_counter()
    model.predict(queries)
    return len(queries) / (time.perf_counter() - t0)


def main() -> list[dict]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    from routenator_dagster.training.proxy_model import ProxyModel, train_proxy

    df, source = _training_frame()
    queries = synthetic_rows(N_PREDICT, seed=1)["query"].to_list()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        train_proxy(df, Path(tmp) / "default", seed=42)  # the default features (no embeddings)
        train_s = time.perf_counter() - t0
        qps = _throughput(ProxyModel.load(Path(tmp) / "default"), queries)
        # the embedding option, on fewer rows: its cost is the encoder's speed, per query
        t0 = time.perf_counter()
        train_proxy(df.head(N_EMBED_TRAIN), Path(tmp) / "emb", seed=42, use_embeddings=True)
        emb_train_s = time.perf_counter() - t0
        emb_qps = _throughput(ProxyModel.load(Path(tmp) / "emb"), queries)
    common = {"data": source, "cpus": os.cpu_count()}
    return [
        {"bench": "proxy_train_50k", "value": round(train_s, 1), "unit": "s", "target": "<= 600", "rows": len(df), **common},
        {"bench": "proxy_predict_throughput", "value": round(qps, 1), "unit": "queries/s", "target": ">= 200", **common},
        {"bench": "proxy_embeddings_train_5k", "value": round(emb_train_s, 1), "unit": "s", "target": None,
         "rows": N_EMBED_TRAIN, "note": "use_embeddings=True (option)", **common},
        {"bench": "proxy_embeddings_predict_throughput", "value": round(emb_qps, 1), "unit": "queries/s", "target": None,
         "note": "use_embeddings=True (option)", **common},
    ]


if __name__ == "__main__":
    for result in main():
        print(json.dumps(result))
