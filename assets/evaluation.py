"""Assets: golden-set evaluation of the proxy model, and a Table-3 comparison of dataset variants."""


import json
from typing import Any

import dagster as dg
import polars as pl
from pydantic import Field

from assets.k8s_tags import CPU_LARGE_TAGS
from routenator_dagster.paths import rn_home


class EvalConfig(dg.Config):
    golden_path: str = Field(default="", description="golden JSON Lines; default: the shipped golden_v1.jsonl")


def _golden(config: EvalConfig) -> pl.DataFrame:
    from routenator_dagster.golden import DEFAULT_GOLDEN, load_golden

    return load_golden(config.golden_path or DEFAULT_GOLDEN)


@dg.asset(group_name="evaluation", op_tags=CPU_LARGE_TAGS)
def evaluation_report(context: dg.AssetExecutionContext, config: EvalConfig, proxy_model: dict[str, Any]) -> dict[str, Any]:
    """Proxy model vs the keyword baseline on the golden set, with significance tests."""
    from routenator_dagster.evaluation.metrics import plot_confusion
    from routenator_dagster.evaluation.predictors import KeywordBaseline, ProxyPredictor
    from routenator_dagster.evaluation.report import compare, per_type_table

    golden = _golden(config)
    result = compare({"keyword": KeywordBaseline(), "proxy": ProxyPredictor(proxy_model["path"])}, golden, reference="keyword")
    reports = rn_home() / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    png = plot_confusion(result["variants"]["proxy"]["confusion_content_type"], reports / "evaluation_confusion.png", "proxy: content type")
    (reports / "evaluation.json").write_text(json.dumps(result, indent=1, sort_keys=True), encoding="utf-8")
    proxy = result["variants"]["proxy"]
    context.add_output_metadata(
        {
            "n": proxy["n"],
            "proxy_function_f1": proxy["function_f1"],
            "proxy_content_type_accuracy": proxy["content_type_accuracy"],
            "proxy_subprompt_similarity": proxy["subprompt_similarity"],
            "comparison": dg.MetadataValue.md(result["table"]),
            "proxy_per_content_type": dg.MetadataValue.md(per_type_table(proxy)),
            "confusion_plot": dg.MetadataValue.path(str(png)),
            "report": dg.MetadataValue.path(str(reports / "evaluation.json")),
        }
    )
    return result


@dg.asset_check(asset=evaluation_report, description="the trained proxy must beat its floor, the keyword baseline")
def proxy_beats_keyword_baseline(evaluation_report: dict[str, Any]) -> dg.AssetCheckResult:
    proxy, floor = evaluation_report["variants"]["proxy"], evaluation_report["variants"]["keyword"]
    keys = ("function_f1", "content_type_accuracy", "subprompt_similarity")
    wins = {k: proxy[k] > floor[k] for k in keys}
    return dg.AssetCheckResult(
        passed=wins["function_f1"] and wins["content_type_accuracy"],
        metadata={f"{k}_delta": round(proxy[k] - floor[k], 4) for k in keys}
        | {"mcnemar_p": evaluation_report["tests"]["proxy"]["mcnemar_function"]["pvalue"]},
    )


class VariantConfig(EvalConfig):
    use_embeddings: bool = False
    seed: int = 42
    min_rows: int = Field(default=50, description="variants with fewer training rows are skipped")


def dataset_variants(frame: pl.DataFrame, min_rows: int) -> tuple[dict[str, pl.DataFrame], list[str]]:
    """Heuristic-route rows only, every router row, and LLM-route rows when there are enough."""
    variants: dict[str, pl.DataFrame] = {}
    notes: list[str] = []
    heuristic = frame.filter(pl.col("route") == "heuristic")
    llm = frame.filter(pl.col("route") != "heuristic")
    for name, rows in (("heuristic_only", heuristic), ("all_routes", frame), ("llm_routes_only", llm)):
        if len(rows) < min_rows or rows["function"].n_unique() < 2:
            notes.append(f"{name}: skipped ({len(rows)} rows)")
        elif name == "all_routes" and len(llm) == 0:
            notes.append("all_routes: same rows as heuristic_only (no LLM-route rows), skipped")
        else:
            variants[name] = rows
    return variants, notes


@dg.asset(group_name="evaluation", op_tags=CPU_LARGE_TAGS)
def variant_comparison(context: dg.AssetExecutionContext, config: VariantConfig, filtered_dataset: pl.DataFrame) -> dict[str, Any]:
    """Table 3 on a CPU: the proxy trained per dataset variant, scored on the same golden set."""
    from routenator_dagster.evaluation.predictors import ProxyPredictor
    from routenator_dagster.evaluation.report import compare
    from routenator_dagster.training.proxy_model import train_proxy
    from routenator_dagster.training.sft_format import stratified_split

    golden = _golden(config)
    variants, notes = dataset_variants(filtered_dataset, config.min_rows)
    if not variants:
        raise ValueError(f"no dataset variant has enough rows: {notes}")
    predictors = {}
    for name, rows in variants.items():
        train, _ = stratified_split(rows, 0.05, config.seed)
        out = rn_home() / "models" / "variants" / name
        context.log.info(f"variant {name}: training the proxy on {len(train)} rows")
        train_proxy(train, out, seed=config.seed, use_embeddings=config.use_embeddings, progress=context.log.info)
        predictors[name] = ProxyPredictor(out)
    reference = "heuristic_only" if "heuristic_only" in predictors else next(iter(predictors))
    result = compare(predictors, golden, reference=reference)
    result["notes"] = notes
    result["train_rows"] = {k: len(v) for k, v in variants.items()}
    path = rn_home() / "reports" / "variant_comparison.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1, sort_keys=True), encoding="utf-8")
    context.add_output_metadata(
        {
            "table": dg.MetadataValue.md(result["table"] + ("\n\n" + "; ".join(notes) if notes else "")),
            "reference": reference,
            "report": dg.MetadataValue.path(str(path)),
        }
    )
    return result
