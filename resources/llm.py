"""Resources: the OpenAI-compatible LLM servers (vLLM) behind the text, vision and judge routes.

Unconfigured (no base_url) by default: the router then gives the LLM routes no quota and the run
still completes from the routes that can run. In bulk mode (`bulk=True`, env RN_TEXT_LLM_BULK=1 /
RN_VISION_LLM_BULK=1 with the model name set) the answers come from vLLM's offline engine in a GPU
Job (`routenator_dagster.bulk_generate`), which fills the route's checkpoint; the route needs no
base URL and `synthetic_queries` only reads that checkpoint, sending nothing. The API key comes
from an `EnvVar` and goes only into the client's Authorization header: never logged, never in
metadata.
"""

from __future__ import annotations

import os
from typing import Any

import dagster as dg
from pydantic import Field

from routenator_dagster.llm_client import LLMClient

# Resource key -> (env var prefix, default production URL, default production model). The
# defaults are the k8s Services and --served-model-name values in k8s/vllm-*.yaml.
_SERVERS: dict[str, tuple[str, str, str]] = {
    "text_llm": ("RN_TEXT_LLM", "http://vllm-text:8000/v1", "llama-3.1-8b-instruct"),
    "vision_llm": ("RN_VISION_LLM", "http://vllm-vision:8000/v1", "internvl2.5-8b"),
    "judge_llm": ("RN_JUDGE_LLM", "http://vllm-text:8000/v1", "llama-3.1-8b-instruct"),
}
API_KEY_ENV = "VLLM_API_KEY"
BULK_CAPABLE: frozenset[str] = frozenset({"text_llm", "vision_llm"})


class OpenAICompatibleResource(dg.ConfigurableResource):
    """An OpenAI-compatible chat endpoint (vLLM's server). `base_url=None` means not configured."""

    base_url: str | None = Field(default=None, description="e.g. http://vllm-text:8000/v1; None = unconfigured")
    model: str = Field(default="", description="served model name (vLLM --served-model-name)")
    api_key: str | None = Field(default=None, description="bearer token; pass dg.EnvVar('VLLM_API_KEY')")
    max_concurrency: int = Field(default=256, description="requests kept in flight (match vLLM --max-num-seqs)")
    timeout_s: float = 120.0
    max_retries: int = 5
    # Same values as routes.llm_route.DEFAULT_SAMPLING (the bulk CLI's defaults; tests hold them equal).
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 256
    bulk: bool = Field(default=False, description="answers come from the offline bulk Job's checkpoint; no HTTP")

    def is_configured(self) -> bool:
        """An HTTP endpoint is set (what `get_client` needs)."""
        return bool(self.base_url) and bool(self.model)

    def is_bulk(self) -> bool:
        """Bulk mode with a model name (the name is part of the checkpoint key)."""
        return self.bulk and bool(self.model)

    def is_available(self) -> bool:
        """The route can produce rows: over HTTP or from the bulk checkpoint."""
        return self.is_bulk() or self.is_configured()

    def sampling_defaults(self) -> dict[str, Any]:
        """The sampling every request gets unless it overrides it (equals the client's defaults)."""
        return {"temperature": self.temperature, "top_p": self.top_p, "max_tokens": self.max_tokens}

    def get_client(self) -> LLMClient:
        if not self.is_configured():
            raise RuntimeError("this LLM resource has no base_url/model configured (set RN_*_LLM_URL and _MODEL)")
        return LLMClient(
            str(self.base_url),
            self.model,
            self.api_key or None,
            max_concurrency=self.max_concurrency,
            timeout_s=self.timeout_s,
            max_retries=self.max_retries,
            temperature=self.temperature,
            top_p=self.top_p,
            max_tokens=self.max_tokens,
        )


def _env_or(name: str, default: str | None) -> Any:
    """An EnvVar (resolved at run time) when `name` is set, else the default."""
    return dg.EnvVar(name) if os.environ.get(name) else default


def _bulk_flag(key: str, prefix: str) -> bool:
    """RN_<ROUTE>_BULK=1 puts a generation route in bulk mode (the judge always talks HTTP)."""
    return key in BULK_CAPABLE and os.environ.get(f"{prefix}_BULK", "").strip().lower() in {"1", "true", "yes"}


def _concurrency(prefix: str) -> dict[str, int]:
    """<PREFIX>_CONCURRENCY (requests in flight, e.g. the server's --max-num-seqs) when set."""
    raw = os.environ.get(f"{prefix}_CONCURRENCY", "").strip()
    if not raw:
        return {}
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{prefix}_CONCURRENCY={raw!r}: expected a whole number >= 1")
    return {"max_concurrency": int(raw)}


def resources_for(env: str) -> dict[str, Any]:
    """Resource instances for `env` ("local" or "production"), keyed by resource key."""
    out: dict[str, Any] = {}
    for key, (prefix, prod_url, prod_model) in _SERVERS.items():
        if env == "production":
            out[key] = OpenAICompatibleResource(
                base_url=_env_or(f"{prefix}_URL", prod_url),
                model=_env_or(f"{prefix}_MODEL", prod_model),
                api_key=dg.EnvVar(API_KEY_ENV),  # from the k8s Secret; vLLM --api-key
                bulk=_bulk_flag(key, prefix),
                **_concurrency(prefix),
            )
        else:
            out[key] = OpenAICompatibleResource(
                base_url=_env_or(f"{prefix}_URL", None),
                model=_env_or(f"{prefix}_MODEL", ""),
                api_key=dg.EnvVar(API_KEY_ENV) if os.environ.get(API_KEY_ENV) else None,
                bulk=_bulk_flag(key, prefix),
                **_concurrency(prefix),
            )
    return out
