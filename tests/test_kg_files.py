"""Reading and validating graph files: formats, the shipped seed, and every kind of bad input."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from routenator_dagster.kg_files import SEED_NODES, SEED_RELATIONSHIPS, GraphFileError, read_graph_files, read_seed_graph
from routenator_dagster.schema import KG_EDGE_SCHEMA, KG_NODE_SCHEMA
from tests.kg_fixtures import NODES_CSV, RELS_CSV, write_graph, write_graph_as


def test_seed_graph_reads_with_counts_matching_the_csv() -> None:
    nodes, edges = read_seed_graph()
    with SEED_NODES.open(encoding="utf-8", newline="") as fh:
        expected_labels = Counter(row["label"] for row in csv.DictReader(fh))
    with SEED_RELATIONSHIPS.open(encoding="utf-8", newline="") as fh:
        expected_edges = sum(1 for _ in csv.DictReader(fh))
    assert dict(nodes.group_by("label").len().iter_rows()) == dict(expected_labels)
    assert edges.height == expected_edges
    assert dict(nodes.schema) == KG_NODE_SCHEMA and dict(edges.schema) == KG_EDGE_SCHEMA
    assert nodes["weight"].min() > 0 and edges["weight"].max() <= 1
    # Only DesignType nodes carry a content type.
    assert set(nodes.filter(nodes["content_type"].is_not_null())["label"].unique()) == {"DesignType"}


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_jsonl_and_parquet_read_the_same_graph_as_csv(tmp_path: Path, suffix: str) -> None:
    nodes, edges = read_graph_files(*write_graph(tmp_path / "csv"))
    again = read_graph_files(*write_graph_as(tmp_path / "other", nodes, edges, suffix))
    assert again[0].equals(nodes) and again[1].equals(edges)
    assert nodes.filter(nodes["id"] == "intent:bday")["props"][0] == '{"aliases":["bday"]}'
    assert nodes.filter(nodes["id"] == "intent:bday")["content_type"][0] is None


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# (what is broken, nodes text, relationships text, file named, expected fragments of the message)
NODE_CASES = [
    ("unknown label", _replace(NODES_CSV, "style:retro,Style", "style:retro,Villain"), "nodes.csv",
     ["row 5", "field 'label'", "'Villain'"]),
    ("missing id", _replace(NODES_CSV, "action:melt,", ","), "nodes.csv", ["row 4", "field 'id'", "missing"]),
    ("duplicate id", NODES_CSV + "object:cake,SceneObject,another cake,,0.5,{}\n", "nodes.csv",
     ["row 8", "field 'id'", "duplicate", "'object:cake'", "first at row 3"]),
    ("weight not a number", _replace(NODES_CSV, "cake,,0.7", "cake,,heavy"), "nodes.csv",
     ["row 3", "field 'weight'", "'heavy'"]),
    ("weight zero", _replace(NODES_CSV, "cake,,0.7", "cake,,0"), "nodes.csv", ["row 3", "field 'weight'", "(0, 1]"]),
    ("weight above one", _replace(NODES_CSV, "cake,,0.7", "cake,,1.5"), "nodes.csv", ["row 3", "field 'weight'"]),
    ("weight nan", _replace(NODES_CSV, "cake,,0.7", "cake,,nan"), "nodes.csv", ["row 3", "field 'weight'"]),
    ("props a list", _replace(NODES_CSV, "cake,,0.7,{}", 'cake,,0.7,"[1, 2]"'), "nodes.csv",
     ["row 3", "field 'props'", "not a JSON object"]),
    ("props broken json", _replace(NODES_CSV, "cake,,0.7,{}", "cake,,0.7,{oops"), "nodes.csv",
     ["row 3", "field 'props'"]),
    ("content type unknown", _replace(NODES_CSV, "flyer,Template", "flyer,Poster"), "nodes.csv",
     ["row 2", "field 'content_type'", "'Poster'"]),
    ("more cells than header", NODES_CSV + "x:y,Style,y,,0.5,{},extra\n", "nodes.csv", ["row 8", "more cells"]),
]
REL_CASES = [
    ("relationship to a missing node", _replace(RELS_CSV, "FEATURES,object:cake", "FEATURES,object:ghost"),
     "relationships.csv", ["row 2", "field 'target'", "'object:ghost'"]),
    ("relationship from a missing node", _replace(RELS_CSV, "object:cake,PERFORMS", "object:nope,PERFORMS"),
     "relationships.csv", ["row 3", "field 'source'", "'object:nope'"]),
    ("unknown relationship type", _replace(RELS_CSV, "HAS_STYLE", "LIKES"), "relationships.csv",
     ["row 4", "field 'type'", "'LIKES'"]),
    ("wrong endpoint labels", _replace(RELS_CSV, "intent:bday,FEATURES,object:cake", "style:retro,FEATURES,object:cake"),
     "relationships.csv", ["row 2", "field 'type'", "UserIntent -> SceneObject", "'style:retro' is Style"]),
    ("relationship weight", _replace(RELS_CSV, "audience:kids,1", "audience:kids,-0.2"), "relationships.csv",
     ["row 6", "field 'weight'"]),
    ("duplicate relationship", RELS_CSV + "intent:bday,HAS_COLOR,color:red,0.5\n", "relationships.csv",
     ["row 8", "duplicate relationship", "first at row 5"]),
]


@pytest.mark.parametrize("case", NODE_CASES + REL_CASES, ids=[c[0] for c in NODE_CASES + REL_CASES])
def test_bad_graph_files_name_file_row_and_field(tmp_path: Path, case: tuple) -> None:
    _, text, file_name, fragments = case
    if file_name == "nodes.csv":
        paths = write_graph(tmp_path, nodes=text)
    else:
        paths = write_graph(tmp_path, rels=text)
    with pytest.raises(GraphFileError) as info:
        read_graph_files(*paths)
    message = str(info.value)
    assert str(tmp_path / file_name) in message
    for fragment in fragments:
        assert fragment in message


def test_jsonl_errors_name_the_line(tmp_path: Path) -> None:
    nodes, edges = read_graph_files(*write_graph(tmp_path / "csv"))
    n, r = write_graph_as(tmp_path / "j", nodes, edges, ".jsonl")
    lines = n.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace('"label": "SceneObject"', '"label": "Ghost"')
    lines.insert(4, "")  # blank lines are skipped but still counted
    n.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(GraphFileError, match=r"nodes\.jsonl: line 3: field 'label': unknown label 'Ghost'"):
        read_graph_files(n, r)
    n.write_text("\n".join(lines[:5]) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(GraphFileError, match=r"nodes\.jsonl: line 6: not valid JSON"):
        read_graph_files(n, r)


def test_non_utf8_names_the_byte_offset_and_line(tmp_path: Path) -> None:
    n, r = write_graph(tmp_path)
    data = NODES_CSV.encode("utf-8")
    at = data.index(b"melting")
    n.write_bytes(data[:at] + b"\xff" + data[at:])
    with pytest.raises(GraphFileError) as info:
        read_graph_files(n, r)
    assert f"byte offset {at} (line 5)" in str(info.value) and "nodes.csv" in str(info.value)


@pytest.mark.parametrize("content", [b"", b"  \n", b"source,type,target,weight\n"])
def test_empty_files_are_rejected(tmp_path: Path, content: bytes) -> None:
    n, r = write_graph(tmp_path)
    r.write_bytes(content)
    with pytest.raises(GraphFileError, match=r"relationships\.csv: empty file"):
        read_graph_files(n, r)


def test_missing_file_and_unknown_extension(tmp_path: Path) -> None:
    n, r = write_graph(tmp_path)
    with pytest.raises(GraphFileError, match="file not found"):
        read_graph_files(tmp_path / "absent.csv", r)
    odd = tmp_path / "nodes.xlsx"
    odd.write_bytes(b"x")
    with pytest.raises(GraphFileError, match=r"nodes\.xlsx: unsupported file type '\.xlsx'"):
        read_graph_files(odd, r)


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    bad = _replace(_replace(NODES_CSV, "style:retro,Style", "style:retro,Villain"), "cake,,0.7", "cake,,2")
    with pytest.raises(GraphFileError) as info:
        read_graph_files(*write_graph(tmp_path, nodes=bad))
    message = str(info.value)
    assert "field 'label'" in message and "field 'weight'" in message
    assert message.startswith("2 problem(s)")
