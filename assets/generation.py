"""Assets: the routing plan, the routed request batches and the generated queries.

Thin wrappers over `routenator_dagster.router`, `batching` and the routes: each reads its inputs,
calls the core and returns a frame plus metadata for the UI. Generation is partitioned by
route x content type (`GENERATION_PARTITIONS`); a partition the plan gives no quota materializes
an empty frame with the right columns.

No BackfillPolicy.single_run(): our IO manager stores one partition per output, so a run over a
partition range would have nowhere to put its outputs; backfills run one partition per run (the
default), which also lets each route x content type retry on its own.
"""


import time
from typing import Any

import dagster as dg
import polars as pl

from assets.k8s_tags import CPU_SMALL_TAGS, LLM_CONCURRENCY_TAGS
from assets.metadata import frame_md
from assets.partitions import GENERATION_PARTITIONS
from routenator_dagster.batching import BATCH_SCHEMA, build_batches
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
             targets_raw: dict[str, Any]) -> GenerationContext:
    targets = parse_targets(targets_raw, source="population_targets")
    ctx = GenerationContext.from_tables(kg_snapshot["nodes"], kg_snapshot["edges"], content_catalog, template_previews)
    return ctx.with_keyword_targets(targets.keyword_presence, targets.keyword_positions)


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
    feedback_file = rn_home() / "feedback" / "acceptance_rates.parquet"
    if config.use_feedback:
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
        metadata["quota_plot_inline"] = dg.MetadataValue.md(f"![routing plan]({plot.as_uri()})")
    return dg.MaterializeResult(value=conform(plan, ROUTING_PLAN_SCHEMA), metadata=metadata)


class BatchConfig(dg.Config):
    seed: int = 42  # request ids and per-request seeds derive from it: same seed, same requests


def _partition(context: dg.AssetExecutionContext) -> tuple[str, str]:
    key = context.partition_key
    if not isinstance(key, dg.MultiPartitionKey):
        key = GENERATION_PARTITIONS.get_partition_key_from_str(key)
    dims = key.keys_by_dimension
    return dims["route"], content_type_from_slug(dims["content_type"])


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
    route, content_type = _partition(context)
    cell = routing_plan.filter((pl.col("route") == route) & (pl.col("content_type") == content_type))
    if cell.height == 0 or int(cell["n_requests"].sum()) == 0:
        context.log.info(f"{route}/{content_type}: no quota in the plan; empty batch")
        return dg.MaterializeResult(value=empty_frame(BATCH_SCHEMA), metadata={"requests": 0, "reason": "no quota in the routing plan"})
    ctx = _context(kg_snapshot, content_catalog, template_previews, population_targets)
    targets = parse_targets(population_targets, source="population_targets")
    batch = build_batches(cell, ctx, config.seed, targets)
    by_template = batch.group_by("template_id").len().sort("len", descending=True)
    return dg.MaterializeResult(
        value=batch,
        metadata={
            "requests": batch.height,
            "by_template": dg.MetadataValue.md(frame_md(by_template)),
            "context": dg.MetadataValue.json(ctx.describe()),
        },
    )


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
    routed_prompt_batches: pl.DataFrame,
    population_targets: dict,
    kg_snapshot: dict,
    content_catalog: pl.DataFrame,
    template_previews: pl.DataFrame,
) -> dg.MaterializeResult:
    route, content_type = _partition(context)
    batch = routed_prompt_batches
    if batch.height == 0:
        return dg.MaterializeResult(value=empty_frame(SYNTHETIC_SCHEMA), metadata={"rows": 0, "ok": 0, "rejected": 0})
    started = time.monotonic()
    extra_metadata: dict[str, Any] = {}

    def progress(done: int, total: int) -> None:
        context.log.info(f"{route}/{content_type}: {done}/{total} requests")

    if route == "heuristic":
        from routenator_dagster.routes.heuristic import run_heuristic_batch

        ctx = _context(kg_snapshot, content_catalog, template_previews, population_targets)
        out = run_heuristic_batch(batch, ctx, progress=progress)
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
    return dg.MaterializeResult(
        value=out,
        metadata={
            "rows": out.height,
            "ok": ok.height,
            "rejected": out.height - ok.height,
            "rows_per_second": round(out.height / elapsed, 1) if elapsed > 0 else None,
            "reject_reasons": dg.MetadataValue.md(frame_md(reasons, 20)),
            "sample": dg.MetadataValue.md(frame_md(sample)),
            **extra_metadata,
        },
    )
