"""The Dagster UI a user opens with `make ui`: the real webserver over this code location."""

import json
import os
import urllib.request
from pathlib import Path

import pytest

from tests.webserver import running_webserver

ROOT = Path(__file__).resolve().parents[1]
QUERY = """
{ assetNodes { assetKey { path } description groupName
    dependencyKeys { path } isPartitioned } }
"""


def _post(url: str, query: str) -> dict:
    req = urllib.request.Request(url, data=json.dumps({"query": query}).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    home = tmp_path_factory.mktemp("ui")
    env = {**os.environ, "DAGSTER_HOME": str(home), "RN_HOME": str(home), "RN_ENV": "local"}
    (home / "dagster.yaml").write_text((ROOT / "k8s" / "dagster.local.yaml").read_text())
    with running_webserver(env, polls=120) as base:
        yield base


def test_ui_lists_assets_with_descriptions_and_lineage(webserver):
    data = _post(f"{webserver}/graphql", QUERY)
    assert "errors" not in data, data.get("errors")
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["data"]["assetNodes"]}
    for name in ("kg_snapshot", "routing_plan", "synthetic_queries", "filtered_dataset", "evaluation_report"):
        assert name in nodes, f"{name} missing from the UI"
        assert len(nodes[name]["description"] or "") > 20
    deps = {"/".join(d["path"]) for d in nodes["synthetic_queries"]["dependencyKeys"]}
    assert "routed_prompt_batches" in deps
    assert nodes["synthetic_queries"]["isPartitioned"] and not nodes["filtered_dataset"]["isPartitioned"]
