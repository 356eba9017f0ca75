"""Evaluate predictors on a golden frame, and compare variants Table-3 style."""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

import numpy as np
import polars as pl

from routenator_dagster.evaluation.metrics import ItemScores, score_items, summarize
from routenator_dagster.evaluation.predictors import Predictor, describe

log = logging.getLogger(__name__)


def evaluate(
    predictor: Predictor,
    golden: pl.DataFrame,
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> tuple[dict[str, Any], ItemScores]:
    """Score one predictor on a golden frame: the report dict and the per-item scores."""
    queries = golden["query"].to_list()
    t0 = time.perf_counter()
    outputs = predictor.predict(queries)
    seconds = time.perf_counter() - t0
    if len(outputs) != len(queries):
        raise ValueError(f"{describe(predictor)} returned {len(outputs)} outputs for {len(queries)} queries")
    items = score_items(
        golden["function"].to_list(),
        golden["content_type"].to_list(),
        golden["extracted_prompt"].to_list(),
        outputs,
        embed=embed,
    )
    report = summarize(golden["function"].to_list(), golden["content_type"].to_list(), items)
    report["model"] = describe(predictor)
    report["predict_seconds"] = round(seconds, 3)
    report["queries_per_second"] = round(len(queries) / seconds, 1) if seconds > 0 else None
    return report, items


def significance(reference: ItemScores, other: ItemScores) -> dict[str, Any]:
    from routenator_dagster.evaluation.significance import mcnemar, paired_t  # scipy only when comparing

    """McNemar on function correctness and paired t on subprompt similarity, other vs reference."""
    return {
        "mcnemar_function": mcnemar(other.function_correct, reference.function_correct).as_dict(),
        "mcnemar_content_type": mcnemar(other.content_type_correct, reference.content_type_correct).as_dict(),
        "paired_t_similarity": paired_t(other.similarity, reference.similarity).as_dict(),
    }


def compare(
    variants: dict[str, Predictor],
    golden: pl.DataFrame,
    reference: str,
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> dict[str, Any]:
    """Score every variant on the same golden frame and test each against ``reference``."""
    if reference not in variants:
        raise ValueError(f"reference variant {reference!r} is not among {sorted(variants)}")
    reports: dict[str, dict[str, Any]] = {}
    items: dict[str, ItemScores] = {}
    for name, predictor in variants.items():
        log.info("evaluating variant %s on %d golden queries", name, len(golden))
        reports[name], items[name] = evaluate(predictor, golden, embed=embed)
    tests = {name: significance(items[reference], items[name]) for name in variants if name != reference}
    return {"reference": reference, "variants": reports, "tests": tests, "table": comparison_table(reports, tests, reference)}


def comparison_table(reports: dict[str, dict[str, Any]], tests: dict[str, dict[str, Any]], reference: str) -> str:
    """Markdown: one row per variant with F1, CTA, SS, invalid rate and p-values vs the reference."""
    lines = [
        "| variant | n | F1 | CTA | SS | invalid | exact | McNemar p (F) | paired t p (SS) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in reports.items():
        t = tests.get(name)
        pm = f"{t['mcnemar_function']['pvalue']:.3g}" if t else "ref"
        pt = f"{t['paired_t_similarity']['pvalue']:.3g}" if t else "ref"
        lines.append(
            f"| {name}{' (ref)' if name == reference else ''} | {r['n']} | {r['function_f1']:.3f} | "
            f"{r['content_type_accuracy']:.3f} | {r['subprompt_similarity']:.3f} | {r['invalid_rate']:.3f} | "
            f"{r['exact_match']:.3f} | {pm} | {pt} |"
        )
    return "\n".join(lines)


def per_type_table(report: dict[str, Any]) -> str:
    lines = ["| content type | n | function acc | CTA | SS |", "|---|---|---|---|---|"]
    for ct, r in report["per_content_type"].items():
        lines.append(
            f"| {ct} | {r['n']} | {r['function_accuracy']:.3f} | {r['content_type_accuracy']:.3f} | {r['subprompt_similarity']:.3f} |"
        )
    return "\n".join(lines)
