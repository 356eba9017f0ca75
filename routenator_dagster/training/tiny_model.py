"""A tiny Llama model built from a config, with a locally trained BPE tokenizer and a chat template.

Nothing is downloaded: tests and the CPU demo fine-tune this folder exactly as they would a hub model.
"""

from __future__ import annotations

import os
from pathlib import Path

from routenator_dagster.labels import CONTENT_TYPES, FUNCTIONS

SPECIAL_TOKENS: tuple[str, ...] = ("<|pad|>", "<|bos|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>")
# Roles are special tokens so the rendered prompt is always a token prefix of the rendered chat.
CHAT_TEMPLATE: str = (
    "{{ bos_token }}{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|end|>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def _corpus(extra: list[str] | None) -> list[str]:
    from routenator_dagster.training.sft_format import SYSTEM_PROMPT

    base = [SYSTEM_PROMPT]
    base += [f'{f}(content_type="{c}", extracted_prompt="birthday party flyer")' for f in FUNCTIONS for c in CONTENT_TYPES]
    base += [
        "find me a photo of an elephant",
        "create a logo for my bakery with pink frosting and the name Sweet Bee",
        "wedding invitation template with gold flowers",
        "background music for a travel video",
    ]
    return base * 4 + list(extra or [])


def build_tiny_model(
    out_dir: str | Path,
    vocab_size: int = 512,
    hidden_size: int = 64,
    layers: int = 2,
    heads: int = 4,
    corpus: list[str] | None = None,
    seed: int = 42,
) -> Path:
    """Write a complete local model folder (config, weights, tokenizer, chat template) to ``out_dir``."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_corpus(corpus), trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<|bos|>",
        eos_token="<|end|>",
        pad_token="<|pad|>",
        chat_template=CHAT_TEMPLATE,
    )
    fast.save_pretrained(out)
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(fast),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        max_position_embeddings=4096,
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
        tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = fast.pad_token_id
    model.save_pretrained(out)
    return out
