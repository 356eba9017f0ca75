"""Resources: the OpenAI-compatible LLM servers (vLLM) behind the text, vision and judge routes.

Unconfigured (no base_url) by default: the router then gives the LLM routes no quota and the run
still completes from the routes that can run. The API key comes from an `EnvVar` and goes only
into the client's Authorization header: never logged, never in metadata.
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


class OpenAICompatibleResource(dg.ConfigurableResource):
    """An OpenAI-compatible chat endpoint (vLLM's server). `base_url=None` means not configured."""

    base_url: str | None = Field(default=None, description="e.g. http://vllm-text:8000/v1; None = unconfigured")
    model: str = Field(default="", description="served model name (vLLM --served-model-name)")
    api_key: str | None = Field(default=None, description="bearer token; pass dg.EnvVar('VLLM_API_KEY')")
    max_concurrency: int = Field(default=256, description="requests kept in flight (match vLLM --max-num-seqs)")
    timeout_s: float = 120.0
    max_retries: int = 5
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 256

    def is_configured(self) -> bool:
        return bool(self.base_url) and bool(self.model)

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


def resources_for(env: str) -> dict[str, Any]:
    """Resource instances for `env` ("local" or "production"), keyed by resource key."""
    out: dict[str, Any] = {}
    for key, (prefix, prod_url, prod_model) in _SERVERS.items():
        if env == "production":
            out[key] = OpenAICompatibleResource(
                base_url=_env_or(f"{prefix}_URL", prod_url),
                model=_env_or(f"{prefix}_MODEL", prod_model),
                api_key=dg.EnvVar(API_KEY_ENV),  # from the k8s Secret; vLLM --api-key
            )
        else:
            out[key] = OpenAICompatibleResource(
                base_url=_env_or(f"{prefix}_URL", None),
                model=_env_or(f"{prefix}_MODEL", ""),
                api_key=dg.EnvVar(API_KEY_ENV) if os.environ.get(API_KEY_ENV) else None,
            )
    return out
