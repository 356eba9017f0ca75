"""The shipped seed knowledge graph: sizes, endpoint labels, coverage, weights, props."""

from __future__ import annotations

import csv
import importlib.util
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from routenator_dagster.labels import CATALOG_CONTENT_TYPES
from routenator_dagster.paths import SEED_DIR
from routenator_dagster.schema import NODE_LABELS, RELATIONSHIP_TYPES

KG_DIR = SEED_DIR / "kg"
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "build_seed_graph.py"


def _read(name: str) -> list[dict[str, str]]:
    with (KG_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def nodes() -> list[dict[str, str]]:
    return _read("nodes.csv")


@pytest.fixture(scope="module")
def edges() -> list[dict[str, str]]:
    return _read("relationships.csv")


@pytest.fixture(scope="module")
def by_id(nodes: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {n["id"]: n for n in nodes}


def test_columns_are_the_documented_ones() -> None:
    with (KG_DIR / "nodes.csv").open(encoding="utf-8") as fh:
        assert fh.readline().strip() == "id,label,name,content_type,weight,props"
    with (KG_DIR / "relationships.csv").open(encoding="utf-8") as fh:
        assert fh.readline().strip() == "source,type,target,weight"


def test_sizes(nodes: list[dict[str, str]]) -> None:
    counts = Counter(n["label"] for n in nodes)
    assert counts["UserIntent"] >= 120
    assert counts["DesignType"] >= 50
    assert counts["SceneObject"] >= 250
    assert counts["Action"] >= 120
    for label in ("Style", "Color", "Audience"):
        assert counts[label] >= 20, label


def test_ids_unique_prefixed_lowercase(nodes: list[dict[str, str]]) -> None:
    ids = [n["id"] for n in nodes]
    assert len(ids) == len(set(ids))
    prefix = {"UserIntent": "intent", "DesignType": "design", "SceneObject": "object",
              "Action": "action", "Style": "style", "Color": "color", "Audience": "audience"}
    for n in nodes:
        assert n["label"] in NODE_LABELS, n
        assert n["id"] == n["id"].lower() and n["id"].isascii(), n["id"]
        assert n["id"].startswith(prefix[n["label"]] + ":"), n["id"]
        assert n["name"].strip() == n["name"] and n["name"], n["id"]


def test_relationship_endpoints_exist_with_right_labels(
    edges: list[dict[str, str]], by_id: dict[str, dict[str, str]]
) -> None:
    seen: set[tuple[str, str, str]] = set()
    for e in edges:
        assert e["type"] in RELATIONSHIP_TYPES, e
        src_label, dst_label = RELATIONSHIP_TYPES[e["type"]]
        assert e["source"] in by_id, f"missing source {e}"
        assert e["target"] in by_id, f"missing target {e}"
        assert by_id[e["source"]]["label"] == src_label, e
        assert by_id[e["target"]]["label"] == dst_label, e
        key = (e["source"], e["type"], e["target"])
        assert key not in seen, f"duplicate relationship {key}"
        seen.add(key)


def test_every_intent_has_designs_and_objects_and_every_object_an_action(
    nodes: list[dict[str, str]], edges: list[dict[str, str]]
) -> None:
    out: dict[tuple[str, str], int] = defaultdict(int)
    for e in edges:
        out[(e["source"], e["type"])] += 1
    for n in nodes:
        if n["label"] == "UserIntent":
            assert out[(n["id"], "USES_DESIGN")] >= 3, n["id"]
            assert out[(n["id"], "FEATURES")] >= 3, n["id"]
            assert out[(n["id"], "HAS_STYLE")] >= 1, n["id"]
            assert out[(n["id"], "HAS_COLOR")] >= 1, n["id"]
        if n["label"] == "SceneObject":
            assert out[(n["id"], "PERFORMS")] >= 1, n["id"]


def test_design_types_cover_every_catalog_content_type(
    nodes: list[dict[str, str]], edges: list[dict[str, str]]
) -> None:
    designs = [n for n in nodes if n["label"] == "DesignType"]
    for d in designs:
        assert d["content_type"] in CATALOG_CONTENT_TYPES, d
    per_type = Counter(d["content_type"] for d in designs)
    assert set(per_type) == set(CATALOG_CONTENT_TYPES)
    assert all(c >= 3 for c in per_type.values()), per_type
    assert per_type.most_common(1)[0][0] == "Template"
    # Every design type is reachable from some intent, else the catalog could never use it.
    used = {e["target"] for e in edges if e["type"] == "USES_DESIGN"}
    assert {d["id"] for d in designs} <= used
    # Only design types carry a content type.
    assert all(n["content_type"] == "" for n in nodes if n["label"] != "DesignType")


def test_weights_in_unit_interval(nodes: list[dict[str, str]], edges: list[dict[str, str]]) -> None:
    for row in [*nodes, *edges]:
        w = float(row["weight"])
        assert 0.0 < w <= 1.0, row


def test_props_are_json_objects(nodes: list[dict[str, str]]) -> None:
    for n in nodes:
        props = json.loads(n["props"])
        assert isinstance(props, dict), n["id"]
        if n["label"] == "UserIntent":
            assert "category" in props, n["id"]
        if n["label"] == "Color":
            assert len(props["hex"]) == 7 and props["hex"].startswith("#"), n["id"]
        if n["label"] == "DesignType":
            assert isinstance(props["aliases"], list), n["id"]


def test_vocabulary_spans_cultures_and_keeps_natural_punctuation(
    by_id: dict[str, dict[str, str]]
) -> None:
    for node_id in ("intent:diwali", "intent:eid_al_fitr", "intent:lunar_new_year", "intent:hanukkah",
                    "intent:dia_de_los_muertos", "intent:nowruz", "intent:juneteenth",
                    "intent:kwanzaa", "intent:vesak", "intent:onam", "intent:mothers_day"):
        assert node_id in by_id, node_id
    assert by_id["intent:dia_de_los_muertos"]["name"] == "Día de los Muertos"
    assert by_id["intent:mothers_day"]["name"] == "Mother's Day"
    assert by_id["design:flyer"]["content_type"] == "Template"
    assert by_id["design:jingle"]["content_type"] == "Audio"


@pytest.fixture(scope="module")
def script() -> Any:
    spec = importlib.util.spec_from_file_location("build_seed_graph", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_csvs_are_exactly_what_the_script_writes(script: Any, tmp_path: Path) -> None:
    assert script.main(["--out", str(tmp_path)]) == 0
    for name in ("nodes.csv", "relationships.csv"):
        assert (tmp_path / name).read_bytes() == (KG_DIR / name).read_bytes(), name


def test_script_rejects_inconsistent_vocabulary(script: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    original = script.INTENTS
    broken = original.replace("| diya, rangoli,", "| diya, unicorn lamp, rangoli,", 1)
    assert broken != original
    monkeypatch.setattr(script, "INTENTS", broken)
    with pytest.raises(script.VocabularyError, match="Diwali.*unicorn lamp"):
        script.build_tables()
    monkeypatch.setattr(script, "INTENTS", original + "Diwali | 2 | | | diya, rangoli, lantern | | |\n")
    with pytest.raises(script.VocabularyError, match="duplicate"):
        script.build_tables()
