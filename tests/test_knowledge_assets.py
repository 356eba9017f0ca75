"""The knowledge assets materialize for real (dg.materialize) into a temporary RN_HOME."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
import yaml
from PIL import Image

from assets.knowledge import content_catalog, kg_snapshot, population_targets, template_previews
from resources.knowledge_graph import EmbeddedGraphResource, resources_for
from resources.storage import PolarsParquetIOManager
from routenator_dagster.catalog_builder import write_catalog
from routenator_dagster.kg_files import read_seed_graph
from routenator_dagster.kg_snapshot import KGSnapshot
from routenator_dagster.targets import DEFAULT_TARGETS_PATH
from tests.kg_fixtures import NODES_CSV, write_graph

ALL = [kg_snapshot, content_catalog, template_previews, population_targets]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RN_HOME", str(tmp_path))
    return tmp_path


def _resources(home: Path, kg: EmbeddedGraphResource | None = None) -> dict:
    return {"kg": kg or EmbeddedGraphResource(), "io_manager": PolarsParquetIOManager(base_dir=str(home))}


def _events(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetMaterialization]:
    return {e.materialization.asset_key.to_user_string(): e.materialization
            for e in result.get_asset_materialization_events()}


def test_all_knowledge_assets_materialize_from_the_seed(home: Path) -> None:
    run_config = {"ops": {"content_catalog": {"config": {"n_assets": 150}},
                          "template_previews": {"config": {"limit": 3}}}}
    result = dg.materialize(ALL, resources=_resources(home), run_config=run_config)
    assert result.success
    events = _events(result)
    assert set(events) == {"kg_snapshot", "content_catalog", "template_previews", "population_targets"}

    seed = KGSnapshot(*read_seed_graph())
    snap = events["kg_snapshot"]
    assert snap.tags["dagster/data_version"] == seed.content_hash
    assert snap.metadata["content_hash"].value == seed.content_hash
    assert f"| Style | {seed.counts_by_label()['Style']} |" in snap.metadata["nodes_by_label"].value
    tables = home / "assets" / "kg_snapshot" / "data.tables"
    assert pl.read_parquet(tables / "nodes.parquet").equals(seed.nodes)
    assert pl.read_parquet(tables / "edges.parquet").equals(seed.edges)

    catalog = pl.read_parquet(home / "assets" / "content_catalog" / "data.parquet")
    assert catalog.height == 150 and events["content_catalog"].metadata["rows"].value == 150
    assert "| Template |" in events["content_catalog"].metadata["rows_by_content_type"].value

    previews = pl.read_parquet(home / "assets" / "template_previews" / "data.parquet")
    assert previews.height == 3 and set(previews["content_type"]) == {"Template"}
    for path in previews["path"]:
        assert Path(path).parent == home / "previews"
        with Image.open(path) as image:
            assert image.format == "PNG"
    assert events["template_previews"].metadata["sample_image"].value == previews["path"][0]

    targets = json.loads((home / "assets" / "population_targets" / "data.json").read_text())
    assert targets == yaml.safe_load(DEFAULT_TARGETS_PATH.read_text())
    assert "provenance" in events["population_targets"].metadata


def test_content_catalog_loads_a_user_file(home: Path) -> None:
    user = pl.DataFrame({"asset_id": ["u1", "u2"], "content_type": ["Photo", "Audio"], "title": ["Fox", "Loop"],
                         "keywords": [["fox"], ["loop"]], "gentech": [True, False]})
    path = write_catalog(user, home / "mine.jsonl")
    result = dg.materialize([content_catalog], resources=_resources(home),
                            run_config={"ops": {"content_catalog": {"config": {"path": str(path)}}}})
    assert result.success
    assert pl.read_parquet(home / "assets" / "content_catalog" / "data.parquet")["asset_id"].to_list() == ["u1", "u2"]
    assert _events(result)["content_catalog"].metadata["gentech_share"].value == 0.5


def _fails_without_materialization(result: dg.ExecuteInProcessResult, fragment: str) -> None:
    assert not result.success
    assert result.get_asset_materialization_events() == []
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert fragment in str(failure.step_failure_data.error)


def test_bad_user_catalog_fails_with_the_row_and_records_nothing(home: Path) -> None:
    path = home / "bad.jsonl"
    path.write_text('{"asset_id": "a", "content_type": "Gif", "title": "t", "keywords": [], "gentech": false}\n')
    result = dg.materialize([content_catalog], resources=_resources(home), raise_on_error=False,
                            run_config={"ops": {"content_catalog": {"config": {"path": str(path)}}}})
    _fails_without_materialization(result, "line 1: field 'content_type'")


def test_bad_graph_files_fail_kg_snapshot_and_record_nothing(home: Path) -> None:
    n, r = write_graph(home / "g", nodes=NODES_CSV.replace("style:retro,Style", "style:retro,Villain"))
    kg = EmbeddedGraphResource(nodes_path=str(n), relationships_path=str(r))
    result = dg.materialize([kg_snapshot], resources=_resources(home, kg), raise_on_error=False)
    _fails_without_materialization(result, "row 5: field 'label'")
    assert not (home / "assets" / "kg_snapshot").exists()


def test_bad_targets_file_fails(home: Path) -> None:
    raw = yaml.safe_load(DEFAULT_TARGETS_PATH.read_text())
    raw["function_split"]["shares"]["Search"] = 0.9
    path = home / "targets.yaml"
    path.write_text(yaml.safe_dump(raw))
    result = dg.materialize([population_targets], resources=_resources(home), raise_on_error=False,
                            run_config={"ops": {"population_targets": {"config": {"path": str(path)}}}})
    _fails_without_materialization(result, "function_split.shares")


def test_embedded_marker_follows_content_not_files(home: Path) -> None:
    n, r = write_graph(home / "g")
    kg = EmbeddedGraphResource(nodes_path=str(n), relationships_path=str(r))
    marker = kg.change_marker()
    # Same content, different row order and formatting: same marker.
    lines = n.read_text().splitlines()
    n.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    assert kg.change_marker() == marker
    n.write_text(n.read_text().replace("cake,,0.7", "cake,,0.71"))
    assert kg.change_marker() != marker


def test_resources_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    assert isinstance(resources_for("local")["kg"], EmbeddedGraphResource)
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:7687")
    monkeypatch.setenv("NEO4J_USER", "neo4j")
    monkeypatch.setenv("NEO4J_PASSWORD", "pw")
    prod = resources_for("production")["kg"]
    config = prod._convert_to_config_dictionary()
    assert config["uri"] == {"env": "NEO4J_URI"} and config["password"] == {"env": "NEO4J_PASSWORD"}
    assert config["user"] == {"env": "NEO4J_USER"} and not config.get("missing_env")


@pytest.mark.parametrize("missing", [["NEO4J_USER"], ["NEO4J_PASSWORD"], ["NEO4J_USER", "NEO4J_PASSWORD"]])
def test_missing_neo4j_variable_is_one_clear_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, missing: list[str]
) -> None:
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:7687")
    monkeypatch.setenv("NEO4J_USER", "neo4j")
    monkeypatch.setenv("NEO4J_PASSWORD", "pw")
    for name in missing:
        monkeypatch.delenv(name)
    kg = resources_for("production")["kg"]  # the definitions still load
    result = dg.materialize([kg_snapshot], resources={"kg": kg, "io_manager": PolarsParquetIOManager(base_dir=str(tmp_path))},
                            raise_on_error=False)
    assert not result.success
    failures = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert len(failures) == 1
    error = failures[0].step_failure_data.error
    while error.cls_name != "GraphStoreError" and error.cause is not None:  # Dagster wraps user errors
        error = error.cause
    assert error.cls_name == "GraphStoreError"
    assert "\n" not in error.message.strip() and all(name in error.message for name in missing)
    assert "is not set" in error.message or "are not set" in error.message
    assert not list(tmp_path.rglob("*.parquet"))  # nothing materialized
