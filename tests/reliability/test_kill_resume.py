"""kill -9 of `routenator run` with LLM routes, then a rerun: the same filtered dataset, row for row,
as a run never killed, and no answered request is sent again (counted at the test server).

Kill points: mid-generation (once the server has answered some LLM requests, wherever the run
is among the partitions) and after filtering wrote its acceptance feedback (the case that used
to re-plan the next run and throw away every paid answer).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from tests.openai_test_server import ServerConfig, spawn_server

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = "700"
CONCURRENCY = 8  # bounds what a kill can leave unanswered in flight


@pytest.fixture(scope="module")
def server():
    proc, url = spawn_server(ServerConfig(latency_s=0.05))
    yield url
    proc.kill()


def _post(url: str, path: str) -> None:
    urllib.request.urlopen(urllib.request.Request(url.removesuffix("/v1") + path, data=b"{}", method="POST"), timeout=10)


def _stats(url: str) -> dict:
    with urllib.request.urlopen(url.removesuffix("/v1") + "/stats", timeout=10) as resp:
        return json.loads(resp.read())


def _env(home: Path, url: str) -> dict[str, str]:
    env = {**os.environ, "RN_HOME": str(home), "DAGSTER_HOME": str(home / "dagster_home"), "RN_ENV": "local",
           "HF_HUB_OFFLINE": "1", "WANDB_MODE": "offline",
           "RN_TEXT_LLM_URL": url, "RN_TEXT_LLM_MODEL": "test-model",
           "RN_VISION_LLM_URL": url, "RN_VISION_LLM_MODEL": "test-model",
           "RN_TEXT_LLM_CONCURRENCY": str(CONCURRENCY), "RN_VISION_LLM_CONCURRENCY": str(CONCURRENCY)}
    env.pop("RN_JUDGE_LLM_URL", None)
    return env


def _command() -> list[str]:
    return [sys.executable, "-m", "routenator_dagster.cli", "run", "--requests", REQUESTS, "--no-eval"]


def _run(home: Path, url: str) -> None:
    proc = subprocess.run(_command(), cwd=ROOT, env=_env(home, url), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]


def _kill_when(home: Path, url: str, ready: Callable[[], bool]) -> None:
    proc = subprocess.Popen(_command(), cwd=ROOT, env=_env(home, url), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while proc.poll() is None and not ready():
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before the kill point"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _dataset(home: Path) -> pl.DataFrame:
    return pl.read_parquet(home / "assets" / "filtered_dataset" / "data.parquet").sort("request_id")


@pytest.fixture(scope="module")
def reference(server, tmp_path_factory):
    home = tmp_path_factory.mktemp("never_killed")
    _post(server, "/reset")
    _run(home, server)
    stats = _stats(server)
    assert stats["distinct_prompts"] > 150  # the LLM routes got real quota
    return _dataset(home), stats["distinct_prompts"]


def test_kill_mid_generation_then_rerun(server, reference, tmp_path):
    ref, llm_requests = reference
    _post(server, "/reset")
    _kill_when(tmp_path, server, lambda: _stats(server)["requests"] >= llm_requests // 3)
    killed_at = _stats(server)["requests"]
    assert killed_at < llm_requests  # the kill landed inside generation
    _run(tmp_path, server)
    after = _stats(server)
    assert _dataset(tmp_path).equals(ref)
    # Only what was in flight at the kill is asked again; every checkpointed answer is reused.
    resent = after["requests"] - after["distinct_prompts"]
    assert after["distinct_prompts"] == llm_requests and resent <= 2 * CONCURRENCY


def test_kill_after_filtering_wrote_feedback_then_rerun(server, reference, tmp_path):
    ref, llm_requests = reference
    _post(server, "/reset")
    pending = tmp_path / "feedback" / "pending"
    _kill_when(tmp_path, server, lambda: pending.is_dir() and any(pending.glob("*.parquet")))
    killed_feedback = {p.name for p in pending.glob("*.parquet")}
    assert _stats(server)["distinct_prompts"] == llm_requests  # generation had finished
    _run(tmp_path, server)
    after = _stats(server)
    assert after["requests"] == llm_requests  # the plan did not move: nothing sent again
    assert _dataset(tmp_path).equals(ref)
    assert killed_feedback and not killed_feedback & {p.name for p in pending.glob("*.parquet")}  # dropped
