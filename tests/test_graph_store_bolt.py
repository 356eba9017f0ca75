"""The knowledge graph through a real Bolt server (FalkorDB, see tests/bolt_server.py): the same
load/read code production runs against Neo4j."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import neo4j
import polars as pl
import pytest

from resources.knowledge_graph import Neo4jGraphResource
from routenator_dagster import graph_store
from routenator_dagster.cli import main as cli_main
from routenator_dagster.kg_files import GraphFileError, read_seed_graph
from routenator_dagster.kg_snapshot import KGSnapshot
from tests.bolt_server import RESOURCE_KWARGS, BoltServer, running_bolt_server
from tests.kg_fixtures import write_graph

SECRET = "s3cret-pw-do-not-print"


@pytest.fixture(scope="module")
def bolt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoltServer]:
    with running_bolt_server(str(tmp_path_factory.mktemp("falkordb"))) as server:
        yield server


@pytest.fixture
def clean(bolt: BoltServer) -> BoltServer:
    bolt.clear()
    return bolt


def _resource(server: BoltServer, **kw: object) -> Neo4jGraphResource:
    return Neo4jGraphResource(uri=server.uri, page_size=500, **{**RESOURCE_KWARGS, **kw})


def _count(server: BoltServer) -> int:
    with neo4j.GraphDatabase.driver(server.uri, auth=None) as driver:
        return driver.execute_query("MATCH (n) RETURN count(n) AS c").records[0]["c"]


def test_seed_graph_round_trips_idempotently_and_moves_the_marker_only_on_change(clean: BoltServer) -> None:
    kg = _resource(clean)
    nodes, edges = read_seed_graph()
    embedded = KGSnapshot(nodes, edges)
    empty_marker = kg.change_marker()

    first = kg.load(nodes, edges)
    assert first["nodes_in_store"] == nodes.height and first["relationships_in_store"] == edges.height
    assert first["content_hash"] == embedded.content_hash
    stored = kg.read_snapshot()
    assert stored.content_hash == embedded.content_hash
    assert stored.nodes.equals(embedded.nodes) and stored.edges.equals(embedded.edges)
    marker = kg.change_marker()
    assert marker != empty_marker and embedded.content_hash[:16] in marker

    second = kg.load(nodes, edges)  # same graph again: nothing changes
    assert {k: second[k] for k in ("nodes_in_store", "relationships_in_store", "content_hash", "marker_version")} == {
        k: first[k] for k in ("nodes_in_store", "relationships_in_store", "content_hash", "marker_version")}
    assert kg.change_marker() == marker

    changed = nodes.with_columns(
        pl.when(pl.col("id") == nodes["id"][0]).then(0.001).otherwise(pl.col("weight")).alias("weight"))
    third = kg.load(changed, edges)
    assert third["marker_version"] == first["marker_version"] + 1
    assert third["nodes_in_store"] == nodes.height  # MERGE updated the node, did not add one
    new_marker = kg.change_marker()
    assert new_marker != marker
    assert kg.read_snapshot().content_hash == KGSnapshot(changed, edges).content_hash
    assert kg.change_marker() == new_marker  # asking again does not move it


def test_invalid_graph_is_rejected_before_any_write(clean: BoltServer, tmp_path: Path) -> None:
    nodes, edges = read_seed_graph()
    broken = pl.concat([edges, pl.DataFrame({"source": ["intent:nope"], "type": ["FEATURES"],
                                             "target": [edges["target"][0]], "weight": [0.5]})])
    with pytest.raises(GraphFileError, match=r"row \d+: field 'source': no node with id 'intent:nope'"):
        _resource(clean).load(nodes, broken)
    assert _count(clean) == 0


def test_quotes_braces_and_cypher_in_values_are_stored_as_data(clean: BoltServer) -> None:
    nodes, edges = read_seed_graph()
    odd_names = ["Robert'); MATCH (n) DETACH DELETE n //", 'say "cheese" {$rows} \\ back', "}]->(x) RETURN 1"]
    odd = nodes.head(3).with_columns(pl.Series("name", odd_names),
                                     pl.Series("props", ['{"note": "it\'s \\"quoted\\""}', "{}", "{}"]))
    small = KGSnapshot(odd, edges.filter(pl.lit(False)))
    kg = _resource(clean)
    kg.load(small.nodes, small.edges)
    back = kg.read_snapshot()
    assert back.nodes["name"].to_list() == small.nodes["name"].to_list()
    assert back.content_hash == small.content_hash


def test_cli_loads_files_and_prints_the_hash(clean: BoltServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    n, r = write_graph(tmp_path)
    args = ["load-graph", "--nodes", str(n), "--relationships", str(r), "--uri", clean.uri, "--user", "",
            "--dialect", "falkordb", "--batch-size", "3"]
    assert cli_main(args) == 0
    out = capsys.readouterr().out
    expected = _resource(clean).read_snapshot().content_hash
    assert f"content hash: {expected}" in out and "loaded 7 nodes and 7 relationships" in out
    assert cli_main(args) == 0
    assert "change marker version: 1" in capsys.readouterr().out  # reloading the same files changes nothing


def test_neo4j_only_schema_step_fails_clearly_on_falkordb(clean: BoltServer) -> None:
    with _resource(clean).driver() as driver, pytest.raises(graph_store.GraphStoreError, match="CREATE CONSTRAINT"):
        graph_store.ensure_schema(driver)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_server_down_is_a_clear_error_within_the_connect_timeout() -> None:
    kg = Neo4jGraphResource(uri=f"bolt://127.0.0.1:{_free_port()}", user="neo4j", password=SECRET)
    with pytest.raises(graph_store.GraphStoreError) as info:
        kg.read_snapshot()
    # The bound that ended the wait is the configured one, named in the error (no wall clock here).
    assert "not reachable within 4 s" in str(info.value) and SECRET not in str(info.value)


def test_server_that_never_answers_times_out_at_the_connect_timeout() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])  # accept, then never say a word
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        kg = Neo4jGraphResource(uri=f"bolt://127.0.0.1:{listener.getsockname()[1]}", password=SECRET,
                                connect_timeout_s=2)
        with pytest.raises(graph_store.GraphStoreError, match="not reachable within 2 s") as info:
            kg.change_marker()
        assert SECRET not in str(info.value)
    finally:
        stop.set()
        thread.join()
        for s in held + [listener]:
            s.close()


def test_refused_credentials_are_a_clear_error_without_the_password(bolt: BoltServer) -> None:
    # FalkorDB's Bolt server rejects any non-empty credentials during HELLO (it does not check
    # them: that is not Neo4j's AuthError path, but it is a real server refusing a login).
    kg = Neo4jGraphResource(uri=bolt.uri, user="reader", password=SECRET, connect_timeout_s=3)
    with pytest.raises(graph_store.GraphStoreError) as info:
        kg.read_snapshot()
    message = str(info.value)
    assert "rejected the connection for user 'reader'" in message and SECRET not in message


def test_materialize_against_a_down_server_fails_and_records_nothing(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from assets.knowledge import kg_snapshot
    from resources.storage import PolarsParquetIOManager

    monkeypatch.setenv("RN_HOME", str(tmp_path))
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [kg_snapshot],
        resources={"kg": Neo4jGraphResource(uri=f"bolt://127.0.0.1:{_free_port()}", password=SECRET),
                   "io_manager": PolarsParquetIOManager(base_dir=str(tmp_path))},
        instance=instance,
        raise_on_error=False,
    )
    assert not result.success
    assert result.get_asset_materialization_events() == []
    assert instance.get_latest_materialization_event(dg.AssetKey("kg_snapshot")) is None
    assert not (tmp_path / "assets" / "kg_snapshot").exists()
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "not reachable" in str(failure.step_failure_data.error) and SECRET not in str(failure.step_failure_data.error)


def test_materialize_from_the_bolt_server(clean: BoltServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assets.knowledge import kg_snapshot
    from resources.storage import PolarsParquetIOManager

    monkeypatch.setenv("RN_HOME", str(tmp_path))
    n, r = write_graph(tmp_path / "graph")
    kg = _resource(clean)
    from routenator_dagster.kg_files import read_graph_files

    loaded = kg.load(*read_graph_files(n, r))
    result = dg.materialize([kg_snapshot], resources={"kg": kg, "io_manager": PolarsParquetIOManager(base_dir=str(tmp_path))})
    assert result.success
    event = result.get_asset_materialization_events()[0].materialization
    assert event.tags["dagster/data_version"] == loaded["content_hash"]
    assert "neo4j: bolt://127.0.0.1" in event.metadata["source"].value
    assert pl.read_parquet(tmp_path / "assets" / "kg_snapshot" / "data.tables" / "nodes.parquet").height == 7


def test_bad_data_in_the_store_is_named_by_node_id_and_foreign_nodes_are_ignored(clean: BoltServer, tmp_path: Path) -> None:
    from routenator_dagster.kg_files import read_graph_files

    kg = _resource(clean)
    kg.load(*read_graph_files(*write_graph(tmp_path)))
    before = kg.read_snapshot().content_hash
    with neo4j.GraphDatabase.driver(clean.uri, auth=None) as driver:
        driver.execute_query("CREATE (:Unrelated {id: $id, name: $name})", id="other:1", name="not ours")
    assert kg.read_snapshot().content_hash == before  # labels outside the schema are not our graph
    with neo4j.GraphDatabase.driver(clean.uri, auth=None) as driver:
        driver.execute_query("MATCH (n:Style {id: $id}) SET n.weight = $w", id="style:retro", w=7.5)
    with pytest.raises(graph_store.GraphStoreError, match=r"node id='style:retro': field 'weight': 7\.5"):
        kg.read_snapshot()


def test_cli_reports_bad_files_and_a_down_server_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_PASSWORD", SECRET)
    n, r = write_graph(tmp_path)
    down = ["--uri", f"bolt://127.0.0.1:{_free_port()}", "--timeout", "2"]
    assert cli_main(["load-graph", "--nodes", str(n), "--relationships", str(r), *down]) == 1
    err = capsys.readouterr().err
    assert "not reachable within 2 s" in err and SECRET not in err
    r.write_text(r.read_text().replace("HAS_STYLE", "LOVES"))
    assert cli_main(["load-graph", "--nodes", str(n), "--relationships", str(r), *down]) == 1
    assert "relationships.csv: row 4: field 'type'" in capsys.readouterr().err
