"""Jobs, schedule and sensors of assets/automation.py, through Dagster's own test APIs.

The asset bodies belong to other modules; here stand-in assets carry the real keys, dependencies
and partitions so the jobs resolve and run for real on an ephemeral instance.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets import automation
from assets.partitions import GENERATION_PARTITIONS
from resources.knowledge_graph import EmbeddedGraphResource
from routenator_dagster.kg_files import SEED_NODES, SEED_RELATIONSHIPS
from routenator_dagster.schema import ROUTES


def _stub_assets() -> list[dg.AssetsDefinition]:
    def unpartitioned(name: str, deps: list[str]) -> dg.AssetsDefinition:
        @dg.asset(name=name, deps=deps)
        def _a() -> None:
            return None

        return _a

    def partitioned(name: str, deps: list[str]) -> dg.AssetsDefinition:
        @dg.asset(name=name, deps=deps, partitions_def=GENERATION_PARTITIONS)
        def _a() -> None:
            return None

        return _a

    base_model = dg.StaticPartitionsDefinition(["tiny-base"])

    @dg.asset(name="qlora_adapter", deps=["sft_dataset"], partitions_def=base_model)
    def qlora_adapter() -> None:
        return None

    @dg.asset(name="adapter_evaluation", deps=["qlora_adapter"], partitions_def=base_model)
    def adapter_evaluation() -> None:
        return None

    inputs = ["kg_snapshot", "content_catalog", "template_previews", "population_targets"]
    return [
        *(unpartitioned(n, []) for n in inputs),
        unpartitioned("routing_plan", inputs),
        partitioned("routed_prompt_batches", ["routing_plan"]),
        partitioned("synthetic_queries", ["routed_prompt_batches"]),
        unpartitioned("filtered_dataset", ["synthetic_queries"]),
        unpartitioned("filter_rejections", ["synthetic_queries"]),
        unpartitioned("dataset_quality_report", ["filtered_dataset"]),
        unpartitioned("sft_dataset", ["filtered_dataset"]),
        unpartitioned("proxy_model", ["sft_dataset"]),
        qlora_adapter,
        adapter_evaluation,
        unpartitioned("evaluation_report", ["proxy_model"]),
        unpartitioned("paper_baseline_dataset", ["filtered_dataset"]),
        unpartitioned("variant_comparison", ["filtered_dataset", "paper_baseline_dataset"]),
    ]


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=_stub_assets(),
        jobs=automation.JOBS,
        schedules=automation.SCHEDULES,
        sensors=automation.SENSORS,
        resources={"kg": EmbeddedGraphResource()},
    )


def _keys(job: dg.JobDefinition) -> set[str]:
    return {k.to_user_string() for k in job.asset_layer.executable_asset_keys}


def test_definitions_load_and_jobs_cover_the_pipeline(defs: dg.Definitions) -> None:
    dg.Definitions.validate_loadable(defs)
    whole = _keys(defs.resolve_job_def("regenerate_dataset"))
    assert {"kg_snapshot", "routing_plan", "synthetic_queries", "dataset_quality_report"} <= whole
    assert {"proxy_model", "evaluation_report"} <= whole
    # proxy_model trains on sft_dataset, so the regeneration refreshes it; QLoRA is a separate job.
    assert "sft_dataset" in whole and "qlora_adapter" not in whole
    stages = [_keys(defs.resolve_job_def(n)) for n in ("prepare_generation", "generate_queries", "finish_dataset")]
    # The chain runs exactly the whole regeneration, each asset in one stage only.
    assert set().union(*stages) == whole
    assert sum(len(s) for s in stages) == len(whole)
    assert defs.resolve_job_def("generate_queries").partitions_def == GENERATION_PARTITIONS
    assert _keys(defs.resolve_job_def("finetune_and_evaluate")) == {"sft_dataset", "qlora_adapter", "adapter_evaluation"}


def _seed_graph_copy(folder: Path) -> EmbeddedGraphResource:
    shutil.copy(SEED_NODES, folder / "nodes.csv")
    shutil.copy(SEED_RELATIONSHIPS, folder / "relationships.csv")
    return EmbeddedGraphResource(nodes_path=str(folder / "nodes.csv"), relationships_path=str(folder / "relationships.csv"))


def test_kg_sensor_requests_only_on_change_and_cursor_survives_restart(
    defs: dg.Definitions, tmp_path: Path
) -> None:
    kg = _seed_graph_copy(tmp_path)
    nodes = tmp_path / "nodes.csv"
    sensor = defs.resolve_sensor_def("kg_change_sensor")

    with dg.DagsterInstance.ephemeral() as instance:
        first = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, resources={"kg": kg}))
        assert len(first.run_requests) == 1
        marker = kg.change_marker()
        assert first.run_requests[0].run_key == marker
        assert first.run_requests[0].job_name == "prepare_generation"
        assert first.cursor == marker

        # A restarted daemon builds a new context from the stored cursor. Rewriting the same
        # content (a touch) is no change either.
        nodes.write_bytes(nodes.read_bytes())
        again = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=first.cursor, resources={"kg": kg}))
        assert again.run_requests == []
        assert again.skip_message and "unchanged" in again.skip_message

        # A change while a regeneration is still running waits for it, cursor untouched.
        with nodes.open("a", encoding="utf-8") as f:
            f.write("action:juggle_oranges,Action,juggle oranges,,0.5,{}\n")
        running = instance.create_run_for_job(
            defs.resolve_job_def("prepare_generation"),
            status=dg.DagsterRunStatus.STARTED,
            tags={automation.REGENERATION_TAG: "busy"},
        )
        waiting = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=first.cursor, resources={"kg": kg}))
        assert waiting.run_requests == [] and "busy" in (waiting.skip_message or "")
        assert waiting.cursor in (None, first.cursor)
        instance.report_run_canceled(running)

        changed = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=first.cursor, resources={"kg": kg}))
        assert len(changed.run_requests) == 1
        assert changed.run_requests[0].run_key == kg.change_marker() != marker
        assert changed.cursor == kg.change_marker()
        tag = changed.run_requests[0].tags[automation.REGENERATION_TAG]
        assert tag != first.run_requests[0].tags[automation.REGENERATION_TAG]


def test_schedule_cron_comes_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(automation.REGENERATE_CRON_ENV, raising=False)
    assert automation.build_regeneration_schedule().cron_schedule == automation.DEFAULT_REGENERATE_CRON
    monkeypatch.setenv(automation.REGENERATE_CRON_ENV, "15 2 * * *")
    schedule = automation.build_regeneration_schedule()
    assert schedule.cron_schedule == "15 2 * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED

    when = dt.datetime(2026, 11, 24, 2, 15, tzinfo=dt.timezone.utc)
    with dg.DagsterInstance.ephemeral() as instance:
        data = schedule.evaluate_tick(dg.build_schedule_context(instance=instance, scheduled_execution_time=when))
    (request,) = data.run_requests
    assert request.run_key == f"schedule:{when.isoformat()}"
    assert request.tags[automation.REGENERATION_TAG]

    monkeypatch.setenv(automation.REGENERATE_CRON_ENV, "every tuesday")
    with pytest.raises(ValueError, match="RN_REGENERATE_CRON"):
        automation.build_regeneration_schedule()


def test_regeneration_chain_covers_every_generation_partition(defs: dg.Definitions) -> None:
    regeneration = {automation.REGENERATION_TAG: "r1"}
    prepare = defs.resolve_job_def("prepare_generation")
    generate = defs.resolve_job_def("generate_queries")
    fanout = defs.resolve_sensor_def("generation_fanout_sensor")
    fanin = defs.resolve_sensor_def("dataset_fanin_sensor")
    all_keys = [str(k) for k in GENERATION_PARTITIONS.get_partition_keys()]

    def status_context(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance) -> dg.RunStatusSensorContext:
        return dg.build_run_status_sensor_context(
            sensor_name="s",
            dagster_event=result.get_run_success_event(),
            dagster_instance=instance,
            dagster_run=result.dagster_run,
        )

    with dg.DagsterInstance.ephemeral() as instance:
        manual = prepare.execute_in_process(instance=instance)
        assert isinstance(fanout(status_context(manual, instance)), dg.SkipReason)

        prepared = prepare.execute_in_process(instance=instance, tags=regeneration)
        requests = fanout(status_context(prepared, instance))
        assert sorted(r.partition_key for r in requests) == sorted(all_keys)
        assert len({r.run_key for r in requests}) == len(all_keys)

        last = None
        for i, key in enumerate(all_keys):
            last = generate.execute_in_process(instance=instance, partition_key=key, tags=regeneration)
            if i == len(all_keys) - 2:
                waiting = fanin(status_context(last, instance))
                assert isinstance(waiting, dg.SkipReason) and "1 generation partitions" in waiting.skip_message
        assert last is not None
        finish = fanin(status_context(last, instance))
        assert isinstance(finish, dg.RunRequest)
        assert finish.run_key == "r1:finish"


def test_backfill_one_content_type_materializes_only_its_partitions(defs: dg.Definitions) -> None:
    keys = automation.content_type_partition_keys("Design Asset")
    assert keys == automation.content_type_partition_keys("design_asset")
    assert sorted(k.keys_by_dimension["route"] for k in keys) == sorted(ROUTES)
    with pytest.raises(ValueError, match="unknown content type 'Sticker'"):
        automation.content_type_partition_keys("Sticker")

    generate = defs.resolve_job_def("generate_queries")
    with dg.DagsterInstance.ephemeral() as instance:
        for key in keys:
            assert generate.execute_in_process(instance=instance, partition_key=key).success
        for asset in ("routed_prompt_batches", "synthetic_queries"):
            done = instance.get_materialized_partitions(dg.AssetKey(asset))
            assert done == {str(k) for k in keys}
            assert all("design_asset" in k for k in done)


def test_backfill_one_content_type_through_the_real_generation_assets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assets.generation import routed_prompt_batches, routing_plan, synthetic_queries
    from resources.llm import OpenAICompatibleResource
    from resources.storage import PolarsParquetIOManager
    from tests import generation_fixtures as fx

    monkeypatch.setenv("RN_HOME", str(tmp_path))

    assets = [*fx.upstream_assets(), routing_plan, routed_prompt_batches, synthetic_queries]
    resources = {
        "io_manager": PolarsParquetIOManager(base_dir=str(tmp_path)),
        "text_llm": OpenAICompatibleResource(),
        "vision_llm": OpenAICompatibleResource(),
    }
    defs = dg.Definitions(assets=assets, jobs=[automation.generate_queries], resources=resources)
    with dg.DagsterInstance.ephemeral() as instance:
        prepared = dg.materialize(
            assets[:5], resources=resources, instance=instance,
            run_config={"ops": {"routing_plan": {"config": {"total_requests": 400}}}},
        )
        assert prepared.success
        job = defs.resolve_job_def("generate_queries")
        keys = automation.content_type_partition_keys("Photo")
        for key in keys:
            assert job.execute_in_process(instance=instance, partition_key=key).success
        done = instance.get_materialized_partitions(dg.AssetKey("synthetic_queries"))
        assert done == {str(k) for k in keys}

    plan = pl.read_parquet(tmp_path / "assets" / "routing_plan" / "data.parquet")
    written = sorted((tmp_path / "assets" / "synthetic_queries").glob("*.parquet"))
    assert len(written) == len(keys) and all(p.name.startswith("photo") for p in written)
    rows = pl.concat([pl.read_parquet(p) for p in written])
    assert set(rows["content_type"]) == {"Photo"}
    assert rows.height == plan.filter(pl.col("content_type") == "Photo")["n_requests"].sum() > 0


def test_the_real_code_location_resolves_every_job_schedule_and_sensor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from routenator_dagster.definitions import build_definitions

    monkeypatch.setenv("RN_HOME", str(tmp_path))
    defs = build_definitions("local")
    stages = [_keys(defs.resolve_job_def(n)) for n in ("prepare_generation", "generate_queries", "finish_dataset")]
    assert set().union(*stages) == _keys(defs.resolve_job_def("regenerate_dataset"))
    assert defs.resolve_job_def("generate_queries").partitions_def == GENERATION_PARTITIONS
    assert defs.resolve_schedule_def("regenerate_dataset_schedule").job_name == "prepare_generation"
    for name in ("kg_change_sensor", "generation_fanout_sensor", "dataset_fanin_sensor"):
        assert defs.resolve_sensor_def(name)


def test_range_tags_cover_exactly_the_wanted_content_types() -> None:
    """One run covers a block of adjacent content types on every route; non-adjacent types take one run each."""
    from assets.partitions import CONTENT_TYPE_KEYS

    def covered(tags: dict[str, str]) -> set[str]:
        rng = dg.PartitionKeyRange(tags[automation.RANGE_START_TAG], tags[automation.RANGE_END_TAG])
        return {str(k) for k in GENERATION_PARTITIONS.get_partition_keys_in_range(rng)}

    (everything,) = automation.partition_range_tags()
    assert covered(everything) == {str(k) for k in GENERATION_PARTITIONS.get_partition_keys()}
    first, second = CONTENT_TYPE_KEYS[0], CONTENT_TYPE_KEYS[1]
    (block,) = automation.partition_range_tags([second, first.upper()])
    assert covered(block) == {str(k) for k in GENERATION_PARTITIONS.get_partition_keys()
                              if k.keys_by_dimension["content_type"] in (first, second)}
    apart = automation.partition_range_tags([CONTENT_TYPE_KEYS[0], CONTENT_TYPE_KEYS[-1]])
    assert [len(covered(t)) for t in apart] == [len(ROUTES), len(ROUTES)]
    with pytest.raises(ValueError, match="unknown content type 'audi'; valid: "):
        automation.content_type_slugs(["audi"])
