"""Read and validate knowledge-graph files (nodes + relationships) in CSV, JSON Lines or Parquet.

Everything is checked before anything is returned: a bad file raises one `GraphFileError` whose
message names the file, the row (1-based data row, or the line for JSON Lines) and the field.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from routenator_dagster.labels import CATALOG_CONTENT_TYPES
from routenator_dagster.paths import SEED_DIR
from routenator_dagster.schema import KG_EDGE_SCHEMA, KG_NODE_SCHEMA, NODE_LABELS, RELATIONSHIP_TYPES

SEED_NODES: Path = SEED_DIR / "kg" / "nodes.csv"
SEED_RELATIONSHIPS: Path = SEED_DIR / "kg" / "relationships.csv"

SUFFIXES: tuple[str, ...] = (".csv", ".jsonl", ".ndjson", ".parquet")
_MAX_REPORTED = 20  # errors listed in one message; the rest are counted


class GraphFileError(ValueError):
    """A graph file (or table) is unreadable or invalid; the message says where and why."""


# A record is (where, fields): `where` is "row 3" or "line 7", ready for an error message.
Record = tuple[str, dict[str, Any]]


def decode_utf8(data: bytes, source: str, error: type[Exception]) -> str:
    """Decode strictly; a bad byte is reported with its offset and line."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(
            f"{source}: not UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start} (line {line})"
        ) from None


def read_records(path: Path, error: type[Exception]) -> list[Record]:
    """Rows of a CSV / JSON Lines / Parquet file as dicts, each with its position for messages."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise error(f"{path}: unsupported file type {suffix or '(none)'!r}; use one of {list(SUFFIXES)}")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from None
    if not data.strip():
        raise error(f"{path}: empty file")
    if suffix == ".parquet":
        try:
            frame = pl.read_parquet(io.BytesIO(data))
        except Exception as exc:  # polars raises several types for a corrupt file
            raise error(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None
        records = [(f"row {i + 1}", row) for i, row in enumerate(frame.iter_rows(named=True))]
    else:
        text = decode_utf8(data, str(path), error)
        records = list(_jsonl_records(text, path, error) if suffix != ".csv" else _csv_records(text, path, error))
    if not records:
        raise error(f"{path}: empty file (no data rows)")
    return records


def _csv_records(text: str, path: Path, error: type[Exception]) -> Iterator[Record]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    if reader.fieldnames is None:
        raise error(f"{path}: empty file")
    for i, row in enumerate(reader):
        if None in row:  # more cells than header names
            raise error(f"{path}: row {i + 1} (line {reader.line_num}): more cells than columns in the header")
        # Empty CSV cells mean "no value", as a missing key would in JSON Lines.
        yield f"row {i + 1}", {k: (v if v != "" else None) for k, v in row.items()}


def _jsonl_records(text: str, path: Path, error: type[Exception]) -> Iterator[Record]:
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{path}: line {n}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(obj, dict):
            raise error(f"{path}: line {n}: expected a JSON object, got {type(obj).__name__}")
        yield f"line {n}", obj


def frame_records(frame: pl.DataFrame) -> list[Record]:
    return [(f"row {i + 1}", row) for i, row in enumerate(frame.iter_rows(named=True))]


def _weight(value: Any) -> float | None:
    """A weight in (0, 1], or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, (int, float)) or not math.isfinite(value) or not 0 < value <= 1:
        return None
    return float(value)


def canonical_props(value: Any) -> str | None:
    """Props as canonical JSON (sorted keys), or None when not a JSON object."""
    if value is None:
        return "{}"
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    if not isinstance(value, dict):
        return None
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


class _Errors:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(message)

    def raise_if_any(self, error: type[Exception]) -> None:
        if not self.items:
            return
        shown = self.items[:_MAX_REPORTED]
        more = len(self.items) - len(shown)
        tail = f"\n... and {more} more problem(s)" if more else ""
        head = f"{len(self.items)} problem(s) in the graph files:\n" if len(self.items) > 1 else ""
        raise error(head + "\n".join(shown) + tail)


def validate_graph_records(
    node_records: Iterable[Record],
    edge_records: Iterable[Record],
    nodes_source: str,
    edges_source: str,
    error: type[Exception] = GraphFileError,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Check every node and relationship; return typed frames (schema order) or raise `error`."""
    errs = _Errors()
    nodes: list[dict[str, Any]] = []
    first_seen: dict[str, str] = {}
    label_of: dict[str, str] = {}
    for where, rec in node_records:
        at = f"{nodes_source}: {where}"
        node_id = _text(rec.get("id"))
        if node_id is None:
            errs.add(f"{at}: field 'id': missing or empty")
            continue
        if node_id in first_seen:
            errs.add(f"{at}: field 'id': duplicate id {node_id!r} (first at {first_seen[node_id]})")
            continue
        first_seen[node_id] = where
        ok = True
        label = rec.get("label")
        if label not in NODE_LABELS:
            errs.add(f"{at}: field 'label': unknown label {label!r}; expected one of {list(NODE_LABELS)}")
            ok = False
        name = _text(rec.get("name"))
        if name is None:
            errs.add(f"{at}: field 'name': missing or empty")
            ok = False
        content_type = rec.get("content_type")
        if content_type is not None and content_type not in CATALOG_CONTENT_TYPES:
            errs.add(f"{at}: field 'content_type': {content_type!r} is not one of {list(CATALOG_CONTENT_TYPES)}")
            ok = False
        weight = _weight(rec.get("weight"))
        if weight is None:
            errs.add(f"{at}: field 'weight': {rec.get('weight')!r} is not a number in (0, 1]")
            ok = False
        props = canonical_props(rec.get("props"))
        if props is None:
            errs.add(f"{at}: field 'props': {rec.get('props')!r} is not a JSON object")
            ok = False
        if ok:
            label_of[node_id] = str(label)
            nodes.append({"id": node_id, "label": label, "name": name, "content_type": content_type,
                          "weight": weight, "props": props})

    edges: list[dict[str, Any]] = []
    edge_seen: dict[tuple[str, str, str], str] = {}
    for where, rec in edge_records:
        at = f"{edges_source}: {where}"
        source, rel_type, target = _text(rec.get("source")), rec.get("type"), _text(rec.get("target"))
        ok = True
        for field, value in (("source", source), ("target", target)):
            if value is None:
                errs.add(f"{at}: field '{field}': missing or empty")
                ok = False
            elif value not in first_seen:
                errs.add(f"{at}: field '{field}': no node with id {value!r} in {nodes_source}")
                ok = False
        if rel_type not in RELATIONSHIP_TYPES:
            errs.add(f"{at}: field 'type': unknown relationship type {rel_type!r}; "
                     f"expected one of {list(RELATIONSHIP_TYPES)}")
            ok = False
        elif ok and source in label_of and target in label_of:
            want = RELATIONSHIP_TYPES[rel_type]
            got = (label_of[source], label_of[target])
            if got != want:
                errs.add(f"{at}: field 'type': {rel_type} must go {want[0]} -> {want[1]}, "
                         f"but {source!r} is {got[0]} and {target!r} is {got[1]}")
                ok = False
        weight = _weight(rec.get("weight"))
        if weight is None:
            errs.add(f"{at}: field 'weight': {rec.get('weight')!r} is not a number in (0, 1]")
            ok = False
        if ok:
            key = (str(source), str(rel_type), str(target))
            if key in edge_seen:
                errs.add(f"{at}: duplicate relationship {source} -[{rel_type}]-> {target} "
                         f"(first at {edge_seen[key]})")
                continue
            edge_seen[key] = where
            edges.append({"source": source, "type": rel_type, "target": target, "weight": weight})

    if not first_seen and not errs.items:
        errs.add(f"{nodes_source}: no nodes")
    errs.raise_if_any(error)
    return pl.DataFrame(nodes, schema=KG_NODE_SCHEMA), pl.DataFrame(edges, schema=KG_EDGE_SCHEMA)


def read_graph_files(nodes_path: str | Path, relationships_path: str | Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Nodes and relationships from files (by extension), validated; raises `GraphFileError`."""
    nodes_path, relationships_path = Path(nodes_path), Path(relationships_path)
    node_records = read_records(nodes_path, GraphFileError)
    edge_records = read_records(relationships_path, GraphFileError)
    return validate_graph_records(node_records, edge_records, str(nodes_path), str(relationships_path))


def read_seed_graph() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The shipped seed graph, validated."""
    return read_graph_files(SEED_NODES, SEED_RELATIONSHIPS)
