"""`make bench`: run every bench module, print one JSON line per result, append to a results file.

Each bench module defines `main() -> list[dict]` with keys bench, value, unit, target. These are
measurements, not tests: they are too heavy for `make test`.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import platform
import sys
import time
from pathlib import Path

import bench

RESULTS = Path(__file__).resolve().parent / "results.jsonl"


def main() -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name not in {"run_all"})
    only = set(sys.argv[1:])
    failed = 0
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with RESULTS.open("a", encoding="utf-8") as out:
        for name in names:
            if only and name not in only:
                continue
            module = importlib.import_module(f"bench.{name}")
            if not hasattr(module, "main"):
                continue
            print(f"# bench.{name}", file=sys.stderr, flush=True)
            try:
                results = module.main()
            except Exception as exc:  # a failing bench is reported and the others still run
                failed += 1
                results = [{"bench": name, "value": None, "unit": None, "target": None, "error": repr(exc)}]
            for r in results:
                r = {**r, "module": name, "at": stamp, "machine": platform.node()}
                line = json.dumps(r, sort_keys=True)
                print(line, flush=True)
                out.write(line + "\n")
    print(f"# results appended to {RESULTS}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
