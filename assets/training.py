"""Assets: SFT data, QLoRA adapters per base model, and the CPU proxy model.

Adding a base model: set RN_EXTRA_BASE_MODELS="org/name,other/name" (new partition keys) and put
its weights under $RN_MODEL_DIR/<org>/<name>, or give the folder as run config
`ops: {qlora_adapter: {config: {model_path: /models/my-model}}}`. Nothing is downloaded.
"""


import os
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
from pydantic import Field

from assets.k8s_tags import CPU_LARGE_TAGS, GPU_TRAINING_TAGS
from assets.metadata import frame_md
from resources.tracking import WandbResource
from routenator_dagster.paths import rn_home

PAPER_BASE_MODELS: tuple[str, ...] = (
    "gorilla-llm/gorilla-openfunctions-v2",
    "Qwen/Qwen2.5-0.5B-Instruct",
    "Qwen/Qwen2.5-1.5B-Instruct",
    "meta-llama/Llama-3.2-1B-Instruct",
    "google/gemma-2-2b-it",
    "microsoft/Phi-3.5-mini-instruct",
)
TINY_LOCAL = "tiny-local"
EXTRA_MODELS_ENV = "RN_EXTRA_BASE_MODELS"
MODEL_DIR_ENV = "RN_MODEL_DIR"
CPU_DEMO_MAX_STEPS = 20  # the tiny model on CPU is a smoke run of the real path, not a training


def base_models() -> list[str]:
    extra = [m.strip() for m in os.environ.get(EXTRA_MODELS_ENV, "").split(",") if m.strip()]
    return list(dict.fromkeys([*PAPER_BASE_MODELS, TINY_LOCAL, *extra]))


BASE_MODEL_PARTITIONS = dg.StaticPartitionsDefinition(base_models())
_SFT_COLUMNS = ("request_id", "query", "function", "content_type", "extracted_prompt", "route", "length_bucket")


class SftConfig(dg.Config):
    validation_fraction: float = Field(default=0.05, description="share of each function x type stratum held out")
    seed: int = 42


@dg.asset(group_name="training", op_tags=CPU_LARGE_TAGS, kinds={"huggingface"})
def sft_dataset(context: dg.AssetExecutionContext, config: SftConfig, filtered_dataset: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Chat-format train/validation splits of the clean rows (JSON Lines + a `datasets` folder)."""
    from routenator_dagster.training.sft_format import stratified_split, to_chat_rows, write_hf_dataset, write_jsonl

    frame = filtered_dataset.select([c for c in _SFT_COLUMNS if c in filtered_dataset.columns])
    if frame.is_empty():
        raise ValueError("filtered_dataset has no rows: nothing to train on")
    train, validation = stratified_split(frame, config.validation_fraction, config.seed)
    train_rows, val_rows = to_chat_rows(train), to_chat_rows(validation)
    folder = rn_home() / "sft"
    write_jsonl(train_rows, folder / "train.jsonl")
    write_jsonl(val_rows, folder / "validation.jsonl")
    write_hf_dataset(train_rows, val_rows, folder / "hf_dataset")
    context.log.info(f"sft_dataset: {len(train)} train / {len(validation)} validation rows under {folder}")
    counts = (
        frame.group_by("function", "content_type").len().sort("function", "content_type")
        .with_columns(pl.col("len").alias("rows")).drop("len")
    )
    sample = train.head(5).select("query", "function", "content_type", "extracted_prompt")
    context.add_output_metadata(
        {
            "train_rows": len(train),
            "validation_rows": len(validation),
            "folder": dg.MetadataValue.path(str(folder)),
            "counts": dg.MetadataValue.md(frame_md(counts)),
            "sample": dg.MetadataValue.md(frame_md(sample)),
            "sample_target": dg.MetadataValue.md(f"```\n{train_rows[0]['messages'][-1]['content']}\n```" if train_rows else "-"),
        }
    )
    return {"train": train, "validation": validation}


class QLoRAAssetConfig(dg.Config):
    model_path: str = Field(default="", description="local folder of the base model; default $RN_MODEL_DIR/<partition>")
    max_steps: int = Field(default=-1, description="cap on optimizer steps (-1: the paper's 3 epochs)")
    max_train_rows: int = Field(default=0, description="use at most this many training rows (0: all)")
    load_in_4bit: bool = True


def resolve_model_path(partition: str, configured: str = "") -> Path:
    """The local folder for a base model; builds the tiny model on first use."""
    if configured:
        path = Path(configured).expanduser()
    elif partition == TINY_LOCAL:
        path = rn_home() / "models" / TINY_LOCAL
        if not (path / "config.json").is_file():
            from routenator_dagster.training.tiny_model import build_tiny_model

            build_tiny_model(path)
    else:
        root = os.environ.get(MODEL_DIR_ENV)
        if not root:
            raise FileNotFoundError(
                f"no weights for {partition!r}: set {MODEL_DIR_ENV} to a folder holding {partition}/ "
                "or pass config model_path (nothing is downloaded)"
            )
        path = Path(root) / partition
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"base model {partition!r}: {path} has no config.json")
    return path


@dg.asset(group_name="training", partitions_def=BASE_MODEL_PARTITIONS, op_tags=GPU_TRAINING_TAGS, kinds={"pytorch", "wandb"})
def qlora_adapter(
    context: dg.AssetExecutionContext, config: QLoRAAssetConfig, wandb: WandbResource, sft_dataset: dict[str, pl.DataFrame]
) -> dict[str, Any]:
    """A QLoRA adapter for one base model (appendix B settings), saved with its tokenizer."""
    import torch

    from routenator_dagster.training.qlora import QLoRAConfig, train_qlora
    from routenator_dagster.training.sft_format import to_chat_rows

    base = context.partition_key
    model_path = resolve_model_path(base, config.model_path)
    train = sft_dataset["train"]
    if config.max_train_rows > 0:
        train = train.head(config.max_train_rows)
    max_steps = config.max_steps
    if max_steps < 0 and base == TINY_LOCAL and not torch.cuda.is_available():
        max_steps = CPU_DEMO_MAX_STEPS
        context.log.info(f"tiny-local on CPU: capped at {max_steps} steps (a smoke run of the QLoRA path)")
    qcfg = QLoRAConfig(load_in_4bit=config.load_in_4bit, max_steps=max_steps)
    out_dir = rn_home() / "models" / "adapters" / base.replace("/", "__")
    run = wandb.start_run(f"qlora-{base}", {**qcfg.as_dict(), "base_model": base, "train_rows": len(train)})
    try:
        metrics = train_qlora(
            model_path,
            to_chat_rows(train),
            to_chat_rows(sft_dataset["validation"]),
            out_dir,
            qcfg,
            tracker=run,
            progress=context.log.info,
        )
    finally:
        run.finish()
    history = metrics.pop("history")
    metrics["base_model"] = base
    metrics["model_path"] = str(model_path)  # what adapter_evaluation must load the adapter onto
    context.add_output_metadata(
        {
            "train_loss": metrics["train_loss"],
            "eval_loss": metrics.get("eval_loss", float("nan")),
            "steps": metrics["global_step"],
            "train_seconds": metrics["train_seconds"],
            "device": metrics["device"],
            "adapter": dg.MetadataValue.path(metrics["adapter_path"]),
            "loss_curve": dg.MetadataValue.json([h for h in history if "loss" in h][-50:]),
        }
    )
    return metrics


class ProxyConfig(dg.Config):
    use_embeddings: bool = Field(
        default=False, description="join all-MiniLM-L6-v2 embeddings to the n-gram features (slower: ~150-480 queries/s on 2 cores)"
    )
    seed: int = 42


@dg.asset(group_name="training", op_tags=CPU_LARGE_TAGS, kinds={"scikitlearn"})
def proxy_model(context: dg.AssetExecutionContext, config: ProxyConfig, sft_dataset: dict[str, pl.DataFrame]) -> dict[str, Any]:
    """The CPU proxy trained on the SFT train split and scored on its validation split."""
    from routenator_dagster.evaluation.predictors import default_proxy_dir
    from routenator_dagster.training.proxy_model import train_or_reuse_proxy, validation_accuracy

    out = default_proxy_dir()
    model, reused = train_or_reuse_proxy(sft_dataset["train"], out, seed=config.seed, use_embeddings=config.use_embeddings,
                                         progress=context.log.info)
    val = validation_accuracy(model, sft_dataset["validation"])
    context.add_output_metadata(
        {
            "train_seconds": model.meta["train_seconds"],
            "reused_unchanged_model": reused,
            "train_rows": model.meta["trained_rows"],
            "validation_function_accuracy": val["function_accuracy"],
            "validation_content_type_accuracy": val["content_type_accuracy"],
            "model_dir": dg.MetadataValue.path(str(out)),
        }
    )
    return {"path": str(out), **model.meta, "validation": val}
