"""`routenator bulk-generate`: answer one LLM partition with vLLM's offline engine (GPU image only)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from routenator_dagster import bulk_generate

    bulk_generate.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from routenator_dagster import bulk_generate

    return bulk_generate.run_from_args(args)
