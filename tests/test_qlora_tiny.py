"""The real QLoRA path (4-bit NF4 + LoRA via peft) on the tiny local model, on CPU."""

from __future__ import annotations

import math
import os

import polars as pl
import pytest

from routenator_dagster.training.qlora import LORA_TARGETS, QLoRAConfig, generate_calls, load_base, train_qlora
from routenator_dagster.training.sft_format import to_chat_rows
from routenator_dagster.training.tiny_model import build_tiny_model

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def test_defaults_are_the_papers_appendix_b() -> None:
    c = QLoRAConfig()
    assert (c.quant_type, c.double_quant, c.lora_r, c.lora_alpha, c.lora_dropout) == ("nf4", True, 16, 32, 0.05)
    assert set(c.target_modules) == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    assert (c.learning_rate, c.lr_scheduler, c.warmup_ratio, c.per_device_batch_size) == (1e-4, "cosine", 0.03, 4)
    assert (c.gradient_accumulation_steps, c.max_length, c.epochs, c.max_grad_norm) == (2, 4096, 3.0, 0.3)
    assert (c.eval_steps, c.save_steps, c.logging_steps, c.seed, c.gradient_checkpointing) == (1000, 1000, 20, 42, True)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory):
    return build_tiny_model(tmp_path_factory.mktemp("m") / "tiny")


def test_base_loads_in_4bit_nf4(tiny) -> None:
    import bitsandbytes as bnb

    _, model = load_base(tiny, QLoRAConfig())
    four_bit = [m for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    assert len(four_bit) >= len(LORA_TARGETS)
    assert four_bit[0].weight.quant_type == "nf4"


def test_train_save_reload_generate(tiny, tmp_path) -> None:
    from safetensors.torch import load_file

    df = pl.DataFrame(
        {
            "query": ["cat photo", "logo for Ana's cafe", "jazz music", "birthday card for Leo, age 6"],
            "function": ["Search", "Generate", "Search", "Generate"],
            "content_type": ["Photo", "Template", "Audio", "Template"],
            "extracted_prompt": ["cat", "logo for Ana's cafe", "jazz", "birthday card for Leo, age 6"],
        }
    )
    rows = to_chat_rows(df)
    cfg = QLoRAConfig(max_steps=3, per_device_batch_size=2, gradient_accumulation_steps=1, logging_steps=1, learning_rate=1e-3)
    logs: list[str] = []
    metrics = train_qlora(tiny, rows, rows[:1], tmp_path / "run", cfg, progress=logs.append)
    assert metrics["global_step"] == 3
    assert math.isfinite(metrics["train_loss"]) and math.isfinite(metrics["eval_loss"])
    assert any("step" in line for line in logs)
    adapter = tmp_path / "run" / "adapter"
    assert (adapter / "adapter_config.json").is_file() and (adapter / "tokenizer_config.json").is_file()
    weights = load_file(str(adapter / "adapter_model.safetensors"))
    lora_b = [v for k, v in weights.items() if "lora_B" in k]
    assert lora_b and any(float(v.abs().sum()) > 0 for v in lora_b)  # B starts at zero: it trained
    outs = generate_calls(tiny, adapter, ["dog photo", "poster for the Lions Club raffle"], max_new_tokens=8)
    assert len(outs) == 2 and all(isinstance(o, str) for o in outs)


def test_missing_model_folder_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="not a local model folder"):
        train_qlora(tmp_path / "nope", [{"messages": []}], [], tmp_path / "out")
