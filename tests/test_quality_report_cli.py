"""`routenator report`: prints the saved summary with the latest check results merged in."""

from __future__ import annotations

import json

from routenator_dagster.cli import main as cli_main
from routenator_dagster.quality import metrics
from routenator_dagster.quality.summary import SUMMARY_KEYS, record_check, save_summary, summary_object
from routenator_dagster.targets import load_targets
from tests.test_quality_metrics import TINY


def test_report_json_merges_latest_checks(tmp_path, capsys):
    save_summary(tmp_path, summary_object(metrics.compute_figures(TINY, None, load_targets()), {"no_duplicates": True}))
    record_check(tmp_path, "no_duplicates", False, {"exact": 2})
    record_check(tmp_path, "length_limits_respected", True)
    assert cli_main(["report", "--json", "--home", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert tuple(sorted(out)) == tuple(sorted(SUMMARY_KEYS))
    assert out["checks"] == {"no_duplicates": False, "length_limits_respected": True}
    assert out["rows"] == 6 and out["rows_by_function"] == {"Generate": 2, "Search": 4}
    assert cli_main(["report", "--home", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "no_duplicates FAILED" in text and str(tmp_path / "reports" / "dataset_quality_report.html") in text


def test_report_prints_dagster_check_names_for_an_older_home(tmp_path, capsys):
    """A checks.json written under the old names reads back under the names the UI shows."""
    save_summary(tmp_path, summary_object(metrics.compute_figures(TINY, None, load_targets()), {}))
    record_check(tmp_path, "label_checks", False)
    record_check(tmp_path, "length_limits", True)
    assert cli_main(["report", "--json", "--home", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)["checks"] == {"labels_consistent": False, "length_limits_respected": True}
    assert cli_main(["report", "--home", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "labels_consistent FAILED" in text and "label_checks" not in text
