"""`routenator run`: the main job as one Dagster run, every generation partition included.

It executes `regenerate_dataset` in-process over the whole generation partition range (or
`regenerate_content_types` over some content types' partitions, then everything downstream) on
the persistent instance under DAGSTER_HOME, so `make ui` shows the run by its job name.
"""

from __future__ import annotations

import argparse
import contextlib
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


# (what, the asset that writes it, where under the home): printed only when this run refreshed it.
_OUTPUTS: list[tuple[str, str, tuple[str, ...]]] = [
    ("dataset (parquet)", "filtered_dataset", ("assets", "filtered_dataset", "data.parquet")),
    ("rejections (parquet)", "filter_rejections", ("assets", "filter_rejections", "data.parquet")),
    ("SFT train/validation", "sft_dataset", ("sft",)),
    ("quality report (HTML)", "dataset_quality_report", ("reports", "dataset_quality_report.html")),
    ("quality figures (JSON)", "dataset_quality_report", ("reports", "dataset_quality_report.json")),
    ("evaluation (JSON)", "evaluation_report", ("reports", "evaluation.json")),
    ("proxy model", "proxy_model", ("models", "proxy")),
]
CLI_TAG = "routenator/entrypoint"


def _run_config(ops_config: dict[str, dict], verbose: bool) -> dict:
    # Quiet by default: a failure ends in our one line with its cause; -v shows Dagster's own log.
    cfg: dict[str, Any] = {"loggers": {"console": {"config": {"log_level": "INFO" if verbose else "CRITICAL"}}}}
    if ops_config:
        cfg["ops"] = {name: {"config": c} for name, c in ops_config.items()}
    return cfg


def _fail(message: str, code: int = 1) -> int:
    print(f"routenator run: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    if args.home:
        os.environ["RN_HOME"] = str(Path(args.home).resolve())
    from routenator_dagster.cli.quiet import quiet_libraries

    quiet_libraries(dagster=True)
    from assets.automation import content_type_slugs

    try:
        slugs = content_type_slugs(args.content_type) if args.content_type else None
    except ValueError as exc:
        return _fail(str(exc), 2)

    from routenator_dagster.paths import rn_home
    from routenator_dagster.run_lock import HomeBusyError, home_lock

    home = rn_home()
    os.environ.setdefault("DAGSTER_HOME", str(home / "dagster_home"))
    instance_yaml = Path(os.environ["DAGSTER_HOME"]) / "dagster.yaml"
    if not instance_yaml.exists():  # `make instance` writes the full laptop config; this keeps a bare home quiet
        instance_yaml.parent.mkdir(parents=True, exist_ok=True)
        instance_yaml.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    try:
        with home_lock(home):
            return _run_locked(args, home, slugs)
    except HomeBusyError as exc:
        return _fail(str(exc))


def _run_locked(args: argparse.Namespace, home: Path, slugs: list[str] | None) -> int:
    import dagster as dg

    from assets.automation import partition_range_tags, regenerate_content_types, regenerate_dataset
    from routenator_dagster.definitions import build_definitions

    instance = dg.DagsterInstance.get()
    abandoned = _fail_abandoned_runs(instance)
    if abandoned:
        print(f"routenator run: marked {abandoned} run(s) of a killed earlier run as failed", file=sys.stderr)
    defs = build_definitions()
    ops_config: dict[str, dict] = {}
    plan_cfg = {k: v for k, v in (("total_requests", args.requests), ("seed", args.seed)) if v is not None}
    if slugs:
        if plan_cfg:
            return _fail("--requests/--seed change the routing plan; a --content-type run reuses the current one")
        if instance.get_latest_materialization_event(dg.AssetKey("routing_plan")) is None:
            return _fail("--content-type regenerates on the current routing plan, and there is none yet in "
                         f"{home}; run `routenator run` once without --content-type")
        job = defs.resolve_job_def(regenerate_content_types.name)
    else:
        job = defs.resolve_job_def(regenerate_dataset.name)
        if plan_cfg:
            ops_config["routing_plan"] = plan_cfg

    started = time.monotonic()
    refreshed: set[str] = set()
    for tags in partition_range_tags(slugs):
        result = _execute_with_progress(job, instance, tags, _run_config(ops_config, args.verbose))
        refreshed |= {
            e.asset_key.to_user_string() for e in result.all_events
            if e.event_type_value == "ASSET_MATERIALIZATION" and e.asset_key is not None
        }
        if not result.success:
            return _fail(_failure_line(result))
    _print_summary(home, time.monotonic() - started, refreshed, job.name)
    if not args.no_eval and "evaluation_report" in refreshed:
        return _print_evaluation()
    return 0


def _execute_with_progress(job: Any, instance: Any, tags: dict[str, str], run_config: dict) -> Any:
    """Execute one run in-process with a progress bar fed from the run's own event log."""
    import threading

    import dagster as dg
    from dagster._core.utils import make_new_run_id
    from tqdm import tqdm

    run_id = make_new_run_id()
    total = len(job.nodes_in_topological_order)
    stop = threading.Event()
    bar = tqdm(total=total, desc=f"routenator run ({job.name})", unit="step", file=sys.stderr, dynamic_ncols=True)

    def follow() -> None:
        seen = 0
        while not stop.wait(0.5):
            records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_SUCCESS).records
            if len(records) > seen:
                bar.update(len(records) - seen)
                seen = len(records)
                bar.set_postfix_str(records[-1].event_log_entry.step_key or "")

    watcher = threading.Thread(target=follow, daemon=True)
    watcher.start()
    try:
        # stdout carries only results; what libraries print while the run works goes to stderr.
        with contextlib.redirect_stdout(sys.stderr):
            return job.execute_in_process(
                instance=instance, run_id=run_id, run_config=run_config, raise_on_error=False,
                tags={**tags, CLI_TAG: "cli", "routenator/pid": str(os.getpid())},
            )
    finally:
        stop.set()
        watcher.join()
        done = len(instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_SUCCESS).records)
        bar.update(max(0, done - bar.n))
        bar.close()


def _fail_abandoned_runs(instance: Any) -> int:
    """Mark failed the CLI runs a killed process left STARTED; they would block the run queue."""
    import dagster as dg

    active = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.NOT_STARTED]
    stale = instance.get_runs(filters=dg.RunsFilter(statuses=active, tags={CLI_TAG: "cli"}))
    for run in stale:  # we hold the home lock, so no live CLI run can own them
        instance.report_run_failed(run, message="the routenator process running it ended without finishing "
                                   "(killed); marked failed by the next `routenator run`")
    return len(stale)


def _failure_line(result: Any) -> str:
    """'step X failed (run R): <the error's own message>' in one line."""
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = getattr(event.event_specific_data, "error", None)
            cause = error
            while cause is not None and getattr(cause, "cause", None) is not None:
                cause = cause.cause  # the user code's exception, not Dagster's wrapper
            text = (getattr(cause, "message", "") or event.message or "unknown error").strip().splitlines()
            return f"step '{event.step_key}' failed (run {result.run_id}): {text[-1] if text else 'unknown error'}"
    return f"run {result.run_id} failed"


def _print_summary(home: Path, elapsed: float, refreshed: set[str], job_name: str) -> None:
    print(f"\nRouteNator run ({job_name}) finished in {elapsed:.0f} s. Home: {home}")
    for name, asset, parts in _OUTPUTS:
        path = home.joinpath(*parts)
        if asset in refreshed and path.exists():
            print(f"  {name:24s} {path}")
    from assets.automation import FINETUNE_ASSETS

    gpu_only = ", ".join(a for a in FINETUNE_ASSETS if a not in refreshed)
    print(f"  not run here (GPU job `finetune_and_evaluate`): {gpu_only}")
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
