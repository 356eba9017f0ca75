"""The one JSON object `routenator report --json` prints (also saved beside the HTML report)."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path
from typing import Any

from routenator_dagster.targets import PopulationTargets
from routenator_dagster.atomic import write_json_atomic

REPORT_JSON = "dataset_quality_report.json"
REPORT_HTML = "dataset_quality_report.html"
CHECKS_JSON = "checks.json"
SUMMARY_KEYS = (
    "rows", "rows_by_function", "rows_by_content_type", "rows_by_route", "duplicates", "max_words",
    "median_words", "tv_distance", "rejected_by_reason", "checks",
)


def reports_dir(home: Path) -> Path:
    d = home / "reports"
    d.mkdir(parents=True, exist_ok=True)
    return d


def summary_object(figures: dict[str, Any], checks: dict[str, bool], targets: PopulationTargets | None = None) -> dict[str, Any]:
    """The report's headline numbers; ``max_words`` is the longest query per function in the data."""
    wc = figures["word_counts"]
    return {
        "rows": figures["rows"],
        "rows_by_function": figures["rows_by_function"],
        "rows_by_content_type": figures["rows_by_content_type"],
        "rows_by_route": figures["rows_by_route"],
        "duplicates": figures["duplicates"]["total"],
        "max_words": {fn: s["max"] for fn, s in wc.items() if fn != "overall"},
        "median_words": {fn: s["median"] for fn, s in wc.items() if fn != "overall"},
        "tv_distance": figures["tv_distance"],
        "rejected_by_reason": figures["rejected_by_reason"],
        "checks": dict(checks),
    }


def _write_json(path: Path, obj: Any) -> None:
    write_json_atomic(path, obj)


def record_check(home: Path, name: str, passed: bool, details: dict[str, Any] | None = None) -> Path:
    """Merge one check result into reports/checks.json (locked: checks may run in parallel steps)."""
    path = reports_dir(home) / CHECKS_JSON
    with open(reports_dir(home) / ".checks.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        data[name] = {"passed": bool(passed), **(details or {})}
        _write_json(path, data)
    return path


# Names older homes recorded before checks.json used the Dagster check names.
_OLD_CHECK_NAMES = {"label_checks": "labels_consistent", "length_limits": "length_limits_respected"}


def load_checks(home: Path) -> dict[str, bool]:
    """Latest pass/fail per check, under the Dagster check names."""
    path = home / "reports" / CHECKS_JSON
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    out = {k: bool(v.get("passed")) if isinstance(v, dict) else bool(v) for k, v in data.items() if k not in _OLD_CHECK_NAMES}
    for old, new in _OLD_CHECK_NAMES.items():
        if old in data and new not in out:
            v = data[old]
            out[new] = bool(v.get("passed")) if isinstance(v, dict) else bool(v)
    return out


def save_summary(home: Path, summary: dict[str, Any]) -> Path:
    path = reports_dir(home) / REPORT_JSON
    _write_json(path, summary)
    return path
