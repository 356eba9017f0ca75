"""Scores of predicted function calls against gold labels (paper section 5: F1, CTA, SS)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from routenator_dagster.function_call import ParsedCall, parse_call
from routenator_dagster.labels import CONTENT_TYPES, FUNCTIONS
from routenator_dagster.atomic import atomic_path

INVALID = "invalid"


@dataclass(frozen=True)
class ItemScores:
    """Per-item outcomes; the significance tests pair these between two predictors."""

    function_correct: list[bool]
    content_type_correct: list[bool]
    similarity: list[float]
    exact: list[bool]
    valid: list[bool]
    predicted_function: list[str] = field(default_factory=list)
    predicted_content_type: list[str] = field(default_factory=list)


def _f1(tp: int, fp: int, fn: int) -> float:
    if tp == 0:
        return 0.0
    p, r = tp / (tp + fp), tp / (tp + fn)
    return 2 * p * r / (p + r)


def function_f1(gold: list[str], predicted: list[str]) -> float:
    """Macro F1 over Search and Generate; a prediction outside them (invalid) is wrong for every class."""
    scores = []
    for cls in FUNCTIONS:
        tp = sum(g == cls and p == cls for g, p in zip(gold, predicted))
        fp = sum(g != cls and p == cls for g, p in zip(gold, predicted))
        fn = sum(g == cls and p != cls for g, p in zip(gold, predicted))
        scores.append(_f1(tp, fp, fn))
    return float(np.mean(scores))


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def score_items(
    gold_function: list[str],
    gold_content_type: list[str],
    gold_prompt: list[str],
    outputs: list[str],
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> ItemScores:
    """Parse each output and compare with gold; invalid calls score 0 everywhere."""
    n = len(outputs)
    if not (len(gold_function) == len(gold_content_type) == len(gold_prompt) == n):
        raise ValueError(f"gold ({len(gold_function)}) and predictions ({n}) differ in length")
    parsed: list[ParsedCall] = [parse_call(o) for o in outputs]
    valid = [p.valid for p in parsed]
    pf = [p.function if p.valid else INVALID for p in parsed]
    pct = [p.content_type if p.valid else INVALID for p in parsed]
    sims = [0.0] * n
    idx = [i for i in range(n) if valid[i]]
    if idx:
        if embed is None:
            from routenator_dagster.evaluation.embeddings import embed as embed_fn

            embed = embed_fn
        a = embed([parsed[i].extracted_prompt or "" for i in idx])
        b = embed([gold_prompt[i] for i in idx])
        cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)
        for j, i in enumerate(idx):
            sims[i] = float(max(0.0, min(1.0, cos[j])))
    fc = [pf[i] == gold_function[i] for i in range(n)]
    cc = [pct[i] == gold_content_type[i] for i in range(n)]
    exact = [
        fc[i] and cc[i] and _norm(parsed[i].extracted_prompt or "") == _norm(gold_prompt[i]) for i in range(n)
    ]
    return ItemScores(fc, cc, sims, exact, valid, pf, pct)


def confusion(gold: list[str], predicted: list[str], labels: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """Counts gold -> predicted; predictions outside ``labels`` land in an "invalid" column."""
    cols = list(labels) + [INVALID]
    out = {g: {c: 0 for c in cols} for g in labels}
    for g, p in zip(gold, predicted):
        if g in out:
            out[g][p if p in labels else INVALID] += 1
    return out


def summarize(
    gold_function: list[str], gold_content_type: list[str], items: ItemScores
) -> dict[str, Any]:
    """The report figures from per-item scores."""
    n = len(items.valid)
    per_ct: dict[str, dict[str, float]] = {}
    for ct in CONTENT_TYPES:
        idx = [i for i in range(n) if gold_content_type[i] == ct]
        if not idx:
            continue
        per_ct[ct] = {
            "n": len(idx),
            "function_accuracy": float(np.mean([items.function_correct[i] for i in idx])),
            "content_type_accuracy": float(np.mean([items.content_type_correct[i] for i in idx])),
            "subprompt_similarity": float(np.mean([items.similarity[i] for i in idx])),
        }
    return {
        "n": n,
        "function_f1": function_f1(gold_function, items.predicted_function),
        "function_accuracy": float(np.mean(items.function_correct)) if n else 0.0,
        "content_type_accuracy": float(np.mean(items.content_type_correct)) if n else 0.0,
        "subprompt_similarity": float(np.mean(items.similarity)) if n else 0.0,
        "invalid_rate": float(1 - np.mean(items.valid)) if n else 0.0,
        "exact_match": float(np.mean(items.exact)) if n else 0.0,
        "per_content_type": per_ct,
        "confusion_function": confusion(gold_function, items.predicted_function, FUNCTIONS),
        "confusion_content_type": confusion(gold_content_type, items.predicted_content_type, CONTENT_TYPES),
    }


def plot_confusion(matrix: dict[str, dict[str, int]], path: str | Path, title: str = "") -> Path:
    """Heatmap PNG of a confusion matrix (rows gold, columns predicted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = list(matrix)
    cols = list(next(iter(matrix.values())).keys()) if matrix else []
    data = np.array([[matrix[r][c] for c in cols] for r in rows], dtype=float)
    fig, ax = plt.subplots(figsize=(1.0 + 0.9 * len(cols), 1.0 + 0.7 * len(rows)))
    ax.imshow(data, cmap="Blues")
    ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    for i in range(len(rows)):
        for j in range(len(cols)):
            ax.text(j, i, int(data[i, j]), ha="center", va="center", fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)
    return Path(path)
