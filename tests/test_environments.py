"""Resource selection by RN_ENV: production is all EnvVars (no secret in a repr), local needs no server."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from resources.environments import build_resources

RESOURCE_KEYS = {"io_manager", "kg", "text_llm", "vision_llm", "judge_llm", "wandb"}
# Every variable a production deployment may set, each with a value we can search for.
PRODUCTION_ENV = {
    "NEO4J_URI": "bolt://neo4j.routenator.svc:7687",
    "NEO4J_USER": "neo4j",
    "NEO4J_PASSWORD": "sentinel-neo4j-password",
    "NEO4J_DATABASE": "neo4j",
    "RN_TEXT_LLM_URL": "http://vllm-text.routenator.svc:8000/v1",
    "RN_TEXT_LLM_MODEL": "text-model",
    "RN_VISION_LLM_URL": "http://vllm-vision.routenator.svc:8000/v1",
    "RN_VISION_LLM_MODEL": "vision-model",
    "RN_JUDGE_LLM_URL": "http://vllm-text.routenator.svc:8000/v1",
    "RN_JUDGE_LLM_MODEL": "judge-model",
    "VLLM_API_KEY": "sentinel-vllm-api-key",
    "WANDB_API_KEY": "sentinel-wandb-api-key",
    "WANDB_PROJECT": "routenator",
    "WANDB_ENTITY": "routenator-team",
}
SECRETS = [v for k, v in PRODUCTION_ENV.items() if re.search("PASSWORD|API_KEY", k)]
_SECRET_FIELD = re.compile(r"password|api_key|secret|(^|_)token$", re.IGNORECASE)


def _config(resource: Any) -> dict[str, Any]:
    assert isinstance(resource, (dg.ConfigurableResource, dg.ConfigurableIOManager)), (
        f"{type(resource).__name__} is not a ConfigurableResource"
    )
    return resource._convert_to_config_dictionary()


def _env_names(config: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for value in config.values():
        if isinstance(value, dict):
            names |= {value["env"]} if set(value) == {"env"} else _env_names(value)
    return names


def test_production_uses_env_vars_and_never_shows_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RN_HOME", str(tmp_path))
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    resources = build_resources("production")
    assert RESOURCE_KEYS <= set(resources)

    referenced: set[str] = set()
    for key, resource in resources.items():
        config = _config(resource)
        for field, value in config.items():
            if _SECRET_FIELD.search(field):
                assert isinstance(value, dict) and set(value) == {"env"}, f"{key}.{field} must come from an EnvVar"
        referenced |= _env_names(config)
        shown = repr(resource) + str(config)
        assert not any(secret in shown for secret in SECRETS), f"{key} shows a secret in its repr"
    assert {"NEO4J_PASSWORD", "VLLM_API_KEY"} <= referenced

    # Dagster resolves the EnvVars when it initializes a resource (no connection is made here).
    for resource in resources.values():
        resource.process_config_and_initialize()


def test_unknown_environment_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="RN_ENV"):
        build_resources("staging")


def test_local_needs_no_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RN_HOME", str(tmp_path))
    for name in PRODUCTION_ENV:
        monkeypatch.delenv(name, raising=False)

    def no_network(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"local resources tried to connect to {address}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    resources = build_resources("local")
    assert RESOURCE_KEYS <= set(resources)
    initialized = {key: resource.process_config_and_initialize() for key, resource in resources.items()}
    marker = initialized["kg"].change_marker()
    assert isinstance(marker, str) and marker
    # The marker is a pure function of the embedded graph: asking twice gives the same answer.
    assert initialized["kg"].change_marker() == marker


def test_local_run_switches_to_neo4j_when_its_uri_is_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RN_HOME", str(tmp_path))
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:7687")
    monkeypatch.setenv("NEO4J_USER", "neo4j")
    monkeypatch.setenv("NEO4J_PASSWORD", "sentinel-neo4j-password")
    kg = build_resources("local")["kg"]
    config = _config(kg)
    assert config["uri"] == {"env": "NEO4J_URI"} and config["password"] == {"env": "NEO4J_PASSWORD"}
    assert "sentinel-neo4j-password" not in repr(kg)
    monkeypatch.delenv("NEO4J_URI")
    assert "uri" not in _config(build_resources("local")["kg"])
