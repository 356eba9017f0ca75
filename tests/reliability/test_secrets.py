"""Secrets stay secret: the Neo4j password, the vLLM API key and the W&B key are set to marker
strings; a small embedded materialization and a Bolt login the server refuses run with them; no
marker may appear in stdout/stderr, in any file under the home folders (HOME, RN_HOME,
DAGSTER_HOME), in the Dagster event log or in the run config."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from assets.knowledge import content_catalog, kg_snapshot, population_targets
from resources.environments import build_resources
from resources.knowledge_graph import Neo4jGraphResource
from tests.bolt_server import BoltServer, running_bolt_server

MARKERS = {
    "NEO4J_PASSWORD": "marker-neo4j-pw-5b1e9c",
    "VLLM_API_KEY": "marker-vllm-key-77d0aa",
    "WANDB_API_KEY": "marker-wandb-key-c4f2e8",
}


@pytest.fixture(scope="module")
def bolt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoltServer]:
    with running_bolt_server(str(tmp_path_factory.mktemp("falkordb"))) as server:
        yield server


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    for sub in ("rn", "dagster"):
        (folder / sub).mkdir(parents=True)
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.setenv("RN_HOME", str(folder / "rn"))
    monkeypatch.setenv("DAGSTER_HOME", str(folder / "dagster"))
    monkeypatch.setenv("WANDB_MODE", "offline")
    for name, value in MARKERS.items():
        monkeypatch.setenv(name, value)
    for name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_DATABASE", "RN_TEXT_LLM_URL", "RN_VISION_LLM_URL"):
        monkeypatch.delenv(name, raising=False)
    return folder


def _leaks(text: str) -> list[str]:
    return [name for name, marker in MARKERS.items() if marker in text]


def _file_leaks(folder: Path) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.relative_to(folder)}: {name}" for name, marker in MARKERS.items()
                      if marker.encode() in data]
    return found


def _run_record_leaks(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult) -> list[str]:
    run = instance.get_run_by_id(result.run_id)
    assert run is not None
    events = instance.all_logs(result.run_id)
    assert events  # the event log really was written to this instance
    text = json.dumps(run.run_config, default=str) + "".join(dg.serialize_value(e) for e in events)
    return _leaks(text)


def _materialize(assets: list[Any], resources: dict[str, Any], instance: dg.DagsterInstance,
                 run_config: dict[str, Any] | None = None) -> dg.ExecuteInProcessResult:
    return dg.materialize(assets, resources=resources, instance=instance, run_config=run_config,
                          raise_on_error=False)


def test_no_secret_in_output_files_event_log_or_run_config(
    home: Path, bolt: BoltServer, capfd: pytest.CaptureFixture[str]
) -> None:
    instance = dg.DagsterInstance.local_temp(str(home / "dagster"))
    resources = build_resources("local")
    # The secrets reach the resources that need them (so a leak would have something to leak).
    assert resources["text_llm"].process_config_and_initialize().api_key == MARKERS["VLLM_API_KEY"]

    ok = _materialize([kg_snapshot, content_catalog, population_targets], resources, instance,
                      {"ops": {"content_catalog": {"config": {"n_assets": 200, "seed": 3}}}})
    assert ok.success

    # Production-style Neo4j: the password travels to a real Bolt server, which refuses the login.
    prod = build_resources("production")
    prod.pop("wandb")  # online W&B would reach for the network; its key is checked below
    prod["kg"] = Neo4jGraphResource(uri=bolt.uri, user="neo4j", password=dg.EnvVar("NEO4J_PASSWORD"),
                                    dialect="falkordb", connect_timeout_s=3)
    assert prod["kg"].process_config_and_initialize().password == MARKERS["NEO4J_PASSWORD"]
    refused = _materialize([kg_snapshot], prod, instance)
    assert not refused.success
    failure = next(e for e in refused.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert bolt.uri in str(failure.step_failure_data.error.to_string())

    # W&B: the production resource holds the key (as an EnvVar) and never shows it.
    wandb = build_resources("production")["wandb"]
    assert wandb.process_config_and_initialize().api_key == MARKERS["WANDB_API_KEY"]
    assert not _leaks(repr(wandb) + json.dumps(wandb._convert_to_config_dictionary(), default=str))

    out, err = capfd.readouterr()
    assert "RUN_SUCCESS" in err + out and "STEP_FAILURE" in err + out  # the logs were captured
    assert not _leaks(out), "a secret was printed to stdout"
    assert not _leaks(err), "a secret was printed to stderr"
    assert (home / "dagster").rglob("*.db") and list((home / "rn").rglob("*.parquet"))
    assert not _file_leaks(home)
    assert not _run_record_leaks(instance, ok)
    assert not _run_record_leaks(instance, refused)


def test_a_dead_server_error_names_the_uri_and_never_the_password(
    home: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("NEO4J_USER", "neo4j")
    kg = build_resources("production")["kg"].process_config_and_initialize()
    assert kg.password == MARKERS["NEO4J_PASSWORD"]
    with pytest.raises(Exception) as info:
        kg.read_snapshot()
    shown = str(info.value) + repr(info.value) + repr(kg) + "".join(capfd.readouterr())
    assert "bolt://127.0.0.1:9" in str(info.value) and not _leaks(shown)
    # Handed a plain password, the resource still keeps it out of its repr.
    plain = Neo4jGraphResource(uri="bolt://127.0.0.1:9", password=MARKERS["NEO4J_PASSWORD"])
    assert not _leaks(repr(plain) + str(plain))
