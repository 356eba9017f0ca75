"""The code location as a user sees it in the UI: assets, lineage, descriptions, checks."""

import ast
import json
import os
from pathlib import Path

import dagster as dg
import pytest

from routenator_dagster.definitions import build_definitions

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_specs.json"

# The asset graph (README): every edge must exist (data flows left to right).
DESIGN_EDGES = [
    ("kg_snapshot", "routing_plan"),
    ("content_catalog", "routing_plan"),
    ("template_previews", "routing_plan"),
    ("population_targets", "routing_plan"),
    ("routing_plan", "routed_prompt_batches"),
    ("routed_prompt_batches", "synthetic_queries"),
    ("synthetic_queries", "filtered_dataset"),
    ("filtered_dataset", "dataset_quality_report"),
    ("filtered_dataset", "sft_dataset"),
    ("sft_dataset", "qlora_adapter"),
    ("sft_dataset", "proxy_model"),
    ("proxy_model", "evaluation_report"),
    ("qlora_adapter", "adapter_evaluation"),  # DESIGN's evaluation_report[base_model]
]


@pytest.fixture(scope="module")
def defs():
    return build_definitions("local")


def _spec_summary(defs):
    graph = defs.resolve_asset_graph()
    out = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        pdef = node.partitions_def
        out[key.to_user_string()] = {
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
            "group": node.group_name,
            "partitioned": type(pdef).__name__ if pdef else None,
            "kinds": sorted(node.kinds),
            "checks": sorted(c.name for c in node.check_keys),
        }
    return out


def test_design_lineage_exists(defs):
    graph = defs.resolve_asset_graph()
    for parent, child in DESIGN_EDGES:
        node = graph.get(dg.AssetKey(child))
        assert dg.AssetKey(parent) in node.parent_keys, f"{parent} -> {child} missing"


def test_every_asset_is_explained(defs):
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description and len(node.description) > 20, f"{key} needs a description"
        assert node.group_name and node.group_name != "default", f"{key} needs a group"


def test_generation_is_partitioned_by_route_and_content_type(defs):
    graph = defs.resolve_asset_graph()
    for name in ("routed_prompt_batches", "synthetic_queries"):
        pdef = graph.get(dg.AssetKey(name)).partitions_def
        assert isinstance(pdef, dg.MultiPartitionsDefinition)
        assert {d.name for d in pdef.partitions_defs} == {"route", "content_type"}


def test_definitions_load_for_both_environments():
    for env in ("local", "production"):
        d = build_definitions(env)
        assert "io_manager" in d.resources and "kg" in d.resources
        d.resolve_asset_graph()


def test_domain_core_does_not_import_dagster():
    offenders = []
    for path in (ROOT / "routenator_dagster").rglob("*.py"):
        rel = path.relative_to(ROOT / "routenator_dagster")
        if rel.parts[0] == "cli" or rel.name == "definitions.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "dagster" or n.startswith("dagster") or n.startswith(("assets", "resources")) for n in names):
                offenders.append(str(rel))
    assert not offenders, f"domain core imports dagster/assets/resources: {sorted(set(offenders))}"


def test_asset_spec_snapshot(defs):
    """Reviewable record of the UI's shape (dagster-open-platform style).

    A change to keys, lineage, groups, partitioning, kinds or checks must update the snapshot
    deliberately: RN_UPDATE_SNAPSHOTS=1 make test.
    """
    current = _spec_summary(defs)
    if os.environ.get("RN_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    assert SNAPSHOT.exists(), "no snapshot yet: run RN_UPDATE_SNAPSHOTS=1 make test and review it"
    assert json.loads(SNAPSHOT.read_text()) == current
