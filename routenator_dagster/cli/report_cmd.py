"""`routenator report [--json] [--home DIR]`: the latest dataset quality figures."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object (for scripts)")
    parser.add_argument("--home", default=None, help="RouteNator home folder (default: $RN_HOME or ./.routenator)")


def run(args: argparse.Namespace) -> int:
    from routenator_dagster.paths import rn_home
    from routenator_dagster.quality.summary import REPORT_HTML, REPORT_JSON, load_checks

    home = rn_home(args.home)
    path = home / "reports" / REPORT_JSON
    if not path.exists():
        print(f"error: no dataset quality report under {home / 'reports'}; materialize dataset_quality_report first "
              f"(e.g. `routenator run`)", file=sys.stderr)
        return 2
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        print(f"error: {path} is not valid JSON ({exc}); rematerialize dataset_quality_report", file=sys.stderr)
        return 2
    # Checks may have run after the report was written: checks.json holds the latest results.
    summary["checks"] = {**summary.get("checks", {}), **load_checks(home)}
    if args.json:
        print(json.dumps(summary, sort_keys=True))
        return 0
    _print_readable(summary, Path(path).with_name(REPORT_HTML))
    return 0


def _print_readable(s: dict, html: Path) -> None:
    print(f"Dataset quality report ({s['rows']} rows)")
    print("  by function:     " + ", ".join(f"{k} {v}" for k, v in s["rows_by_function"].items()))
    print("  by content type: " + ", ".join(f"{k} {v}" for k, v in s["rows_by_content_type"].items()))
    print("  by route:        " + ", ".join(f"{k} {v}" for k, v in s["rows_by_route"].items()))
    print("  median words:    " + ", ".join(f"{k} {v}" for k, v in s["median_words"].items()))
    print("  max words:       " + ", ".join(f"{k} {v}" for k, v in s["max_words"].items()))
    tv = s["tv_distance"]
    print(f"  TV distance:     function {_f(tv.get('function'))}, content type {_f(tv.get('content_type'))}")
    print(f"  duplicates:      {s['duplicates']}")
    rej = sorted(s["rejected_by_reason"].items(), key=lambda kv: -kv[1])
    print("  rejected:        " + (", ".join(f"{k} {v}" for k, v in rej[:8]) or "none"))
    checks = s.get("checks", {})
    print("  checks:          " + (", ".join(f"{k} {'passed' if v else 'FAILED'}" for k, v in sorted(checks.items())) or "not run yet"))
    print(f"Full report: {html}")


def _f(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4f}"
