"""`routenator run`: materialize the main job in-process, every generation partition included.

The UI and schedules use the jobs in assets/automation.py; this command is the laptop path: one
persistent Dagster instance (DAGSTER_HOME), so every run shows up in `make ui` afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--requests", type=int, default=None, help="total generation requests (routing_plan)")
    parser.add_argument("--seed", type=int, default=None, help="generation seed (routing_plan)")
    parser.add_argument("--home", default=None, help="RouteNator home folder (default $RN_HOME or ./.routenator)")
    parser.add_argument("--content-type", action="append", default=None,
                        help="only these content-type partitions (slug, e.g. design_asset); repeatable")
    parser.add_argument("--no-eval", action="store_true", help="do not print the golden-set evaluation at the end")
    parser.add_argument("-v", "--verbose", action="store_true", help="show Dagster's INFO logs")


def _stages(defs: Any, generation_partitions: Any) -> tuple[list, list, list, list]:
    """Split the asset graph into upstream, generation-partitioned and downstream keys.

    Assets on other partitions (qlora_adapter by base model) need a GPU and their own job, so they
    and everything below them are left to `finetune_and_evaluate`.
    """
    graph = defs.resolve_asset_graph()
    keys = [k for k in graph.toposorted_asset_keys if graph.get(k).is_materializable]
    skipped: set = set()
    generation: set = set()
    for k in keys:
        node = graph.get(k)
        pdef = node.partitions_def
        if pdef is not None and pdef != generation_partitions:
            skipped.add(k)
        elif any(p in skipped for p in node.parent_keys):
            skipped.add(k)
        elif pdef == generation_partitions:
            generation.add(k)
    below_generation: set = set()
    for k in keys:
        if k in generation or any(p in generation or p in below_generation for p in graph.get(k).parent_keys):
            if k not in generation:
                below_generation.add(k)
    upstream = [k for k in keys if k not in skipped and k not in generation and k not in below_generation]
    downstream = [k for k in keys if k in below_generation and k not in skipped]
    return upstream, [k for k in keys if k in generation], downstream, [k for k in keys if k in skipped]


def _run_config(selection: list, ops_config: dict[str, dict], verbose: bool) -> dict:
    names = {k.to_user_string() for k in selection}
    ops = {name: {"config": cfg} for name, cfg in ops_config.items() if name in names}
    cfg: dict[str, Any] = {"loggers": {"console": {"config": {"log_level": "INFO" if verbose else "WARNING"}}}}
    if ops:
        cfg["ops"] = ops
    return cfg


def run(args: argparse.Namespace) -> int:
    if args.home:
        os.environ["RN_HOME"] = str(Path(args.home).resolve())
    # One progress bar (ours) per run; library bars and weight-loading chatter go quiet.
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import warnings

    import dagster as dg
    from tqdm import tqdm

    # kg_snapshot's content-hash data version uses an API Dagster marks beta; we rely on it knowingly.
    warnings.filterwarnings("ignore", category=dg.BetaWarning)

    from assets.partitions import GENERATION_PARTITIONS
    from routenator_dagster.definitions import build_definitions
    from routenator_dagster.labels import content_type_slug
    from routenator_dagster.paths import rn_home

    home = rn_home()
    os.environ.setdefault("DAGSTER_HOME", str(home / "dagster_home"))
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    defs = build_definitions()
    instance = dg.DagsterInstance.get()
    all_defs = list(defs.assets or []) + list(defs.asset_checks or [])
    upstream, generation, downstream, skipped = _stages(defs, GENERATION_PARTITIONS)

    plan_cfg: dict[str, Any] = {}
    if args.requests is not None:
        plan_cfg["total_requests"] = args.requests
    if args.seed is not None:
        plan_cfg["seed"] = args.seed
    ops_config = {"routing_plan": plan_cfg} if plan_cfg else {}

    partition_keys = GENERATION_PARTITIONS.get_partition_keys()
    if args.content_type:
        wanted = {content_type_slug(c) if " " in c or c[:1].isupper() else c for c in args.content_type}
        partition_keys = [k for k in partition_keys if k.keys_by_dimension["content_type"] in wanted]

    steps: list[tuple[str, list, str | None]] = []
    if upstream:
        steps.append(("upstream", upstream, None))
    if generation:
        steps += [(f"generate {pk}", generation, pk) for pk in partition_keys]
    if downstream and not args.content_type:
        steps.append(("filter, report, train, evaluate", downstream, None))

    started = time.monotonic()
    bar = tqdm(steps, desc="routenator run", unit="step", file=sys.stderr, dynamic_ncols=True)
    for label, selection, pk in bar:
        bar.set_postfix_str(label)
        result = dg.materialize(
            all_defs,
            selection=selection,
            partition_key=pk,
            instance=instance,
            resources=defs.resources,
            run_config=_run_config(selection, ops_config, args.verbose),
            tags={"routenator/entrypoint": "cli", "routenator/step": label},
            raise_on_error=False,
        )
        if not result.success:
            bar.close()
            failures = [e for e in result.all_events if e.is_failure]
            msg = failures[0].message if failures else "unknown failure"
            err = failures[0].event_specific_data if failures else None
            detail = getattr(getattr(err, "error", None), "message", "") if err else ""
            print(f"routenator run: step '{label}' failed (run {result.run_id}): {msg}\n{detail}", file=sys.stderr)
            return 1
    bar.close()
    elapsed = time.monotonic() - started
    _print_summary(home, elapsed, skipped)
    if not args.no_eval and not args.content_type:
        return _print_evaluation()
    return 0


def _print_summary(home: Path, elapsed: float, skipped: list) -> None:
    candidates = [
        ("dataset (parquet)", home / "assets" / "filtered_dataset" / "data.parquet"),
        ("rejections (parquet)", home / "assets" / "filter_rejections" / "data.parquet"),
        ("SFT train/validation", home / "sft"),
        ("quality report (HTML)", home / "reports" / "dataset_quality_report.html"),
        ("quality figures (JSON)", home / "reports" / "dataset_quality_report.json"),
        ("evaluation (JSON)", home / "reports" / "evaluation.json"),
        ("proxy model", home / "models" / "proxy"),
    ]
    print(f"\nRouteNator run finished in {elapsed:.0f} s. Home: {home}")
    for name, path in candidates:
        if path.exists():
            print(f"  {name:24s} {path}")
    if skipped:
        names = ", ".join(k.to_user_string() for k in skipped)
        print(f"  not run here (GPU job `finetune_and_evaluate`): {names}")
    print("  browse runs and lineage: make ui  (http://127.0.0.1:3000)")


def _print_evaluation() -> int:
    try:
        from routenator_dagster.cli import eval_cmd
    except ModuleNotFoundError:
        return 0
    parser = argparse.ArgumentParser()
    eval_cmd.add_arguments(parser)
    print("\nProxy model on the shipped golden set:")
    return int(eval_cmd.run(parser.parse_args([])) or 0)


if __name__ == "__main__":  # pragma: no cover
    p = argparse.ArgumentParser()
    add_arguments(p)
    sys.exit(run(p.parse_args()))
