"""Assets: the routing plan, the routed request batches and the generated queries.

Thin wrappers over `routenator_dagster.router`, `batching` and the routes: each reads its inputs,
calls the core and returns a frame plus metadata for the UI. Generation is partitioned by
route x content type (`GENERATION_PARTITIONS`); a partition the plan gives no quota materializes
an empty frame with the right columns.

The partitioned assets run over one partition or a partition range: `routenator run` and the
schedule run the whole regeneration as one run of `regenerate_dataset` over every partition (a
range), and the IO manager stores one value per key. UI backfills keep the default policy (one
run per partition), which lets each route x content type retry on its own.
"""


import time
from typing import Any

import dagster as dg
import polars as pl

from assets.k8s_tags import CPU_SMALL_TAGS, LLM_CONCURRENCY_TAGS
from assets.metadata import frame_md, image_md
from assets.partitions import GENERATION_PARTITIONS
from routenator_dagster.batching import BATCH_SCHEMA, build_batches
from routenator_dagster.filtering.acceptance import feedback_path, promote_pending_feedback
from routenator_dagster.generation_context import GenerationContext
from routenator_dagster.labels import content_type_from_slug, content_type_slug
from routenator_dagster.paths import rn_home
from routenator_dagster.router import build_routing_plan, default_route_configs, read_acceptance_rates
from routenator_dagster.schema import ROUTING_PLAN_SCHEMA, SYNTHETIC_SCHEMA, conform, empty_frame
from routenator_dagster.targets import parse_targets

GROUP = "generation"
LLM_ROUTES: tuple[str, ...] = ("text_llm", "vision_llm")


class RoutingPlanConfig(dg.Config):
    total_requests: int = 24000
    route_weights: dict[str, float] = {"heuristic": 0.4, "text_llm": 0.45, "vision_llm": 0.15}
    temperature: float = 1.0
    seed: int = 42
    use_feedback: bool = True
    overshoot: float = 1.1
    vision_extra_types: bool = False


def _context(kg_snapshot: dict[str, pl.DataFrame], content_catalog: pl.DataFrame, template_previews: pl.DataFrame | None,
             targets: Any) -> GenerationContext:
    ctx = GenerationContext.from_tables(kg_snapshot["nodes"], kg_snapshot["edges"], content_catalog, template_previews)
    return ctx.with_keyword_targets(targets.keyword_presence, targets.keyword_positions)


def _run_outcome(instance: dg.DagsterInstance, run_id: str) -> str | None:
    """"success", "failure", or None while the run that wrote some feedback is still going."""
    run = instance.get_run_by_id(run_id)
    if run is None or run.status in (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED):
        return "failure"
    return "success" if run.status == dg.DagsterRunStatus.SUCCESS else None


def _is_bulk(resource: Any) -> bool:
    """Bulk mode: answers come from the offline Job's checkpoint (routenator_dagster.bulk_generate)."""
    is_bulk = getattr(resource, "is_bulk", None)  # a deployment's own resource class may lack bulk mode
    return bool(is_bulk()) if callable(is_bulk) else False


def _llm_status(context: dg.AssetExecutionContext) -> tuple[set[str], dict[str, str]]:
    """Which LLM routes have a configured backend, and why the others do not."""
    available: set[str] = set()
    reasons: dict[str, str] = {}
    for key in LLM_ROUTES:
        res = getattr(context.resources, key, None)
        if res is None:
            reasons[key] = f"no '{key}' resource in this deployment"
        elif not (res.is_configured() or _is_bulk(res)):
            reasons[key] = (f"resource '{key}' has no endpoint configured (set its base_url/model, or bulk mode with "
                            "its model), so the route gets no quota")
        else:
            available.add(key)
    return available, reasons


@dg.asset(
    group_name=GROUP,
    description="The weighted router's decisions: requests per (function, content type, length bucket, route, "
    "template family), from the population targets, the route weights, which backends are configured and the "
    "acceptance rates filtering measured last time.",
    ins={
        "population_targets": dg.AssetIn(),
        "kg_snapshot": dg.AssetIn(),
        "content_catalog": dg.AssetIn(),
        "template_previews": dg.AssetIn(),
    },
    required_resource_keys={"text_llm", "vision_llm"},
    kinds={"python", "polars"},
    op_tags=CPU_SMALL_TAGS,
)
def routing_plan(
    context: dg.AssetExecutionContext,
    config: RoutingPlanConfig,
    population_targets: dict,
    kg_snapshot: dict,
    content_catalog: pl.DataFrame,
    template_previews: pl.DataFrame,
) -> dg.MaterializeResult:
    targets = parse_targets(population_targets, source="population_targets")
    available, reasons = _llm_status(context)
    available.add("heuristic")
    acceptance = None
    feedback_file = feedback_path(rn_home())
    if config.use_feedback:
        moved = promote_pending_feedback(rn_home(), lambda run_id: _run_outcome(context.instance, run_id))
        if moved["dropped"]:
            context.log.info(f"ignored acceptance feedback of unfinished runs {moved['dropped']}")
        acceptance = read_acceptance_rates(feedback_file)
    plan, explain = build_routing_plan(
        targets,
        config.total_requests,
        config.route_weights,
        available,
        config.seed,
        temperature=config.temperature,
        acceptance=acceptance,
        overshoot=config.overshoot,
        route_configs=default_route_configs(config.vision_extra_types),
        unavailable_reasons=reasons,
    )
    explain["feedback_file"] = str(feedback_file) if acceptance is not None else None
    for route, why in explain["disabled_routes"].items():
        context.log.info(f"route {route} disabled: {why}")
    summary = (
        plan.group_by("function", "content_type", "route").agg(pl.col("n_requests").sum())
        .sort("function", "content_type", "route")
    )
    from routenator_dagster.quality.plots import plot_routing_plan  # matplotlib only when a plan is drawn

    plot = plot_routing_plan(plan, rn_home() / "reports" / "plots" / "routing_plan.png") if plan.height else None
    disabled_md = "\n".join(f"- **{r}**: {why}" for r, why in explain["disabled_routes"].items()) or "_none_"
    metadata: dict[str, Any] = {
        "planned_requests": explain["planned_requests"],
        "requests_per_route": dg.MetadataValue.json(explain["requests_per_route"]),
        "disabled_routes": dg.MetadataValue.md(disabled_md),
        "explanations": dg.MetadataValue.json(explain),
        "quotas": dg.MetadataValue.md(frame_md(summary)),
        "oversampling_applied": explain["oversampling"]["applied"],
    }
    if plot is not None:
        metadata["quota_plot"] = dg.MetadataValue.path(str(plot))
        metadata["quota_plot_inline"] = dg.MetadataValue.md(image_md(plot, "routing plan"))
    return dg.MaterializeResult(value=conform(plan, ROUTING_PLAN_SCHEMA), metadata=metadata)


class BatchConfig(dg.Config):
    seed: int = 42  # request ids and per-request seeds derive from it: same seed, same requests


def _partition_keys(context: dg.AssetExecutionContext) -> list[str]:
    """The generation partitions this run covers: one, or a range when the whole job runs at once."""
    return [str(k) for k in context.partition_keys]


def _route_and_type(key: str) -> tuple[str, str]:
    dims = GENERATION_PARTITIONS.get_partition_key_from_str(key).keys_by_dimension
    return dims["route"], content_type_from_slug(dims["content_type"])


def _per_partition(context: dg.AssetExecutionContext, results: dict[str, tuple[pl.DataFrame, dict[str, Any]]]
                   ) -> dg.MaterializeResult:
    """One partition: its value and metadata. A range: a value per key, and each key's metadata as an
    observation of that partition, so the UI still shows every route x content type on its own."""
    if len(results) == 1:
        ((value, metadata),) = results.values()
        return dg.MaterializeResult(value=value, metadata=metadata)
    for key, (_, metadata) in results.items():
        context.log_event(dg.AssetObservation(asset_key=context.asset_key, partition=key, metadata=metadata))
    per_key = pl.DataFrame({"partition": list(results), "rows": [v.height for v, _ in results.values()]})
    return dg.MaterializeResult(
        value={key: value for key, (value, _) in results.items()},
        metadata={"partitions": len(results), "rows": int(per_key["rows"].sum()),
                  "rows_per_partition": dg.MetadataValue.md(frame_md(per_key, 40))},
    )


@dg.asset(
    group_name=GROUP,
    description="The requests of one route x content type: template id, KG/catalog variables, preview image, "
    "request seed. Deterministic for the plan's seed.",
    partitions_def=GENERATION_PARTITIONS,
    kinds={"polars"},
    ins={
        "routing_plan": dg.AssetIn(),
        "population_targets": dg.AssetIn(),
        "kg_snapshot": dg.AssetIn(),
        "content_catalog": dg.AssetIn(),
        "template_previews": dg.AssetIn(),
    },
    op_tags=CPU_SMALL_TAGS,
)
def routed_prompt_batches(
    context: dg.AssetExecutionContext,
    config: BatchConfig,
    routing_plan: pl.DataFrame,
    population_targets: dict,
    kg_snapshot: dict,
    content_catalog: pl.DataFrame,
    template_previews: pl.DataFrame,
) -> dg.MaterializeResult:
    targets = parse_targets(population_targets, source="population_targets")
    ctx: GenerationContext | None = None
    results: dict[str, tuple[pl.DataFrame, dict[str, Any]]] = {}
    for key in _partition_keys(context):
        route, content_type = _route_and_type(key)
        cell = routing_plan.filter((pl.col("route") == route) & (pl.col("content_type") == content_type))
        if cell.height == 0 or int(cell["n_requests"].sum()) == 0:
            context.log.info(f"{route}/{content_type}: no quota in the plan; empty batch")
            results[key] = (empty_frame(BATCH_SCHEMA), {"requests": 0, "reason": "no quota in the routing plan"})
            continue
        ctx = ctx or _context(kg_snapshot, content_catalog, template_previews, targets)
        batch = build_batches(cell, ctx, config.seed, targets)
        by_template = batch.group_by("template_id").len().sort("len", descending=True)
        results[key] = (batch, {
            "requests": batch.height,
            "by_template": dg.MetadataValue.md(frame_md(by_template)),
            "context": dg.MetadataValue.json(ctx.describe()),
        })
    return _per_partition(context, results)


@dg.asset(
    group_name=GROUP,
    description="Labelled queries of one route x content type (SYNTHETIC_SCHEMA). Heuristic rows come from the "
    "template route; LLM rows from the configured vLLM server, checkpointed under RN_HOME/checkpoints (in bulk mode "
    "only read from that checkpoint, filled by the offline bulk Job). Requests a "
    "route could not serve are kept with status='rejected' and a reason.",
    partitions_def=GENERATION_PARTITIONS,
    kinds={"vllm", "openai", "polars"},
    ins={
        "routed_prompt_batches": dg.AssetIn(),
        "population_targets": dg.AssetIn(),
        "kg_snapshot": dg.AssetIn(),
        "content_catalog": dg.AssetIn(),
        "template_previews": dg.AssetIn(),
    },
    required_resource_keys={"text_llm", "vision_llm"},
    op_tags={**CPU_SMALL_TAGS, **LLM_CONCURRENCY_TAGS},
)
def synthetic_queries(
    context: dg.AssetExecutionContext,
    routed_prompt_batches: Any,  # a frame, or one per key when the run covers a partition range
    population_targets: dict,
    kg_snapshot: dict,
    content_catalog: pl.DataFrame,
    template_previews: pl.DataFrame,
) -> dg.MaterializeResult:
    keys = _partition_keys(context)
    batches = routed_prompt_batches if isinstance(routed_prompt_batches, dict) else {keys[0]: routed_prompt_batches}
    ctx: GenerationContext | None = None

    def heuristic_context() -> GenerationContext:
        nonlocal ctx
        ctx = ctx or _context(kg_snapshot, content_catalog, template_previews,
                              parse_targets(population_targets, source="population_targets"))
        return ctx

    results = {key: _generate_partition(context, key, batches[key], heuristic_context) for key in keys}
    return _per_partition(context, results)


def _generate_partition(context: dg.AssetExecutionContext, key: str, batch: pl.DataFrame,
                        heuristic_context: Any) -> tuple[pl.DataFrame, dict[str, Any]]:
    route, content_type = _route_and_type(key)
    if batch.height == 0:
        return empty_frame(SYNTHETIC_SCHEMA), {"rows": 0, "ok": 0, "rejected": 0}
    started = time.monotonic()
    extra_metadata: dict[str, Any] = {}

    def progress(done: int, total: int) -> None:
        context.log.info(f"{route}/{content_type}: {done}/{total} requests")

    if route == "heuristic":
        from routenator_dagster.routes.heuristic import run_heuristic_batch

        out = run_heuristic_batch(batch, heuristic_context(), progress=progress)
    else:
        from routenator_dagster.routes.llm_route import (
            read_llm_batch_from_checkpoint,
            run_llm_batch,
            sampling_for_defaults,
        )

        resource = getattr(context.resources, route)
        ckpt = rn_home() / "checkpoints" / route / content_type_slug(content_type)
        if _is_bulk(resource):
            # The bulk Job answered this partition into the checkpoint; nothing is sent from here.
            out, from_bulk = read_llm_batch_from_checkpoint(
                batch, resource.model, sampling_for_defaults(resource.sampling_defaults()), ckpt)
            extra_metadata["from_bulk_checkpoint"] = from_bulk
            context.log.info(f"{route}/{content_type}: {from_bulk}/{batch.height} answers from the bulk checkpoint {ckpt}")
        elif not resource.is_configured():
            raise dg.Failure(
                f"{route}/{content_type}: the batch has {batch.height} requests but resource '{route}' is not configured; "
                "rematerialize routing_plan so the router can move that quota elsewhere"
            )
        else:
            client = resource.get_client()
            out = run_llm_batch(batch, client, ckpt, progress=progress)
            llm_stats = client.usage.summary()  # what went over the wire: sent, retried, failed, by reason
            context.log.info(f"{route}/{content_type}: LLM client {llm_stats}")
            extra_metadata.update({k: dg.MetadataValue.json(v) if isinstance(v, dict) else v for k, v in llm_stats.items()})
    out = conform(out, SYNTHETIC_SCHEMA)
    ok = out.filter(pl.col("status") == "ok")
    reasons = (
        out.filter(pl.col("status") == "rejected").group_by("reject_reason").len().sort("len", descending=True)
    )
    sample = ok.sample(min(15, ok.height), seed=0).select("query", "function", "content_type", "extracted_prompt", "template_id") if ok.height else ok
    elapsed = time.monotonic() - started
    return out, {
        "rows": out.height,
        "ok": ok.height,
        "rejected": out.height - ok.height,
        "rows_per_second": round(out.height / elapsed, 1) if elapsed > 0 else None,
        "reject_reasons": dg.MetadataValue.md(frame_md(reasons, 20)),
        "sample": dg.MetadataValue.md(frame_md(sample)),
        **extra_metadata,
    }
