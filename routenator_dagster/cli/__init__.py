"""The `routenator` command. Subcommands live in their own modules and load lazily."""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module, one-line help). Each module defines add_arguments(parser) and run(args) -> int.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("routenator_dagster.cli.run_cmd", "materialize the main job on the configured backends"),
    "load-graph": ("routenator_dagster.cli.load_graph_cmd", "load node/relationship files into Neo4j"),
    "build-catalog": ("routenator_dagster.cli.build_catalog_cmd", "write the seed content catalog to a file"),
    "report": ("routenator_dagster.cli.report_cmd", "print the latest dataset quality figures"),
    "eval": ("routenator_dagster.cli.eval_cmd", "score a model on a golden set"),
    "bulk-generate": ("routenator_dagster.cli.bulk_generate_cmd", "answer one LLM partition with vLLM's offline engine"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="routenator", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    modules = {}
    raw = sys.argv[1:] if argv is None else argv
    # Import only the command asked for: each pulls in heavy libraries (dagster, torch, scipy).
    chosen = next((a for a in raw if not a.startswith("-")), None)
    for name, (mod_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        if chosen in COMMANDS and name != chosen:
            continue
        try:
            mod = importlib.import_module(mod_name)
        except ModuleNotFoundError as exc:
            if exc.name != mod_name:
                raise
            continue
        mod.add_arguments(p)
        modules[name] = mod
    args = parser.parse_args(argv)
    if args.command not in modules:
        parser.error(f"command {args.command!r} is not available in this build")
    return int(modules[args.command].run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
