"""KGSnapshot: canonical order and dtypes, a content hash that depends on content only."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from routenator_dagster.kg_files import GraphFileError, read_graph_files, read_seed_graph
from routenator_dagster.kg_snapshot import KGSnapshot, snapshot_from_tables
from routenator_dagster.schema import KG_EDGE_SCHEMA, KG_NODE_SCHEMA, NODE_LABELS, RELATIONSHIP_TYPES
from tests.kg_fixtures import write_graph, write_graph_as


@pytest.fixture(scope="module")
def seed() -> KGSnapshot:
    return KGSnapshot(*read_seed_graph())


def test_hash_ignores_row_order_and_column_order(seed: KGSnapshot) -> None:
    shuffled_nodes = seed.nodes.sample(fraction=1.0, shuffle=True, seed=3).select(list(reversed(seed.nodes.columns)))
    shuffled_edges = seed.edges.sample(fraction=1.0, shuffle=True, seed=4)
    other = snapshot_from_tables(shuffled_nodes, shuffled_edges)
    assert other.content_hash == seed.content_hash
    assert other.nodes.equals(seed.nodes) and other.edges.equals(seed.edges)
    assert seed.nodes["id"].is_sorted()
    assert dict(seed.nodes.schema) == KG_NODE_SCHEMA and dict(seed.edges.schema) == KG_EDGE_SCHEMA


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_hash_is_the_same_from_every_file_format(tmp_path: Path, suffix: str) -> None:
    nodes, edges = read_graph_files(*write_graph(tmp_path / "csv"))
    from_csv = KGSnapshot(nodes, edges)
    from_other = KGSnapshot(*read_graph_files(*write_graph_as(tmp_path / "x", nodes, edges, suffix)))
    assert from_other.content_hash == from_csv.content_hash


def test_props_key_order_does_not_change_the_hash(seed: KGSnapshot) -> None:
    a = seed.nodes.with_columns(pl.when(pl.col("id") == seed.nodes["id"][0]).then(pl.lit('{"b": 1, "a": [2]}'))
                                .otherwise(pl.col("props")).alias("props"))
    b = a.with_columns(pl.col("props").str.replace(r'^\{"b": 1, "a": \[2\]\}$', '{"a":[2],"b":1}'))
    assert a["props"][0] != b["props"][0]
    assert KGSnapshot(a, seed.edges).content_hash == KGSnapshot(b, seed.edges).content_hash


@pytest.mark.parametrize("change", ["weight", "name", "drop_edge", "edge_weight"])
def test_any_content_change_changes_the_hash(seed: KGSnapshot, change: str) -> None:
    nodes, edges = seed.nodes, seed.edges
    first = pl.col("id") == nodes["id"][10]
    if change == "weight":
        nodes = nodes.with_columns(pl.when(first).then(pl.col("weight") / 2).otherwise(pl.col("weight")).alias("weight"))
    elif change == "name":
        nodes = nodes.with_columns(pl.when(first).then(pl.lit("renamed")).otherwise(pl.col("name")).alias("name"))
    elif change == "drop_edge":
        edges = edges.slice(1)
    else:
        edges = edges.with_columns(pl.when(pl.int_range(pl.len()) == 5).then(0.123456).otherwise(pl.col("weight"))
                                   .alias("weight"))
    assert KGSnapshot(nodes, edges).content_hash != seed.content_hash


def test_counts_and_tables(seed: KGSnapshot) -> None:
    by_label = seed.counts_by_label()
    by_type = seed.counts_by_type()
    assert list(by_label) == list(NODE_LABELS) and list(by_type) == list(RELATIONSHIP_TYPES)
    assert sum(by_label.values()) == seed.nodes.height and sum(by_type.values()) == seed.edges.height
    assert by_label["Style"] == seed.nodes.filter(pl.col("label") == "Style").height
    tables = seed.to_tables()
    assert set(tables) == {"nodes", "edges"} and tables["nodes"] is seed.nodes


def test_snapshot_from_tables_validates_like_files(seed: KGSnapshot) -> None:
    bad = seed.nodes.with_columns(pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("Nope")).otherwise(pl.col("label"))
                                  .alias("label"))
    with pytest.raises(GraphFileError, match=r"<tables> nodes: row 3: field 'label': unknown label 'Nope'"):
        snapshot_from_tables(bad, seed.edges)
    with pytest.raises(GraphFileError, match="missing column"):
        snapshot_from_tables(seed.nodes.drop("label"), seed.edges)
