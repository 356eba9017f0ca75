"""Things that turn queries into function-call strings, behind one protocol."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from routenator_dagster.function_call import render_call
from routenator_dagster.labels import type_words_in
from routenator_dagster.paths import rn_home
from routenator_dagster.training.text_features import CREATION_VERBS, FILLER, STOPWORDS, norm_token, tokens


@runtime_checkable
class Predictor(Protocol):
    name: str

    def predict(self, queries: list[str]) -> list[str]: ...


class KeywordBaseline:
    """The floor: a creation verb means Generate, the first type word names the content type."""

    name = "keyword"

    def _one(self, query: str) -> str:
        words = [norm_token(t) for t in tokens(query)]
        function = "Generate" if any(w in CREATION_VERBS for w in words) else "Search"
        found = type_words_in(query)
        content_type = min(found, key=lambda ct: found[ct][0][0]) if found else "Any"
        spans = [s for ss in found.values() for s in ss]
        text = query
        for start, end in sorted(spans, reverse=True):
            text = text[:start] + " " + text[end:]
        kept = [norm_token(t) for t in tokens(text)]
        kept = [w for w in kept if w and w not in STOPWORDS and w not in FILLER and w not in CREATION_VERBS]
        prompt = " ".join(kept) or query.strip().lower()
        return render_call(function, content_type, prompt)

    def predict(self, queries: list[str]) -> list[str]:
        return [self._one(q) for q in queries]


class ProxyPredictor:
    """A trained proxy model folder (default: the one the last run trained)."""

    def __init__(self, directory: str | Path | None = None) -> None:
        from routenator_dagster.training.proxy_model import ProxyModel

        self.directory = Path(directory) if directory else default_proxy_dir()
        self.model = ProxyModel.load(self.directory)
        self.name = f"proxy:{self.directory.name}"

    def predict(self, queries: list[str]) -> list[str]:
        return self.model.predict(queries)


class TransformersPredictor:
    """A local causal LM (plus an optional LoRA adapter) prompted with its own chat template."""

    def __init__(self, model_path: str | Path, adapter_path: str | Path | None = None, batch_size: int = 8) -> None:
        from routenator_dagster.training.qlora import load_for_inference

        self.model_path, self.adapter_path, self.batch_size = Path(model_path), adapter_path, batch_size
        self._loaded = load_for_inference(model_path, adapter_path)
        self.name = f"hf:{self.model_path.name}" + (f"+{Path(adapter_path).name}" if adapter_path else "")

    def predict(self, queries: list[str]) -> list[str]:
        from routenator_dagster.training.qlora import generate_calls

        return generate_calls(self.model_path, self.adapter_path, queries, batch_size=self.batch_size, loaded=self._loaded)


class EndpointError(RuntimeError):
    """The model server did not answer; scores computed anyway would be the server's, not the model's."""


class OpenAIPredictor:
    """A model served by vLLM (or any OpenAI-compatible server); a LoRA adapter is picked by `model`."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, max_concurrency: int = 64) -> None:
        self.base_url, self.model, self.name = base_url.rstrip("/"), model, f"openai:{model}"
        self._api_key = api_key
        self.max_concurrency = max_concurrency

    def predict(self, queries: list[str]) -> list[str]:
        from routenator_dagster.training.sft_format import prompt_messages

        # the paper's inference settings: temperature 0.3, top-p 1.0, top-k 50, one sample per prompt
        try:
            from routenator_dagster.llm_client import ChatRequest, LLMClient, LLMEndpointError
        except ImportError:  # the project's client is optional; openai's works the same way
            return self._predict_openai(queries)
        client = LLMClient(
            self.base_url, self.model, self._api_key, max_concurrency=self.max_concurrency,
            temperature=0.3, top_p=1.0, max_tokens=128, max_retries=2,
        )
        # top_k is a vLLM extension of the OpenAI request; other servers ignore unknown fields
        reqs = [
            ChatRequest(request_id=str(i), messages=prompt_messages(q), seed=42, sampling={"top_k": 50})
            for i, q in enumerate(queries)
        ]
        try:
            results = client.run_all(reqs)
        except LLMEndpointError as exc:  # wrong key, URL or model: no retry helps
            raise EndpointError(str(exc)) from exc
        failed = [r for r in results if not r.ok]
        if failed:
            top = ", ".join(f"{k} x{v}" for k, v in Counter(str(r.error) for r in failed).most_common(3))
            raise EndpointError(f"{self.base_url}: {len(failed)} of {len(results)} requests got no answer ({top})")
        by_id = {r.request_id: r for r in results}
        return [(by_id[str(i)].content or "") if str(i) in by_id else "" for i in range(len(queries))]

    def _predict_openai(self, queries: list[str]) -> list[str]:
        from openai import OpenAI

        from routenator_dagster.training.sft_format import prompt_messages

        client = OpenAI(base_url=self.base_url, api_key=self._api_key or "EMPTY")
        out = []
        for q in queries:
            resp = client.chat.completions.create(
                model=self.model, messages=prompt_messages(q), temperature=0.3, top_p=1.0, max_tokens=128, seed=42
            )
            out.append(resp.choices[0].message.content or "")
        return out


def default_proxy_dir(home: str | Path | None = None) -> Path:
    """Where the `proxy_model` asset saves the last trained proxy."""
    return rn_home(home) / "models" / "proxy"


_SPEC_HELP = '"proxy", "proxy:DIR", "keyword", "hf:PATH[+ADAPTER]" or "openai:BASE_URL#MODEL"'


def parse_model_spec(spec: str | None, home: str | Path | None = None, api_key: str | None = None) -> Predictor:
    """A predictor from a CLI spec (see _SPEC_HELP for the forms)."""
    spec = (spec or "proxy").strip()
    if spec == "keyword":
        return KeywordBaseline()
    if spec == "proxy":
        d = default_proxy_dir(home)
        if not (d / "meta.json").is_file():
            raise FileNotFoundError(f"no trained proxy model at {d}; run `make run` first or pass --model proxy:DIR")
        return ProxyPredictor(d)
    if spec.startswith("proxy:"):
        return ProxyPredictor(spec[len("proxy:") :])
    if spec.startswith("hf:"):
        body = spec[len("hf:") :]
        model_path, _, adapter = body.partition("+")
        return TransformersPredictor(model_path, adapter or None)
    if spec.startswith("openai:"):
        m = re.match(r"^openai:(?P<url>[^#]+)#(?P<model>.+)$", spec)
        if not m:
            raise ValueError(f"model spec {spec!r}: expected openai:BASE_URL#MODEL")
        return OpenAIPredictor(m.group("url"), m.group("model"), api_key=api_key)
    raise ValueError(f"unknown model spec {spec!r}; expected {_SPEC_HELP}")


def describe(predictor: Any) -> str:
    return str(getattr(predictor, "name", type(predictor).__name__))
