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


def _env(home: Path) -> dict[str, str]:
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
    return env


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "routenator_dagster.cli", "run", *args],
        cwd=ROOT, env=_env(home), capture_output=True, text=True, timeout=600,
    )


def _runs(home: Path) -> list:
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        return [r.dagster_run for r in instance.get_run_records()]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    home = tmp_path_factory.mktemp("rn_home")
    proc = _cli(home, "--requests", "2500")
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



def test_the_main_job_is_one_run_with_its_name_and_every_partition(finished_run):
    import dagster as dg

    home, _ = finished_run
    (run,) = _runs(home)  # the persistent instance, so `make ui` shows it
    assert run.job_name == "regenerate_dataset" and run.is_success
    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        records = instance.fetch_materializations(dg.AssetKey("synthetic_queries"), limit=100).records
    from assets.partitions import GENERATION_PARTITIONS

    assert {r.partition_key for r in records} == set(GENERATION_PARTITIONS.get_partition_keys())
    assert {r.run_id for r in records} == {run.run_id}


def test_unknown_content_type_fails_and_lists_the_valid_ones(tmp_path):
    proc = _cli(tmp_path, "--content-type", "audi")
    assert proc.returncode == 2 and proc.stdout == ""
    last = proc.stderr.strip().splitlines()[-1]
    assert "unknown content type 'audi'" in last and "audio" in last and "design_asset" in last
    assert not (tmp_path / "assets").exists()  # nothing was materialized


def test_content_type_run_needs_a_plan_first(tmp_path):
    proc = _cli(tmp_path, "--content-type", "audio")
    assert proc.returncode == 1 and proc.stdout == ""
    assert "run `routenator run` once without --content-type" in proc.stderr.strip().splitlines()[-1]


def test_a_second_run_on_a_busy_home_refuses(tmp_path):
    from routenator_dagster.run_lock import home_lock

    with home_lock(tmp_path):
        proc = _cli(tmp_path, "--requests", "100")
    assert proc.returncode == 1 and proc.stdout == ""
    assert f"pid {os.getpid()}" in proc.stderr.strip().splitlines()[-1]


def test_content_type_run_regenerates_downstream_and_clears_abandoned_runs(finished_run):
    import dagster as dg

    home, _ = finished_run
    # A run a killed process left STARTED: it would hold a slot of the run queue forever.
    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        stale = instance.add_run(dg.DagsterRun(job_name="regenerate_dataset", status=dg.DagsterRunStatus.STARTED,
                                               tags={"routenator/entrypoint": "cli"}))
    before = pl.read_parquet(home / "assets" / "filtered_dataset" / "data.parquet")
    audio_before = (home / "assets" / "synthetic_queries" / "audio__heuristic.parquet").stat().st_mtime_ns
    photo_before = (home / "assets" / "synthetic_queries" / "photo__heuristic.parquet").stat().st_mtime_ns
    proc = _cli(home, "--content-type", "Audio", "--no-eval")
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "marked 1 run(s)" in proc.stderr
    runs = {r.run_id: r for r in _runs(home)}
    assert runs[stale.run_id].status == dg.DagsterRunStatus.FAILURE
    names = sorted(r.job_name for r in runs.values() if r.run_id != stale.run_id)
    assert names == ["regenerate_content_types", "regenerate_dataset"]
    assert (home / "assets" / "synthetic_queries" / "audio__heuristic.parquet").stat().st_mtime_ns > audio_before
    assert (home / "assets" / "synthetic_queries" / "photo__heuristic.parquet").stat().st_mtime_ns == photo_before
    assert "dataset (parquet)" in proc.stdout and "evaluation (JSON)" in proc.stdout
    after = pl.read_parquet(home / "assets" / "filtered_dataset" / "data.parquet")
    assert set(after["content_type"]) == set(before["content_type"])  # the other types' rows are still there


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
