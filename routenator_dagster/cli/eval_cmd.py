"""`routenator eval`: score a model on a golden set and print one JSON object."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--golden", default=None, help="golden JSON Lines file (default: the shipped golden_v1.jsonl)")
    parser.add_argument(
        "--model",
        default="proxy",
        help='"proxy" (the last trained, default), "proxy:DIR", "keyword", "hf:PATH[+ADAPTER]", "openai:BASE_URL#MODEL"',
    )
    parser.add_argument("--home", default=None, help="RouteNator home folder (default $RN_HOME or ./.routenator)")
    parser.add_argument("--full", action="store_true", help="also print both confusion matrices")


def run(args: argparse.Namespace) -> int:
    from routenator_dagster.cli.quiet import quiet_libraries

    quiet_libraries()
    from routenator_dagster.evaluation.predictors import parse_model_spec
    from routenator_dagster.evaluation.report import evaluate
    from routenator_dagster.golden import DEFAULT_GOLDEN, GoldenFormatError, load_golden

    try:
        golden = load_golden(args.golden or DEFAULT_GOLDEN)
        predictor = parse_model_spec(args.model, home=args.home, api_key=os.environ.get("VLLM_API_KEY"))
    except (FileNotFoundError, GoldenFormatError, ValueError) as exc:
        print(f"routenator eval: {exc}", file=sys.stderr)
        return 2
    print(f"routenator eval: scoring {predictor.name} on {len(golden)} queries", file=sys.stderr)
    from routenator_dagster.evaluation.embeddings import CachedEmbedder
    from routenator_dagster.evaluation.predictors import EndpointError
    from routenator_dagster.paths import rn_home

    try:
        with contextlib.redirect_stdout(sys.stderr):  # stdout is the one JSON object; library prints go aside
            report, _ = evaluate(predictor, golden, embed=CachedEmbedder(rn_home(args.home) / "cache" / "embeddings.parquet"))
    except EndpointError as exc:
        print(f"routenator eval: {exc}", file=sys.stderr)
        return 1
    if not args.full:
        report = {k: v for k, v in report.items() if not k.startswith("confusion_")}
    print(json.dumps(report, sort_keys=True))
    return 0
