"""The Dagster UI a user opens with `make ui`: the real webserver over this code location."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QUERY = """
{ assetNodes { assetKey { path } description groupName
    dependencyKeys { path } isPartitioned } }
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, query: str) -> dict:
    req = urllib.request.Request(url, data=json.dumps({"query": query}).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    home = tmp_path_factory.mktemp("ui")
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "RN_HOME": str(home), "RN_ENV": "local"}
    (home / "dagster.yaml").write_text((ROOT / "k8s" / "dagster.local.yaml").read_text())
    exe = Path(sys.executable).with_name("dagster-webserver")
    proc = subprocess.Popen(
        [str(exe), "-m", "routenator_dagster.definitions", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"webserver exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(f"{base}/server_info", timeout=2).read()
            break
        except OSError:
            time.sleep(0.5)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        raise RuntimeError("webserver did not answer /server_info within 60 s")
    yield base
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


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
