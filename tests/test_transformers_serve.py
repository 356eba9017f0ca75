"""Our client against a real OpenAI-compatible server: `transformers serve` with a tiny local model.

The model is built from a config and a tokenizer trained here (nothing downloaded). Its text is
gibberish, so the checks are on the protocol, token accounting, and the rejection the LLM route
gives an answer that is not the JSON it asked for (the server ignores `response_format`, which is
why the route validates whatever comes back).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import polars as pl
import pytest

from routenator_dagster.llm_client import ChatRequest, LLMClient
from routenator_dagster.routes.llm_prompts import family_of, template_ids
from routenator_dagster.routes.llm_route import run_llm_batch

pytestmark = pytest.mark.timeout(60)


def _build_tiny_model(out: Path) -> None:
    """A 2-layer Llama and a byte-level BPE tokenizer with a chat template, saved as one folder."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    corpus = ["find a birthday card template", "make a photo of a red fox", '{"query": "a", "extracted_prompt": "b"}']
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<unk>", "<s>", "</s>", "<pad>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus * 20, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                   pad_token="<pad>")
    fast.chat_template = (
        "{% for m in messages %}<s>{{ m['role'] }}: {{ m['content'] if m['content'] is string else '' }}</s>"
        "{% endfor %}{% if add_generation_prompt %}<s>assistant: {% endif %}"
    )
    fast.save_pretrained(out)
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(fast), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                      bos_token_id=1, eos_token_id=2, pad_token_id=3)
    LlamaForCausalLM(cfg).save_pretrained(out)
    # Many stop tokens, so a random model ends its answer on its own (finish_reason "stop").
    gen = json.loads((out / "generation_config.json").read_text())
    gen["eos_token_id"] = [2] + [i for i in range(4, len(fast)) if i % 4 == 0]
    (out / "generation_config.json").write_text(json.dumps(gen))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    exe = shutil.which("transformers", path=str(Path(sys.executable).parent))
    assert exe, "the `transformers` CLI (transformers[serving]) is part of the dev install"
    model_dir = tmp_path_factory.mktemp("tiny-llama")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _build_tiny_model(model_dir)
    port = _free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    log = (model_dir / "serve.log").open("wb")
    proc = subprocess.Popen([exe, "serve", "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 40
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("transformers serve did not start:\n" + (model_dir / "serve.log").read_text()[-3000:])
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/v1", model_dir
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_standard_chat_completion_and_token_accounting(served: tuple[str, Path]) -> None:
    import openai
    from transformers import AutoTokenizer

    url, model_dir = served
    messages = [{"role": "user", "content": "make a photo of a fox"}]
    raw = openai.OpenAI(base_url=url, api_key="unused", max_retries=0).chat.completions.create(
        model=str(model_dir), messages=messages, max_tokens=16)
    assert raw.object == "chat.completion" and raw.choices[0].message.role == "assistant"

    client = LLMClient(url, str(model_dir), None, max_concurrency=4, max_retries=0, timeout_s=30, max_tokens=16)
    results = client.run_all([ChatRequest(f"r{i}", messages, seed=i) for i in range(3)])
    n_prompt = len(AutoTokenizer.from_pretrained(model_dir).apply_chat_template(
        messages, add_generation_prompt=True, tokenize=True)["input_ids"])
    for r in results:
        assert r.ok and r.content is not None and r.finish_reason in ("stop", "length")
        assert r.prompt_tokens == n_prompt and 1 <= r.completion_tokens <= 16
    assert client.usage.prompt_tokens == 3 * n_prompt
    assert client.usage.completion_tokens == sum(r.completion_tokens for r in results)


def test_llm_route_rejects_unparsable_answers(served: tuple[str, Path], tmp_path: Path) -> None:
    url, model_dir = served
    rows = []
    for i in range(3):
        tid = template_ids("text_llm", "Search", "Photo")[i]
        rows.append({"request_id": f"t{i}", "function": "Search", "content_type": "Photo", "length_bucket": "s_3_4",
                     "min_words": 3, "max_words": 4, "route": "text_llm", "template_family": family_of(tid),
                     "template_id": tid, "variables": json.dumps({"intent": "fox"}), "source_nodes": [],
                     "asset_id": None, "preview_path": None, "seed": i})
    client = LLMClient(url, str(model_dir), None, max_concurrency=4, max_retries=0, timeout_s=30, max_tokens=24)
    out = run_llm_batch(pl.DataFrame(rows), client, tmp_path)
    assert out.height == 3 and set(out["status"]) == {"rejected"}
    assert set(out["reject_reason"]) <= {"malformed_json", "truncated", "empty_output"}
    assert "malformed_json" in set(out["reject_reason"])
    assert out["raw_output"].null_count() == 0 and set(out["model"]) == {str(model_dir)}
