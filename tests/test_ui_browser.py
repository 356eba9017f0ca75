"""What a person sees: the Dagster webserver's answer for routing_plan and dataset_quality_report,
and the HTML report, decoded by a real headless browser (Debian's chromium-headless-shell, which
`make setup` installs).

The plots travel as data:image/png URIs inside markdown metadata; they must decode to PNGs the
browser can draw. Tables and numbers must be short enough for the UI to render them inline.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import urllib.request
from pathlib import Path

import dagster as dg
import pytest
from PIL import Image

from assets.generation import routing_plan
from resources.llm import OpenAICompatibleResource
from resources.storage import PolarsParquetIOManager
from tests import generation_fixtures as fx
from tests.webserver import running_webserver
from tests.test_filtering_assets import FILTER_AND_REPORT, INLINE_LIMIT, filter_and_report_defs, write_filter_inputs

ROOT = Path(__file__).resolve().parents[1]
DATA_URI = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")
QUERY = """
query Latest($key: AssetKeyInput!) {
  assetOrError(assetKey: $key) {
    __typename
    ... on Asset { assetMaterializations(limit: 1) { runId metadataEntries {
      label __typename
      ... on MarkdownMetadataEntry { mdStr }
      ... on FloatMetadataEntry { floatValue }
      ... on IntMetadataEntry { intValue }
      ... on PathMetadataEntry { path }
    } } }
  }
}
"""


def _browser() -> str:
    exe = shutil.which("chromium-headless-shell") or shutil.which("chromium")
    assert exe, "no headless browser: install Debian's chromium-headless-shell (`make setup` does, as root)"
    return exe


def _graphql(base: str, query: str, variables: dict) -> dict:
    body = json.dumps({"query": query, "variables": variables}).encode()
    req = urllib.request.Request(f"{base}/graphql", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        data = json.loads(resp.read())
    assert "errors" not in data, data["errors"]
    return data["data"]


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    """A Dagster instance with one real routing_plan and one real filtering + quality-report run,
    served by the webserver the way `make ui` serves it."""
    home = tmp_path_factory.mktemp("ui_browser")
    (home / "dagster.yaml").write_text((ROOT / "k8s" / "dagster.local.yaml").read_text())
    mp = pytest.MonkeyPatch()
    mp.setenv("RN_HOME", str(home))
    mp.setenv("DAGSTER_HOME", str(home))
    instance = dg.DagsterInstance.from_config(str(home))
    res = {"io_manager": PolarsParquetIOManager(base_dir=str(home)), "text_llm": OpenAICompatibleResource(),
           "vision_llm": OpenAICompatibleResource(), "judge_llm": OpenAICompatibleResource()}
    plan = dg.materialize(fx.upstream_assets() + [routing_plan], resources=res, instance=instance,
                          run_config={"ops": {"routing_plan": {"config": {"total_requests": 300}}}})
    assert plan.success
    write_filter_inputs(total=600)
    report = dg.materialize(filter_and_report_defs(), resources=res, instance=instance, selection=FILTER_AND_REPORT)
    assert report.success

    env = {**os.environ, "DAGSTER_HOME": str(home), "RN_HOME": str(home), "RN_ENV": "local"}
    try:
        with running_webserver(env) as base:
            yield {"base": base, "home": home, "runs": {"routing_plan": plan.run_id, "dataset_quality_report": report.run_id}}
    finally:
        mp.undo()


def _latest(ui, asset: str) -> dict[str, dict]:
    data = _graphql(ui["base"], QUERY, {"key": {"path": [asset]}})["assetOrError"]
    assert data["__typename"] == "Asset", data
    (mat,) = data["assetMaterializations"]
    assert mat["runId"] == ui["runs"][asset]  # the UI shows the run the test made
    return {e["label"]: e for e in mat["metadataEntries"]}


def _pngs(md: str) -> list[bytes]:
    return [base64.b64decode(m, validate=True) for m in DATA_URI.findall(md)]


def _size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(io.BytesIO(png))
    img.load()  # decodes every row: a truncated or corrupt file fails here
    return img.size


def _browser_sizes(html_text: str, folder: Path, name: str) -> list[int]:
    """Natural widths of every <img> once a headless Chromium has loaded ``html_text`` (0 = broken)."""
    probe = ("<script>window.addEventListener('load',()=>{document.body.setAttribute('data-widths',"
             "JSON.stringify([...document.images].map(i=>i.complete?i.naturalWidth:0)))});</script>")
    page = folder / name
    page.write_text(html_text.replace("</body>", probe + "</body>"), encoding="utf-8")
    out = subprocess.run([_browser(), "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    m = re.search(r'data-widths="([^"]*)"', out.stdout)
    assert m, f"browser gave no widths: {out.stderr[-1500:]}"
    return json.loads(m.group(1).replace("&quot;", '"'))


def test_routing_plan_plot_is_a_png_data_uri(ui):
    md = _latest(ui, "routing_plan")
    entry = md["quota_plot_inline"]
    assert entry["__typename"] == "MarkdownMetadataEntry"
    (png,) = _pngs(entry["mdStr"])
    w, h = _size(png)
    assert w > 100 and h > 100


def test_quality_report_metadata_as_the_ui_shows_it(ui):
    md = _latest(ui, "dataset_quality_report")
    plots = {k: v for k, v in md.items() if k.startswith("plot_")}
    assert set(plots) == {"plot_word_counts", "plot_content_types", "plot_keyword_positions", "plot_lengths",
                          "plot_route_mix", "plot_rejections"}
    for label, entry in plots.items():
        assert entry["__typename"] == "MarkdownMetadataEntry"
        (png,) = _pngs(entry["mdStr"])
        assert min(_size(png)) > 100, label
    for label in ("lengths", "content_types", "keyword_positions", "route_mix", "rejections_by_reason", "variants"):
        assert md[label]["__typename"] == "MarkdownMetadataEntry"
        assert md[label]["mdStr"].startswith("|") and len(md[label]["mdStr"]) < INLINE_LIMIT, label
    for label in ("tv_function", "tv_content_type", "tv_keyword_position"):
        value = md[label]["floatValue"]
        assert value == round(value, 4) and 0 <= value <= 1, (label, value)
    assert Path(md["html_report"]["path"]).exists()


def test_browser_draws_every_ui_plot_and_report_figure(ui, tmp_path):
    entries = {**_latest(ui, "routing_plan"), **_latest(ui, "dataset_quality_report")}
    uris = [m.group(0) for e in entries.values() if e["__typename"] == "MarkdownMetadataEntry" for m in DATA_URI.finditer(e["mdStr"])]
    assert len(uris) == 7  # the routing plan and six report figures
    expected = [_size(base64.b64decode(u.split(",", 1)[1]))[0] for u in uris]
    page = "<!DOCTYPE html><html><body>" + "".join(f'<img src="{u}">' for u in uris) + "</body></html>"
    assert _browser_sizes(page, tmp_path, "ui_plots.html") == expected

    report = Path(entries["html_report"]["path"]).read_text(encoding="utf-8")
    widths = _browser_sizes(report, tmp_path, "report.html")
    assert len(widths) == 6 and all(w > 100 for w in widths), widths


def test_asset_page_shows_tables_inline_and_plots_one_click_away(ui):
    """The UI's own asset page, rendered by the browser: every markdown entry under the inline
    limit is a rendered table on the page; each longer one (the plots) is a "[Show Markdown]" link."""
    md = _latest(ui, "dataset_quality_report")
    long_entries = [k for k, e in md.items() if e["__typename"] == "MarkdownMetadataEntry" and len(e["mdStr"]) >= INLINE_LIMIT]
    assert {f"plot_{k}" for k in ("word_counts", "content_types", "keyword_positions", "lengths", "route_mix", "rejections")} <= set(long_entries)
    # Virtual time only runs while no fetch is pending, so the page's GraphQL answers are in.
    out = subprocess.run([_browser(), "--no-sandbox", "--disable-gpu", "--virtual-time-budget=30000", "--dump-dom",
                          f"{ui['base']}/assets/dataset_quality_report"], capture_output=True, text=True, timeout=180)
    dom = out.stdout
    assert "tv_keyword_position" in dom, out.stderr[-1500:]
    assert dom.count("[Show Markdown]") == len(long_entries)
    for header in ("<th>fn</th><th>n</th><th>mean</th><th>median</th><th>real median</th>",
                   "<th>type</th><th>share</th><th>target</th>", "<th>route</th><th>family</th><th>rows</th><th>share</th>",
                   "<th>reason</th><th>rows</th>"):
        assert header in dom, header
    assert "<td>type_word_conflict</td>" in dom and "data:image/png" not in dom  # plots are behind the link
