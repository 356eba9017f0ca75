"""A CPU proxy for the fine-tuned LLM: measures a dataset's quality in minutes, not GPU hours.

Two logistic-regression heads (function, content type) over TF-IDF word and character n-grams,
optionally joined by all-MiniLM-L6-v2 sentence embeddings; and a per-token keep/drop tagger that
rebuilds the extracted prompt from the query's own tokens.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import joblib
import numpy as np
import polars as pl
from scipy import sparse
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import FeatureUnion

from routenator_dagster.atomic import atomic_path, write_json_atomic
from routenator_dagster.function_call import render_call
from routenator_dagster.labels import CONTENT_TYPES, FUNCTIONS
from routenator_dagster.training.text_features import (
    CREATION_VERBS,
    FILLER,
    SEARCH_VERBS,
    STOPWORDS,
    TYPE_TOKEN,
    norm_token,
    tokens,
)

log = logging.getLogger(__name__)
FORMAT_VERSION = 1


def _token_features(toks: list[str], function: str) -> list[list[str]]:
    """Features of every token: itself, neighbours, position, word classes, the function."""
    lows = [norm_token(t) for t in toks]
    n = len(toks)
    out = []
    for i, (tok, w) in enumerate(zip(toks, lows)):
        cls = "type" if w in TYPE_TOKEN else "stop" if w in STOPWORDS else "fill" if w in FILLER else "word"
        prev = lows[i - 1] if i > 0 else "<s>"
        nxt = lows[i + 1] if i + 1 < n else "</s>"
        prev2 = lows[i - 2] if i > 1 else "<s>"
        # how many wrapper-like tokens come before: the request wrapper sits at the start
        lead = all(x in FILLER or x in STOPWORDS or x in TYPE_TOKEN for x in lows[:i])
        f = [
            f"w={w}",
            f"fw={function}|{w}",
            f"p={prev}",
            f"n={nxt}",
            f"pp={prev2}",
            f"pw={prev}|{w}",
            f"wn={w}|{nxt}",
            f"c={cls}",
            f"fc={function}|{cls}",
            f"fcl={function}|{cls}|{lead}",
            f"fcp={function}|{cls}|{min(i, 4)}",
            f"pos={min(i, 6)}",
            f"rpos={min(n - 1 - i, 6)}",
            f"len={min(n, 12)}",
            f"fn={function}",
            f"suf={w[-3:]}",
            f"pc={'type' if prev in TYPE_TOKEN else 'stop' if prev in STOPWORDS else 'fill' if prev in FILLER else 'word'}",
            f"nc={'type' if nxt in TYPE_TOKEN else 'stop' if nxt in STOPWORDS else 'fill' if nxt in FILLER else 'word'}",
            f"lead={function}|{lead}",
            f"digit={any(ch.isdigit() for ch in tok)}",
            f"cap={tok[:1].isupper()}",
            f"quote={_has_quote(tok)}",
            f"punct={tok[-1:] in ',.!?:;'}",
        ]
        out.append(f)
    return out


_CAP_INNER = re.compile(r"(?<=[a-z,] )[A-Z][a-z]+")


def shape_features(queries: list[str]) -> np.ndarray:
    """Dense cues of one-off requests (docs/labelling.md): names, quoted wording, numbers, prices, length."""
    rows = []
    for q in queries:
        toks = [norm_token(t) for t in tokens(q)]
        n = len(toks)
        first = toks[0] if toks else ""
        rows.append(
            [
                np.log1p(n) / 3,
                float(n > 10),
                float("'" in q.replace("'s", "") or '"' in q),
                float(any(ch.isdigit() for ch in q)),
                float(any(ch in q for ch in "$%€£")),
                float(bool(_CAP_INNER.search(q))),
                float("'s " in q or "s' " in q),
                float("," in q),
                float(first in CREATION_VERBS),
                float(first in SEARCH_VERBS),
            ]
        )
    return np.asarray(rows, dtype=np.float32)


def _has_quote(tok: str) -> bool:
    return "'" in tok or '"' in tok


def keep_labels(query: str, extracted: str) -> list[int]:
    """1 for each query token aligned with a token of the extracted prompt (longest common subsequence)."""
    q = [norm_token(t) for t in tokens(query)]
    e = [norm_token(t) for t in tokens(extracted)]
    out = [0] * len(q)
    for block in difflib.SequenceMatcher(a=q, b=e, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            out[block.a + k] = 1
    return out


def _assemble(toks: list[str], keep: list[bool], function: str) -> str:
    kept = [t for t, k in zip(toks, keep) if k]
    if not kept:  # never emit an empty prompt: fall back to the non-filler words
        kept = [t for t in toks if norm_token(t) not in FILLER and norm_token(t) not in STOPWORDS] or toks
    if function == "Search":
        words = [norm_token(t) for t in kept]
        return " ".join(w for w in words if w)
    text = " ".join(kept)
    return text.strip(" ,;:")


@dataclass
class ProxyModel:
    """Trained proxy: ``predict(queries)`` returns function-call strings."""

    text_features: FeatureUnion
    function_head: LogisticRegression
    type_head: LogisticRegression
    tagger_hasher: FeatureHasher
    tagger: SGDClassifier
    use_embeddings: bool
    meta: dict[str, Any]

    def _features(self, queries: list[str]) -> sparse.csr_matrix:
        x = sparse.hstack([self.text_features.transform(queries), sparse.csr_matrix(shape_features(queries))], format="csr")
        if self.use_embeddings:
            from routenator_dagster.evaluation.embeddings import embed

            x = sparse.hstack([x, sparse.csr_matrix(embed(queries))], format="csr")
        return x

    def predict_labels(self, queries: list[str]) -> list[tuple[str, str, str]]:
        """(function, content_type, extracted_prompt) for each query."""
        if not queries:
            return []
        x = self._features(queries)
        fns = self.function_head.predict(x)
        cts = self.type_head.predict(x)
        toks = [tokens(q) for q in queries]
        feats = [f for q_toks, fn in zip(toks, fns) for f in _token_features(q_toks, str(fn))]
        keep = self.tagger.predict(self.tagger_hasher.transform(feats)) if feats else np.zeros(0)
        out, pos = [], 0
        for q_toks, fn, ct in zip(toks, fns, cts):
            k = [bool(v) for v in keep[pos : pos + len(q_toks)]]
            pos += len(q_toks)
            out.append((str(fn), str(ct), _assemble(q_toks, k, str(fn))))
        return out

    def predict(self, queries: list[str]) -> list[str]:
        return [render_call(fn, ct, ep) for fn, ct, ep in self.predict_labels(queries)]

    def save(self, out_dir: str | Path) -> Path:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        parts = {
            "text_features": self.text_features,
            "function_head": self.function_head,
            "type_head": self.type_head,
            "tagger_hasher": self.tagger_hasher,
            "tagger": self.tagger,
        }
        # A concurrent reader (eval, a second run) must never load a half-written model, and a
        # crash between the two files must not pair new weights with an old fingerprint.
        (out / "meta.json").unlink(missing_ok=True)
        with atomic_path(out / "model.joblib") as tmp:
            joblib.dump(parts, tmp)
        meta = dict(self.meta, use_embeddings=self.use_embeddings, format_version=FORMAT_VERSION)
        write_json_atomic(out / "meta.json", meta, default=None)
        return out

    @classmethod
    def load(cls, directory: str | Path) -> "ProxyModel":
        d = Path(directory)
        if not (d / "model.joblib").is_file() or not (d / "meta.json").is_file():
            raise FileNotFoundError(f"{d} is not a proxy model folder (needs model.joblib and meta.json)")
        meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{d}/meta.json: format_version {meta.get('format_version')} != {FORMAT_VERSION}")
        parts = joblib.load(d / "model.joblib")
        return cls(use_embeddings=bool(meta["use_embeddings"]), meta=meta, **parts)


def _check_frame(df: pl.DataFrame) -> pl.DataFrame:
    need = ("query", "function", "content_type", "extracted_prompt")
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise ValueError(f"training frame lacks column(s) {missing}")
    df = df.select(need).drop_nulls()
    bad_fn = df.filter(~pl.col("function").is_in(list(FUNCTIONS)))
    bad_ct = df.filter(~pl.col("content_type").is_in(list(CONTENT_TYPES)))
    if len(bad_fn) or len(bad_ct):
        raise ValueError(f"training frame has {len(bad_fn)} rows with an unknown function and {len(bad_ct)} with an unknown content_type")
    if df["function"].n_unique() < 2:
        raise ValueError("training frame needs both Search and Generate rows")
    return df


def train_proxy(
    df: pl.DataFrame,
    out_dir: str | Path | None = None,
    seed: int = 42,
    use_embeddings: bool = False,
    max_tagger_rows: int = 50_000,
    progress: Callable[[str], None] | None = None,
) -> ProxyModel:
    """Fit the proxy on labelled rows (query, function, content_type, extracted_prompt); saves when out_dir is set."""
    say = progress or log.info
    t0 = time.perf_counter()
    df = _check_frame(df)
    queries = df["query"].to_list()
    fns = df["function"].to_list()
    cts = df["content_type"].to_list()
    say(f"proxy: fitting text features on {len(queries)} rows")
    text_features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=100_000)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True, max_features=150_000)),
        ]
    )
    x = sparse.hstack([text_features.fit_transform(queries), sparse.csr_matrix(shape_features(queries))], format="csr")
    if use_embeddings:
        from routenator_dagster.evaluation.embeddings import embed

        chunks = []
        step = 5000
        for start in range(0, len(queries), step):
            say(f"proxy: embedding queries {start}-{min(start + step, len(queries))} of {len(queries)} (all-MiniLM-L6-v2)")
            chunks.append(embed(queries[start : start + step]))
        x = sparse.hstack([x, sparse.csr_matrix(np.vstack(chunks))], format="csr")
    say("proxy: training function and content-type heads")
    function_head = LogisticRegression(C=4.0, max_iter=1000, random_state=seed).fit(x, fns)
    type_head = LogisticRegression(C=4.0, max_iter=1000, random_state=seed).fit(x, cts)
    rng = np.random.default_rng(seed)
    idx = np.arange(len(queries))
    if len(idx) > max_tagger_rows:  # the tagger saturates long before; keep training time bounded
        idx = rng.choice(idx, size=max_tagger_rows, replace=False)
    ex = df["extracted_prompt"].to_list()
    feats: list[list[str]] = []
    ys: list[int] = []
    for i in idx:
        toks = tokens(queries[i])
        feats.extend(_token_features(toks, fns[i]))
        ys.extend(keep_labels(queries[i], ex[i]))
    say(f"proxy: training the keep/drop tagger on {len(ys)} tokens")
    hasher = FeatureHasher(n_features=2**20, input_type="string", alternate_sign=False)
    tagger = SGDClassifier(loss="log_loss", alpha=1e-6, max_iter=100, tol=1e-4, random_state=seed)
    tagger.fit(hasher.transform(feats), ys)
    meta = {
        "trained_rows": len(queries),
        "train_seconds": round(time.perf_counter() - t0, 2),
        "seed": seed,
        "function_counts": dict(Counter(fns)),
        "content_type_counts": dict(Counter(cts)),
    }
    model = ProxyModel(text_features, function_head, type_head, hasher, tagger, use_embeddings, meta)
    if out_dir is not None:
        model.save(out_dir)
    say(f"proxy: trained in {meta['train_seconds']} s")
    return model


def training_fingerprint(df: pl.DataFrame, seed: int, use_embeddings: bool, max_tagger_rows: int) -> str:
    """What a trained proxy depends on: its training rows (in order), its settings and the format."""
    rows = _check_frame(df).select("query", "function", "content_type", "extracted_prompt")
    digest = hashlib.sha256(rows.hash_rows(seed=7).to_numpy().tobytes())
    digest.update(f"{seed}|{use_embeddings}|{max_tagger_rows}|{FORMAT_VERSION}|{rows.height}".encode())
    return digest.hexdigest()


def train_or_reuse_proxy(
    df: pl.DataFrame,
    out_dir: str | Path,
    seed: int = 42,
    use_embeddings: bool = False,
    max_tagger_rows: int = 50_000,
    progress: Callable[[str], None] | None = None,
) -> tuple[ProxyModel, bool]:
    """The proxy saved in `out_dir` when it was trained on these very rows and settings, else a new one.

    Same seed, same generated rows: a rerun of the embedded job would retrain every proxy to the
    same weights, so it loads them instead (True as the second value says it did)."""
    fingerprint = training_fingerprint(df, seed, use_embeddings, max_tagger_rows)
    meta_file = Path(out_dir) / "meta.json"
    if meta_file.exists():
        try:
            if json.loads(meta_file.read_text(encoding="utf-8")).get("fingerprint") == fingerprint:
                (progress or log.info)(f"proxy: reusing {out_dir} (trained on the same {df.height} rows and settings)")
                return ProxyModel.load(out_dir), True
        except (OSError, ValueError):  # unreadable: train again
            pass
    model = train_proxy(df, None, seed=seed, use_embeddings=use_embeddings, max_tagger_rows=max_tagger_rows,
                        progress=progress)
    model.meta["fingerprint"] = fingerprint
    model.save(out_dir)
    return model, False


def validation_accuracy(model: ProxyModel, df: pl.DataFrame) -> dict[str, float]:
    """Function and content-type accuracy of ``model`` on labelled rows."""
    if df.is_empty():
        return {"function_accuracy": float("nan"), "content_type_accuracy": float("nan"), "n": 0}
    preds = model.predict_labels(df["query"].to_list())
    fa = float(np.mean([p[0] == g for p, g in zip(preds, df["function"].to_list())]))
    ca = float(np.mean([p[1] == g for p, g in zip(preds, df["content_type"].to_list())]))
    return {"function_accuracy": fa, "content_type_accuracy": ca, "n": len(df)}
