"""Real materializations of routing_plan, routed_prompt_batches and synthetic_queries."""

from __future__ import annotations

import dagster as dg
import polars as pl
import pytest

from assets.generation import routed_prompt_batches, routing_plan, synthetic_queries
from resources.llm import OpenAICompatibleResource
from resources.storage import PolarsParquetIOManager
from routenator_dagster.filtering.acceptance import feedback_path, save_acceptance_rates
from routenator_dagster.schema import ROUTING_PLAN_SCHEMA, SYNTHETIC_SCHEMA

from tests import generation_fixtures as fx


UPSTREAM = fx.upstream_assets()


@pytest.fixture()
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("RN_HOME", str(tmp_path))
    return tmp_path


def _resources(home) -> dict:
    return {
        "io_manager": PolarsParquetIOManager(base_dir=str(home)),
        "text_llm": OpenAICompatibleResource(),  # unconfigured: the local default
        "vision_llm": OpenAICompatibleResource(),
    }


def _plan_config(total: int) -> dict:
    return {"ops": {"routing_plan": {"config": {"total_requests": total}}}}


def test_plan_and_partitions_materialize(home):
    res = dg.materialize(UPSTREAM + [routing_plan], resources=_resources(home), run_config=_plan_config(600))
    assert res.success
    plan = pl.read_parquet(home / "assets" / "routing_plan" / "data.parquet")
    assert plan.columns == list(ROUTING_PLAN_SCHEMA)
    # LLM backends unconfigured: every request goes to the heuristic route
    assert set(plan["route"]) == {"heuristic"}
    assert plan["n_requests"].sum() == 600
    mat = res.asset_materializations_for_node("routing_plan")[0]
    disabled = mat.metadata["disabled_routes"].value
    assert "text_llm" in disabled and "vision_llm" in disabled and "no endpoint configured" in disabled
    assert (home / "reports" / "plots" / "routing_plan.png").stat().st_size > 1000

    # a heuristic partition: batches then queries, through the IO manager
    key = dg.MultiPartitionKey({"route": "heuristic", "content_type": "template"})
    res2 = dg.materialize(
        UPSTREAM + [routing_plan, routed_prompt_batches, synthetic_queries],
        resources=_resources(home),
        partition_key=key,
        selection=[routed_prompt_batches, synthetic_queries],
    )
    assert res2.success
    out = pl.read_parquet(next((home / "assets" / "synthetic_queries").glob("template*heuristic*.parquet")))
    assert out.columns == list(SYNTHETIC_SCHEMA)
    expected = plan.filter(pl.col("content_type") == "Template")["n_requests"].sum()
    assert out.height == expected
    assert set(out["content_type"]) == {"Template"} and set(out["route"]) == {"heuristic"}
    ok = out.filter(pl.col("status") == "ok")
    assert ok.height >= 0.97 * out.height
    assert ok["query"].null_count() == 0 and ok["extracted_prompt"].null_count() == 0
    meta = res2.asset_materializations_for_node("synthetic_queries")[0].metadata
    assert meta["ok"].value == ok.height

    # an LLM partition with no quota: an empty frame with the schema, not an error
    llm_key = dg.MultiPartitionKey({"route": "text_llm", "content_type": "photo"})
    res3 = dg.materialize(
        UPSTREAM + [routing_plan, routed_prompt_batches, synthetic_queries],
        resources=_resources(home),
        partition_key=llm_key,
        selection=[routed_prompt_batches, synthetic_queries],
    )
    assert res3.success
    empty = pl.read_parquet(next((home / "assets" / "synthetic_queries").glob("photo*text_llm*.parquet")))
    assert empty.height == 0 and empty.columns == list(SYNTHETIC_SCHEMA)


def test_plan_reads_acceptance_feedback(home):
    # filtering measured that heuristic Photo rows survive at 50%: the plan asks for more of them
    base = dg.materialize(UPSTREAM + [routing_plan], resources=_resources(home), run_config=_plan_config(1000))
    plan0 = pl.read_parquet(home / "assets" / "routing_plan" / "data.parquet")
    cells = plan0.select("function", "content_type", "length_bucket", "route").unique()
    rates = cells.with_columns(
        generated=pl.lit(100, pl.Int64),
        accepted=pl.when(pl.col("content_type") == "Photo").then(50).otherwise(100).cast(pl.Int64),
    ).with_columns(rate=pl.col("accepted") / pl.col("generated"))
    save_acceptance_rates(rates, feedback_path(home))  # the file filtering writes after a run
    res = dg.materialize(UPSTREAM + [routing_plan], resources=_resources(home), run_config=_plan_config(1000))
    assert base.success and res.success
    plan1 = pl.read_parquet(home / "assets" / "routing_plan" / "data.parquet")
    photo0 = plan0.filter(pl.col("content_type") == "Photo")["n_requests"].sum()
    photo1 = plan1.filter(pl.col("content_type") == "Photo")["n_requests"].sum()
    other0 = plan0.filter(pl.col("content_type") != "Photo")["n_requests"].sum()
    other1 = plan1.filter(pl.col("content_type") != "Photo")["n_requests"].sum()
    assert photo1 >= 2 * 1.1 * photo0 - plan0.filter(pl.col("content_type") == "Photo").height
    assert other0 <= other1 <= other0 * 1.1 + plan0.height
    meta = res.asset_materializations_for_node("routing_plan")[0].metadata
    assert meta["oversampling_applied"].value is True


def test_feedback_of_an_unfinished_run_never_changes_the_plan(home):
    """Filtering writes its rates as pending under its run id; a killed run's rates are dropped."""
    from routenator_dagster.filtering.acceptance import pending_feedback_path

    with dg.DagsterInstance.ephemeral() as instance:
        base = dg.materialize(UPSTREAM + [routing_plan], resources=_resources(home), run_config=_plan_config(1000),
                              instance=instance)
        plan0 = pl.read_parquet(home / "assets" / "routing_plan" / "data.parquet")
        cells = plan0.select("function", "content_type", "length_bucket", "route").unique()
        rates = cells.with_columns(generated=pl.lit(100, pl.Int64), accepted=pl.lit(10, pl.Int64)).with_columns(
            rate=pl.col("accepted") / pl.col("generated"))
        killed = instance.add_run(dg.DagsterRun(job_name="regenerate_dataset", status=dg.DagsterRunStatus.FAILURE))
        running = instance.add_run(dg.DagsterRun(job_name="regenerate_dataset", status=dg.DagsterRunStatus.STARTED))
        save_acceptance_rates(rates, pending_feedback_path(home, killed.run_id))
        save_acceptance_rates(rates, pending_feedback_path(home, running.run_id))
        res = dg.materialize(UPSTREAM + [routing_plan], resources=_resources(home), run_config=_plan_config(1000),
                             instance=instance)
        assert base.success and res.success
        assert pl.read_parquet(home / "assets" / "routing_plan" / "data.parquet").equals(plan0)
        assert not pending_feedback_path(home, killed.run_id).exists()  # dropped
        assert pending_feedback_path(home, running.run_id).exists()  # waits for its run to end
        assert not feedback_path(home).exists()

        # The rates of a run that succeeded become the feedback, and the plan asks for more.
        done = instance.add_run(dg.DagsterRun(job_name="regenerate_dataset", status=dg.DagsterRunStatus.SUCCESS))
        save_acceptance_rates(rates, pending_feedback_path(home, done.run_id))
        dg.materialize(UPSTREAM + [routing_plan], resources=_resources(home), run_config=_plan_config(1000),
                       instance=instance)
        assert feedback_path(home).exists() and not pending_feedback_path(home, done.run_id).exists()
        plan2 = pl.read_parquet(home / "assets" / "routing_plan" / "data.parquet")
        assert plan2["n_requests"].sum() > plan0["n_requests"].sum()
