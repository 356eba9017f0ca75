"""`routenator run` (what `make run` calls): the main job end to end on the embedded defaults."""

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from routenator_dagster.labels import CONTENT_TYPES, FUNCTIONS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    home = tmp_path_factory.mktemp("rn_home")
    env = {
        **os.environ,
        "RN_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster_home"),
        "RN_ENV": "local",
        "HF_HUB_OFFLINE": "1",
        "WANDB_MODE": "offline",
    }
    for key in ("RN_TEXT_LLM_URL", "RN_VISION_LLM_URL", "RN_JUDGE_LLM_URL"):
        env.pop(key, None)
    proc = subprocess.run(
        [sys.executable, "-m", "routenator_dagster.cli", "run", "--requests", "2500"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return home, proc.stdout


def test_run_prints_where_everything_is(finished_run):
    home, out = finished_run
    for label in ("dataset (parquet)", "quality report (HTML)", "evaluation (JSON)"):
        line = next(l for l in out.splitlines() if label in l)
        assert Path(line.split()[-1]).exists()
    scores = json.loads(out[out.index("{"):].splitlines()[0])
    assert {"n", "function_f1", "content_type_accuracy", "subprompt_similarity", "invalid_rate", "per_content_type"} <= set(scores)


def test_dataset_is_complete_labelled_and_clean(finished_run):
    home, _ = finished_run
    df = pl.read_parquet(home / "assets" / "filtered_dataset" / "data.parquet")
    assert len(df) > 1000
    assert set(df["function"].unique()) == set(FUNCTIONS)
    assert set(df["content_type"].unique()) == set(CONTENT_TYPES)
    assert df["route"].unique().to_list() == ["heuristic"]  # no LLM endpoint configured
    assert df["query"].str.to_lowercase().n_unique() == len(df)
    rejected = pl.read_parquet(home / "assets" / "filter_rejections" / "data.parquet")
    assert rejected["reason"].null_count() == 0


def test_plan_says_why_llm_routes_got_no_quota_and_checks_pass(finished_run):
    home, _ = finished_run
    plan = pl.read_parquet(home / "assets" / "routing_plan" / "data.parquet")
    by_route = dict(plan.group_by("route").agg(pl.col("n_requests").sum()).iter_rows())
    assert by_route.get("text_llm", 0) == 0 and by_route.get("vision_llm", 0) == 0
    checks = json.loads((home / "reports" / "checks.json").read_text())
    assert checks and all(v["passed"] if isinstance(v, dict) else v for v in checks.values()), checks
    # Every run is in the persistent instance, so `make ui` shows it.
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        records = instance.get_run_records()
        assert len(records) >= 3 and all(r.dagster_run.is_success for r in records)


def test_run_with_llm_endpoints_uses_every_route(tmp_path):
    """With text and vision endpoints configured (an OpenAI-compatible server on loopback that
    injects 429s, malformed JSON and wrapper text), the same command gives those routes quota and
    every request ends as a row or a counted rejection."""
    from tests.openai_test_server import ServerConfig, spawn_server

    server, url = spawn_server(ServerConfig(p_429=0.03, p_malformed=0.03, p_wrapper=0.03))
    try:
        env = {
            **os.environ, "RN_HOME": str(tmp_path), "DAGSTER_HOME": str(tmp_path / "dh"), "RN_ENV": "local",
            "HF_HUB_OFFLINE": "1", "WANDB_MODE": "offline",
            "RN_TEXT_LLM_URL": url, "RN_TEXT_LLM_MODEL": "test-model",
            "RN_VISION_LLM_URL": url, "RN_VISION_LLM_MODEL": "test-model",
        }
        env.pop("RN_JUDGE_LLM_URL", None)
        proc = subprocess.run(
            [sys.executable, "-m", "routenator_dagster.cli", "run", "--requests", "2000", "--no-eval"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        )
    finally:
        server.kill()
    assert proc.returncode == 0, proc.stderr[-4000:]
    plan = pl.read_parquet(tmp_path / "assets" / "routing_plan" / "data.parquet")
    planned = dict(plan.group_by("route").agg(pl.col("n_requests").sum()).iter_rows())
    assert planned["text_llm"] > 0 and planned["vision_llm"] > 0
    generated = pl.concat([pl.read_parquet(p) for p in (tmp_path / "assets" / "synthetic_queries").glob("*.parquet")])
    got = dict(generated.group_by("route").len().iter_rows())
    assert got == {k: v for k, v in planned.items() if v}  # one row per request, ok or rejected
    rejected = generated.filter(pl.col("status") == "rejected")
    assert rejected["reject_reason"].null_count() == 0
    assert "missing_preview" not in set(rejected["reject_reason"])
    kept = pl.read_parquet(tmp_path / "assets" / "filtered_dataset" / "data.parquet")
    assert {"heuristic", "text_llm", "vision_llm"} <= set(kept["route"])
