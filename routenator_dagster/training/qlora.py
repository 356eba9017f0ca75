"""QLoRA fine-tuning with the paper's appendix B settings (transformers + peft + bitsandbytes).

The same code runs a 4-bit NF4 base on a GPU pod and, for tests and the CPU demo, on the tiny
local model (bitsandbytes 0.50 quantizes on CPU too).
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger(__name__)

LORA_TARGETS: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class QLoRAConfig:
    """Appendix B of the paper; ``max_steps`` > 0 caps training (tests, smoke runs)."""

    load_in_4bit: bool = True
    quant_type: str = "nf4"
    double_quant: bool = True
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    target_modules: tuple[str, ...] = LORA_TARGETS
    learning_rate: float = 1e-4
    optimizer: str = "adamw_torch"
    lr_scheduler: str = "cosine"
    warmup_ratio: float = 0.03
    per_device_batch_size: int = 4
    gradient_accumulation_steps: int = 2
    max_length: int = 4096
    epochs: float = 3.0
    max_grad_norm: float = 0.3
    gradient_checkpointing: bool = True
    eval_steps: int = 1000
    save_steps: int = 1000
    logging_steps: int = 20
    seed: int = 42
    max_steps: int = -1
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["target_modules"] = list(self.target_modules)
        return d


def _precision(cuda: bool) -> tuple[Any, dict[str, bool]]:
    import torch

    if cuda:  # the paper trains in fp16 mixed precision
        return torch.float16, {"fp16": True, "bf16": False}
    return torch.float32, {"fp16": False, "bf16": False}


def load_base(model_path: str | Path, config: QLoRAConfig) -> tuple[Any, Any]:
    """Tokenizer and (4-bit) base model from a local folder; never reaches the hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig

    path = Path(model_path)
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"{path} is not a local model folder (no config.json); set RN_MODEL_DIR or the model path")
    cuda = torch.cuda.is_available()
    dtype, _ = _precision(cuda)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    kwargs: dict[str, Any] = {"local_files_only": True, "dtype": dtype}
    if config.load_in_4bit:
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type=config.quant_type,
            bnb_4bit_use_double_quant=config.double_quant,
            bnb_4bit_compute_dtype=dtype,
        )
        kwargs["device_map"] = {"": 0} if cuda else {"": "cpu"}
    model = AutoModelForCausalLM.from_pretrained(path, **kwargs)
    return tokenizer, model


class _Collator:
    """Right-pads input ids, attention masks and labels (labels with -100)."""

    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, features: list[dict[str, list[int]]]) -> dict[str, Any]:
        import torch

        n = max(len(f["input_ids"]) for f in features)
        ids = [f["input_ids"] + [self.pad_id] * (n - len(f["input_ids"])) for f in features]
        mask = [f["attention_mask"] + [0] * (n - len(f["attention_mask"])) for f in features]
        labels = [f["labels"] + [-100] * (n - len(f["labels"])) for f in features]
        return {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask), "labels": torch.tensor(labels)}


def _encode(tokenizer: Any, rows: list[dict[str, Any]], max_length: int) -> list[dict[str, list[int]]]:
    from routenator_dagster.training.sft_format import tokenize_chat

    out = []
    for i, r in enumerate(rows):
        enc = tokenize_chat(tokenizer, r["messages"], max_length)
        if all(label == -100 for label in enc["labels"]):
            log.warning("row %d: the target call was truncated away at max_length=%d; skipped", i, max_length)
            continue
        out.append(enc)
    return out


def train_qlora(
    model_path: str | Path,
    train_rows: list[dict[str, Any]],
    eval_rows: list[dict[str, Any]],
    out_dir: str | Path,
    config: QLoRAConfig = QLoRAConfig(),
    tracker: Any | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Fine-tune a LoRA adapter on chat rows; loss only on the assistant's call. Saves adapter + tokenizer."""
    import torch
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
    from transformers import Trainer, TrainerCallback, TrainingArguments

    say = progress or log.info
    if not train_rows:
        raise ValueError("no training rows")
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(config.seed)
    tokenizer, model = load_base(model_path, config)
    if config.load_in_4bit:
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=config.gradient_checkpointing)
    elif config.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    present = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    targets = [t for t in config.target_modules if t in present]
    if not targets:
        raise ValueError(f"none of the LoRA target modules {config.target_modules} exist in {model_path}")
    model = get_peft_model(
        model,
        LoraConfig(
            r=config.lora_r,
            lora_alpha=config.lora_alpha,
            lora_dropout=config.lora_dropout,
            target_modules=targets,
            bias="none",
            task_type="CAUSAL_LM",
        ),
    )
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    say(f"qlora: {trainable} trainable parameters on {', '.join(targets)}")
    train_ds = _encode(tokenizer, train_rows, config.max_length)
    eval_ds = _encode(tokenizer, eval_rows, config.max_length) if eval_rows else []
    cuda = torch.cuda.is_available()
    _, precision = _precision(cuda)
    args = TrainingArguments(
        output_dir=str(out / "checkpoints"),
        learning_rate=config.learning_rate,
        optim=config.optimizer,
        lr_scheduler_type=config.lr_scheduler,
        warmup_steps=config.warmup_ratio,  # transformers 5: a value below 1 is a ratio of total steps
        per_device_train_batch_size=config.per_device_batch_size,
        per_device_eval_batch_size=config.per_device_batch_size,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        max_grad_norm=config.max_grad_norm,
        gradient_checkpointing=config.gradient_checkpointing,
        eval_strategy="steps" if eval_ds else "no",
        eval_steps=config.eval_steps,
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=2,
        logging_steps=config.logging_steps,
        seed=config.seed,
        use_cpu=not cuda,
        report_to="none",
        remove_unused_columns=False,
        disable_tqdm=progress is not None,
        **precision,
    )
    history: list[dict[str, float]] = []

    class _Relay(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None, **kw: Any) -> None:
            if logs:
                history.append({"step": state.global_step, **logs})
                say(f"qlora step {state.global_step}/{state.max_steps}: {logs}")
                if tracker is not None:
                    tracker.log({k: v for k, v in logs.items() if isinstance(v, (int, float))}, step=state.global_step)

    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=eval_ds or None,
        data_collator=_Collator(tokenizer.pad_token_id),
        callbacks=[_Relay()],
    )
    result = trainer.train()
    metrics: dict[str, Any] = {"train_loss": float(result.training_loss), "global_step": int(result.global_step)}
    if eval_ds:
        ev = trainer.evaluate()
        metrics["eval_loss"] = float(ev["eval_loss"])
    adapter_dir = out / "adapter"
    model.save_pretrained(adapter_dir)
    tokenizer.save_pretrained(adapter_dir)
    metrics.update(
        {
            "adapter_path": str(adapter_dir),
            "train_rows": len(train_ds),
            "eval_rows": len(eval_ds),
            "trainable_parameters": int(trainable),
            "train_seconds": round(time.perf_counter() - t0, 2),
            "device": "cuda" if cuda else "cpu",
            "finite_loss": math.isfinite(metrics["train_loss"]),
            "history": history,
        }
    )
    if tracker is not None:
        tracker.log({k: v for k, v in metrics.items() if isinstance(v, (int, float))})
    say(f"qlora: done in {metrics['train_seconds']} s, train loss {metrics['train_loss']:.4f}")
    return metrics


def load_for_inference(model_path: str | Path, adapter_path: str | Path | None = None, load_in_4bit: bool = False) -> tuple[Any, Any]:
    """Tokenizer and model (with the adapter applied when given) ready for generation."""
    from peft import PeftModel

    tokenizer, model = load_base(model_path, QLoRAConfig(load_in_4bit=load_in_4bit))
    if adapter_path is not None:
        model = PeftModel.from_pretrained(model, str(adapter_path))
    model.eval()
    return tokenizer, model


def generate_calls(
    model_path: str | Path,
    adapter_path: str | Path | None,
    queries: list[str],
    max_new_tokens: int = 96,
    batch_size: int = 8,
    loaded: tuple[Any, Any] | None = None,
) -> list[str]:
    """Greedy completions of the chat prompt for each query (the raw text the model emits)."""
    import torch

    from routenator_dagster.training.sft_format import prompt_messages

    tokenizer, model = loaded or load_for_inference(model_path, adapter_path)
    tokenizer.padding_side = "left"  # decoder-only models continue from the right edge
    device = next(model.parameters()).device
    outs: list[str] = []
    for start in range(0, len(queries), batch_size):
        batch = queries[start : start + batch_size]
        texts = [
            tokenizer.apply_chat_template(prompt_messages(q), tokenize=False, add_generation_prompt=True) for q in batch
        ]
        enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
        with torch.no_grad():
            gen = model.generate(
                **enc,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
            )
        for row in gen[:, enc["input_ids"].shape[1] :]:
            outs.append(tokenizer.decode(row, skip_special_tokens=True).strip())
    return outs
