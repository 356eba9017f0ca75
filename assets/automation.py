"""Jobs, schedules and sensors: when the dataset is regenerated and the models retrained.

Dagster 1.13 accepts a job that mixes unpartitioned assets with the route x content_type
partitioned ones, but such a job is partitioned, and every run of it materializes its
unpartitioned assets again for the one partition it was given. A single run over every partition
needs an IO manager that stores multi-partition outputs, which ours does not. So:

- `regenerate_dataset` selects the whole regeneration (for the UI: "Materialize all" on it
  launches an asset backfill, which runs the unpartitioned assets once and each generation
  partition once);
- the automated path (schedule and `kg_change_sensor`) runs the same assets as a chain of jobs
  split per partitions definition: `prepare_generation` (unpartitioned inputs and the plan), then
  `generate_queries` for every generation partition (fanned out by `generation_fanout_sensor`),
  then `finish_dataset` (fanned in by `dataset_fanin_sensor` once every partition succeeded).
  Runs of one regeneration share the tag `routenator/regeneration`.
"""

from __future__ import annotations

import hashlib
import os

import dagster as dg

from assets.partitions import CONTENT_TYPE_KEYS, GENERATION_PARTITIONS
from routenator_dagster.labels import CONTENT_TYPES, content_type_slug

REGENERATION_TAG = "routenator/regeneration"
REGENERATE_CRON_ENV = "RN_REGENERATE_CRON"
DEFAULT_REGENERATE_CRON = "0 3 * * 1"  # Mondays 03:00: weekly

INPUT_ASSETS: tuple[str, ...] = (
    "kg_snapshot",
    "content_catalog",
    "template_previews",
    "population_targets",
    "routing_plan",
)
GENERATION_ASSETS: tuple[str, ...] = ("routed_prompt_batches", "synthetic_queries")
# sft_dataset is here because proxy_model trains on it: without it the proxy would score stale data.
OUTPUT_ASSETS: tuple[str, ...] = (
    "filtered_dataset",
    "filter_rejections",
    "dataset_quality_report",
    "sft_dataset",
    "proxy_model",
    "evaluation_report",
    "paper_baseline_dataset",
    "variant_comparison",
)
FINETUNE_ASSETS: tuple[str, ...] = ("sft_dataset", "qlora_adapter", "adapter_evaluation")

regenerate_dataset = dg.define_asset_job(
    "regenerate_dataset",
    selection=dg.AssetSelection.assets(*INPUT_ASSETS, *GENERATION_ASSETS, *OUTPUT_ASSETS),
    description="The whole regeneration, kg_snapshot to evaluation_report, as one run over every generation "
    "partition (`routenator run` launches it with the range tags of `partition_range_tags`); in the UI, "
    "'Materialize all' launches it as a backfill instead.",
)
regenerate_content_types = dg.define_asset_job(
    "regenerate_content_types",
    selection=dg.AssetSelection.assets(*GENERATION_ASSETS, *OUTPUT_ASSETS),
    description="Regenerates some content types' partitions on the current routing plan, then everything "
    "downstream, in one run (`routenator run --content-type X`).",
)
prepare_generation = dg.define_asset_job(
    "prepare_generation",
    selection=dg.AssetSelection.assets(*INPUT_ASSETS),
    description="Regeneration step 1: graph snapshot, catalog, previews, targets, routing plan.",
)
generate_queries = dg.define_asset_job(
    "generate_queries",
    selection=dg.AssetSelection.assets(*GENERATION_ASSETS),
    partitions_def=GENERATION_PARTITIONS,
    description="Regeneration step 2, one run per route x content_type partition.",
)
finish_dataset = dg.define_asset_job(
    "finish_dataset",
    selection=dg.AssetSelection.assets(*OUTPUT_ASSETS),
    description="Regeneration step 3: filter, quality report, SFT splits, proxy model, evaluation.",
)
finetune_and_evaluate = dg.define_asset_job(
    "finetune_and_evaluate",
    selection=dg.AssetSelection.assets(*FINETUNE_ASSETS),
    description="QLoRA fine-tuning on the current SFT dataset and its evaluation.",
)


def content_type_partition_keys(content_type: str) -> list[str]:
    """Generation partition keys of one content type on every route (for a backfill).

    Accepts the label ("Design Asset") or its slug ("design_asset").
    """
    (slug,) = content_type_slugs([content_type])
    return [
        key
        for key in GENERATION_PARTITIONS.get_partition_keys()
        if isinstance(key, dg.MultiPartitionKey) and key.keys_by_dimension["content_type"] == slug
    ]


RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def content_type_slugs(values: list[str]) -> list[str]:
    """Validated content-type slugs, in partition order, from labels ("Design Asset") or slugs."""
    by_name = {ct.lower(): content_type_slug(ct) for ct in CONTENT_TYPES} | {s: s for s in CONTENT_TYPE_KEYS}
    unknown = [v for v in values if v.strip().lower() not in by_name]
    if unknown:
        raise ValueError(f"unknown content type {', '.join(map(repr, unknown))}; valid: {', '.join(CONTENT_TYPE_KEYS)}")
    wanted = {by_name[v.strip().lower()] for v in values}
    return [slug for slug in CONTENT_TYPE_KEYS if slug in wanted]


def partition_range_tags(content_types: list[str] | None = None) -> list[dict[str, str]]:
    """Run tags that make one run cover these content types' generation partitions on every route.

    Dagster reads a multi-partition range per dimension (content types first..last, routes
    first..last), so each block of adjacent content types is one run; all of them is one run.
    """
    slugs = content_type_slugs(content_types) if content_types else list(CONTENT_TYPE_KEYS)
    routes = GENERATION_PARTITIONS.get_partitions_def_for_dimension("route").get_partition_keys()
    blocks: list[list[str]] = []
    for slug in slugs:
        if blocks and CONTENT_TYPE_KEYS.index(slug) == CONTENT_TYPE_KEYS.index(blocks[-1][-1]) + 1:
            blocks[-1].append(slug)
        else:
            blocks.append([slug])

    def key(content_type: str, route: str) -> str:
        return str(dg.MultiPartitionKey({"content_type": content_type, "route": route}))

    return [{RANGE_START_TAG: key(b[0], routes[0]), RANGE_END_TAG: key(b[-1], routes[-1])} for b in blocks]


def _regeneration_id(source: str) -> str:
    # Tag values stay short and free of odd characters whatever the marker looks like.
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def _start_regeneration(run_key: str, reason: str) -> dg.RunRequest:
    regeneration = _regeneration_id(run_key)
    return dg.RunRequest(
        run_key=run_key,
        job_name=prepare_generation.name,
        tags={REGENERATION_TAG: regeneration, "routenator/trigger": reason},
    )


_ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def _regeneration_in_progress(instance: dg.DagsterInstance) -> str | None:
    """The tag of a regeneration with a run still queued or running, if any."""
    for job in (prepare_generation, generate_queries, finish_dataset):
        for run in instance.get_runs(filters=dg.RunsFilter(job_name=job.name, statuses=_ACTIVE), limit=20):
            if REGENERATION_TAG in run.tags:
                return run.tags[REGENERATION_TAG]
    return None


@dg.sensor(
    name="kg_change_sensor",
    job=prepare_generation,
    required_resource_keys={"kg"},
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Starts a regeneration when the knowledge graph's change marker moves.",
)
def kg_change_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    marker = str(context.resources.kg.change_marker())
    if marker == context.cursor:
        return dg.SkipReason(f"knowledge graph unchanged (marker {marker[:16]})")
    busy = _regeneration_in_progress(context.instance)
    if busy:
        # The cursor stays put, so the change is picked up on the first tick after that run ends.
        return dg.SkipReason(f"knowledge graph changed, but regeneration {busy} is still running")
    context.log.info(f"knowledge graph changed: {context.cursor!r} -> {marker!r}")
    # The marker itself is the run key: Dagster launches one regeneration per graph state even if
    # the cursor were ever lost.
    return dg.SensorResult(run_requests=[_start_regeneration(marker, "kg_change")], cursor=marker)


def regenerate_cron(env: dict[str, str] | None = None) -> str:
    """The regeneration cron from $RN_REGENERATE_CRON (weekly by default), validated."""
    value = (env if env is not None else os.environ).get(REGENERATE_CRON_ENV, "").strip()
    cron = value or DEFAULT_REGENERATE_CRON
    from dagster._utils.schedules import is_valid_cron_string  # no public validator in 1.13

    if not is_valid_cron_string(cron):
        raise ValueError(f"{REGENERATE_CRON_ENV}={cron!r} is not a valid cron expression (e.g. '0 3 * * 1')")
    return cron


def build_regeneration_schedule(cron: str | None = None) -> dg.ScheduleDefinition:
    """The regeneration schedule; stopped by default (turn it on in the UI or via the API)."""

    def _evaluate(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        when = context.scheduled_execution_time
        stamp = when.isoformat() if when is not None else "manual"
        return _start_regeneration(f"schedule:{stamp}", "schedule")

    return dg.ScheduleDefinition(
        name="regenerate_dataset_schedule",
        cron_schedule=cron or regenerate_cron(),
        job=prepare_generation,
        execution_fn=_evaluate,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description="Regenerates the dataset on $RN_REGENERATE_CRON (default weekly).",
    )


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="generation_fanout_sensor",
    monitored_jobs=[prepare_generation],
    request_job=generate_queries,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After prepare_generation succeeds, requests every generation partition.",
)
def generation_fanout_sensor(context: dg.RunStatusSensorContext) -> list[dg.RunRequest] | dg.SkipReason:
    regeneration = context.dagster_run.tags.get(REGENERATION_TAG)
    if not regeneration:
        return dg.SkipReason("a manual prepare_generation run, not part of a regeneration")
    return [
        dg.RunRequest(
            run_key=f"{regeneration}:{key}",
            partition_key=str(key),
            tags={REGENERATION_TAG: regeneration},
        )
        for key in GENERATION_PARTITIONS.get_partition_keys()
    ]


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="dataset_fanin_sensor",
    monitored_jobs=[generate_queries],
    request_job=finish_dataset,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="When every generation partition of a regeneration succeeded, finishes the dataset.",
)
def dataset_fanin_sensor(context: dg.RunStatusSensorContext) -> dg.RunRequest | dg.SkipReason:
    regeneration = context.dagster_run.tags.get(REGENERATION_TAG)
    if not regeneration:
        return dg.SkipReason("a manual generate_queries run, not part of a regeneration")
    done_runs = context.instance.get_runs(
        filters=dg.RunsFilter(
            job_name=generate_queries.name,
            tags={REGENERATION_TAG: regeneration},
            statuses=[dg.DagsterRunStatus.SUCCESS],
        )
    )
    done = {run.tags.get("dagster/partition") for run in done_runs}
    missing = [k for k in GENERATION_PARTITIONS.get_partition_keys() if str(k) not in done]
    if missing:
        return dg.SkipReason(f"regeneration {regeneration}: {len(missing)} generation partitions still to finish")
    # One run key per regeneration: the last two partitions finishing together launch it once.
    return dg.RunRequest(run_key=f"{regeneration}:finish", tags={REGENERATION_TAG: regeneration})


JOBS: list = [regenerate_dataset, regenerate_content_types, prepare_generation, generate_queries, finish_dataset, finetune_and_evaluate]
SCHEDULES: list = [build_regeneration_schedule()]
SENSORS: list = [kg_change_sensor, generation_fanout_sensor, dataset_fanin_sensor]
