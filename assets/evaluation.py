"""Assets: golden-set evaluation of the proxy model and of each QLoRA adapter, and a Table-3
comparison of dataset variants."""


import warnings
from typing import Any

import dagster as dg
import polars as pl
from pydantic import Field

from assets.k8s_tags import CPU_LARGE_TAGS, GPU_TRAINING_TAGS
from assets.training import BASE_MODEL_PARTITIONS, resolve_model_path
from routenator_dagster.atomic import write_json_atomic
from routenator_dagster.paths import rn_home
from routenator_dagster.quality.variants import PAPER_BASELINE, dataset_variants


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
    write_json_atomic(reports / "evaluation.json", result)
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


REFERENCE_VARIANT = PAPER_BASELINE


@dg.asset(group_name="evaluation", op_tags=CPU_LARGE_TAGS)
def variant_comparison(
    context: dg.AssetExecutionContext, config: VariantConfig, filtered_dataset: pl.DataFrame, paper_baseline_dataset: pl.DataFrame
) -> dict[str, Any]:
    """Table 3 on a CPU: the proxy trained per dataset variant (paper 3.1 baseline, router, router
    by route kind) on equal row counts, scored on the same golden set; McNemar (function) and
    paired t (subprompt similarity) of each variant against the paper 3.1 baseline."""
    from routenator_dagster.evaluation.predictors import ProxyPredictor
    from routenator_dagster.evaluation.report import compare
    from routenator_dagster.training.proxy_model import train_or_reuse_proxy
    from routenator_dagster.training.sft_format import stratified_split

    golden = _golden(config)
    variants, notes = dataset_variants(filtered_dataset, paper_baseline_dataset, config.min_rows, config.seed)
    if REFERENCE_VARIANT not in variants:
        raise ValueError(f"the paper 3.1 baseline cannot be trained: {notes}")
    if len(variants) < 2:
        raise ValueError(f"nothing to compare with the paper 3.1 baseline: {notes}")
    predictors = {}
    train_rows = {}
    reused = []
    for name, rows in variants.items():
        train, _ = stratified_split(rows, 0.05, config.seed)
        out = rn_home() / "models" / "variants" / name
        context.log.info(f"variant {name}: the proxy on {len(train)} rows")
        _, was_reused = train_or_reuse_proxy(train, out, seed=config.seed, use_embeddings=config.use_embeddings,
                                             progress=context.log.info)
        reused += [name] if was_reused else []
        predictors[name] = ProxyPredictor(out)
        train_rows[name] = train.height
    result = compare(predictors, golden, reference=REFERENCE_VARIANT)
    result["notes"] = notes
    result["variant_rows"] = {k: v.height for k, v in variants.items()}
    result["train_rows"] = train_rows
    result["golden"] = config.golden_path or "golden_v1.jsonl (shipped)"
    path = rn_home() / "reports" / "variant_comparison.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(path, result)
    ref = result["variants"][REFERENCE_VARIANT]
    deltas = {
        f"{name}_function_f1_delta": round(r["function_f1"] - ref["function_f1"], 4)
        for name, r in result["variants"].items() if name != REFERENCE_VARIANT
    }
    context.add_output_metadata(
        {
            "table": dg.MetadataValue.md(result["table"] + ("\n\n" + "; ".join(notes) if notes else "")),
            "reference": REFERENCE_VARIANT,
            "train_rows": dg.MetadataValue.json(train_rows),
            "reused_unchanged_models": ", ".join(reused) or "none",
            "golden_n": golden.height,
            **deltas,
            "report": dg.MetadataValue.path(str(path)),
        }
    )
    return result


@dg.asset_check(
    asset=variant_comparison,
    description="the proxy trained on the router's data must beat the one trained on the paper's plain 3.1 templates (function F1)",
)
def router_beats_paper_baseline(variant_comparison: dict[str, Any]) -> dg.AssetCheckResult:
    router, ref = variant_comparison["variants"]["router"], variant_comparison["variants"][REFERENCE_VARIANT]
    test = variant_comparison["tests"]["router"]
    return dg.AssetCheckResult(
        passed=router["function_f1"] > ref["function_f1"],
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "router_function_f1": round(router["function_f1"], 4),
            "paper_3_1_function_f1": round(ref["function_f1"], 4),
            "function_f1_delta": round(router["function_f1"] - ref["function_f1"], 4),
            "content_type_accuracy_delta": round(router["content_type_accuracy"] - ref["content_type_accuracy"], 4),
            "subprompt_similarity_delta": round(router["subprompt_similarity"] - ref["subprompt_similarity"], 4),
            "mcnemar_p": test["mcnemar_function"]["pvalue"],
            "paired_t_p": test["paired_t_similarity"]["pvalue"],
        },
    )


class AdapterEvalConfig(EvalConfig):
    max_queries: int = Field(default=0, description="score only the first N golden queries (0: all); for CPU smoke runs")
    batch_size: int = Field(default=8, description="queries per generate() call")


@dg.asset(
    group_name="evaluation",
    partitions_def=BASE_MODEL_PARTITIONS,
    op_tags=GPU_TRAINING_TAGS,
    kinds={"pytorch"},
)
def adapter_evaluation(context: dg.AssetExecutionContext, config: AdapterEvalConfig, qlora_adapter: dict[str, Any]) -> dict[str, Any]:
    """One base model before and after fine-tuning on the golden set (the paper's Table 4): the
    vanilla model and base + QLoRA adapter, prompted with the model's own chat template, scored with
    function-call F1, content-type accuracy and subprompt similarity, with McNemar and paired t."""
    from routenator_dagster.evaluation.predictors import TransformersPredictor
    from routenator_dagster.evaluation.report import compare, per_type_table

    base = context.partition_key
    model_path = qlora_adapter.get("model_path") or resolve_model_path(base, "")
    golden = _golden(config)
    if config.max_queries > 0:
        golden = golden.head(config.max_queries)
    context.log.info(f"{base}: scoring the vanilla model and the adapter on {golden.height} golden queries")
    predictors = {
        "vanilla": TransformersPredictor(model_path, batch_size=config.batch_size),
        "fine_tuned": TransformersPredictor(model_path, qlora_adapter["adapter_path"], batch_size=config.batch_size),
    }
    result = compare(predictors, golden, reference="vanilla")
    result["base_model"] = base
    out = rn_home() / "reports" / "adapters" / f"{base.replace('/', '__')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out, result)
    tuned = result["variants"]["fine_tuned"]
    context.add_output_metadata(
        {
            "n": tuned["n"],
            "fine_tuned_function_f1": tuned["function_f1"],
            "fine_tuned_content_type_accuracy": tuned["content_type_accuracy"],
            "fine_tuned_invalid_rate": tuned["invalid_rate"],
            "comparison": dg.MetadataValue.md(result["table"]),
            "fine_tuned_per_content_type": dg.MetadataValue.md(per_type_table(tuned)),
            "report": dg.MetadataValue.path(str(out)),
        }
    )
    return result


def _adapter_beats_vanilla(adapter_evaluation: dict[str, Any]) -> dg.AssetCheckResult:
    tuned, vanilla = adapter_evaluation["variants"]["fine_tuned"], adapter_evaluation["variants"]["vanilla"]
    keys = ("function_f1", "content_type_accuracy", "subprompt_similarity", "invalid_rate")
    return dg.AssetCheckResult(
        passed=tuned["function_f1"] > vanilla["function_f1"],
        severity=dg.AssetCheckSeverity.WARN,
        metadata={f"{k}_delta": round(tuned[k] - vanilla[k], 4) for k in keys}
        | {"mcnemar_p": adapter_evaluation["tests"]["fine_tuned"]["mcnemar_function"]["pvalue"]},
    )


# Partitioned checks are a Dagster "preview" feature; it is what lets each base model's evaluation
# be checked on its own, so we use it knowingly and keep its warning out of every definitions load.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.PreviewWarning)
    adapter_beats_vanilla = dg.asset_check(
        asset=adapter_evaluation,
        name="adapter_beats_vanilla",
        partitions_def=BASE_MODEL_PARTITIONS,
        description="the adapter should beat its vanilla base on function F1 (warns: a short CPU smoke run cannot)",
    )(_adapter_beats_vanilla)
