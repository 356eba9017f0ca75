"""Read and validate knowledge-graph files (nodes + relationships) in CSV, JSON Lines or Parquet.

Everything is checked before anything is returned: a bad file raises one `GraphFileError` whose
message names the file, the row (1-based data row, or the line for JSON Lines) and the field.
Every field is bounded in size (`max_field_chars`), so an oversized cell is an error here rather
than a crash in the CSV parser or a megabyte of text passed on downstream.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
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
# The largest field (a cell, a JSON value or key) any input file may hold, in characters.
DEFAULT_MAX_FIELD_CHARS = 10_000
MAX_FIELD_ENV = "RN_MAX_FIELD_CHARS"
NODE_COLUMNS: tuple[str, ...] = tuple(KG_NODE_SCHEMA)
EDGE_COLUMNS: tuple[str, ...] = tuple(KG_EDGE_SCHEMA)
NODE_REQUIRED: tuple[str, ...] = ("id", "label", "name", "weight")
EDGE_REQUIRED: tuple[str, ...] = ("source", "type", "target", "weight")


class GraphFileError(ValueError):
    """A graph file (or table) is unreadable or invalid; the message says where and why."""


# A record is (where, fields): `where` is "row 3" or "line 7", ready for an error message.
Record = tuple[str, dict[str, Any]]


def max_field_chars(value: int | None = None) -> int:
    """The per-field size limit: ``value``, else ``$RN_MAX_FIELD_CHARS``, else 10,000 characters."""
    if value is None:
        raw = os.environ.get(MAX_FIELD_ENV, "").strip()
        if not raw:
            return DEFAULT_MAX_FIELD_CHARS
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"{MAX_FIELD_ENV} must be a whole number of characters, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"the field size limit must be >= 1 character, got {value}")
    return value


def field_size(value: Any) -> int:
    """Characters a value takes: a string's length, a list's or mapping's JSON text; 0 otherwise."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple, dict)):
        return len(json.dumps(value, ensure_ascii=False, default=str))
    return 0


def check_field_sizes(records: Iterable[Record], source: str, error: type[Exception], limit: int) -> None:
    """Raise ``error`` naming file, row and field for every field (or key) over ``limit`` characters."""
    errs = _Errors()
    for where, rec in records:
        for key, value in rec.items():
            name = str(key)
            if len(name) > limit:
                errs.add(f"{source}: {where}: a field name of {len(name):,} characters is over the limit of "
                         f"{limit:,} ({MAX_FIELD_ENV}): {name[:40]!r}...")
                continue
            size = field_size(value)
            if size > limit:
                errs.add(f"{source}: {where}: field '{name}': {size:,} characters, over the limit of {limit:,} "
                         f"({MAX_FIELD_ENV})")
    errs.raise_if_any(error, "in the file")


def check_columns(
    records: Sequence[Record],
    source: str,
    error: type[Exception],
    allowed: Sequence[str],
    required: Sequence[str],
    tabular: bool,
    hint: str = "",
) -> None:
    """Unknown fields are an error (a typo would otherwise drop data silently). For CSV/Parquet
    (``tabular``) the header is checked once; for JSON Lines every line, and missing required
    keys there are left to the field checks, which name the line."""
    if tabular:
        columns = list(records[0][1]) if records else []
        missing = [c for c in required if c not in columns]
        unknown = [c for c in columns if c not in allowed]
        if missing:
            raise error(f"{source}: missing required column(s) {missing}; the header has {columns}")
        if unknown:
            raise error(f"{source}: unknown column(s) {unknown}; allowed: {list(allowed)}{hint}")
        return
    errs = _Errors()
    for where, rec in records:
        unknown = [k for k in rec if k not in allowed]
        if unknown:
            errs.add(f"{source}: {where}: unknown field(s) {unknown}; allowed: {list(allowed)}{hint}")
    errs.raise_if_any(error, "in the file")


def decode_utf8(data: bytes, source: str, error: type[Exception]) -> str:
    """Decode strictly; a bad byte is reported with its offset and line."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(
            f"{source}: not UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start} (line {line})"
        ) from None


def read_records(path: Path, error: type[Exception], max_chars: int | None = None) -> list[Record]:
    """Rows of a CSV / JSON Lines / Parquet file as dicts, each with its position for messages.
    Any field over ``max_chars`` (default `max_field_chars()`) is an error naming row and field."""
    limit = max_field_chars(max_chars)
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
    elif suffix == ".csv":
        text = decode_utf8(data, str(path), error)
        # The whole file is in memory already, so letting the parser take a field as long as the
        # file costs nothing more; our own limit below then names the row and the field.
        with _csv_field_limit(len(text) + 1):
            records = list(_csv_records(text, path, error))
    else:
        records = list(_jsonl_records(decode_utf8(data, str(path), error), path, error))
    if not records:
        raise error(f"{path}: empty file (no data rows)")
    check_field_sizes(records, str(path), error, limit)
    return records


def is_tabular(path: Path) -> bool:
    """CSV and Parquet have one header for all rows; JSON Lines has keys per line."""
    return path.suffix.lower() in (".csv", ".parquet")


_CSV_LIMIT_LOCK = threading.Lock()


@contextmanager
def _csv_field_limit(chars: int) -> Iterator[None]:
    # csv.field_size_limit is process-wide: raise it only while we parse, never lower it.
    with _CSV_LIMIT_LOCK:
        old = csv.field_size_limit()
        csv.field_size_limit(max(old, chars))
        try:
            yield
        finally:
            csv.field_size_limit(old)


def _csv_records(text: str, path: Path, error: type[Exception]) -> Iterator[Record]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        if reader.fieldnames is None:
            raise error(f"{path}: empty file")
        header = [name.strip() for name in reader.fieldnames]
        if any(not name for name in header):
            raise error(f"{path}: the header has an empty column name: {header}")
        if len(set(header)) != len(header):
            raise error(f"{path}: the header repeats a column: {header}")
        for i, row in enumerate(reader):
            if None in row:  # more cells than header names
                raise error(f"{path}: row {i + 1} (line {reader.line_num}): more cells than columns in the header")
            # Empty CSV cells mean "no value", as a missing key would in JSON Lines.
            yield f"row {i + 1}", {k.strip(): (v if v != "" else None) for k, v in row.items()}
    except csv.Error as exc:
        raise error(f"{path}: line {reader.line_num}: not readable as CSV ({exc})") from None


def _jsonl_records(text: str, path: Path, error: type[Exception]) -> Iterator[Record]:
    # split on "\n" only: splitlines() would also cut at U+2028 and friends inside a JSON string
    for n, line in enumerate(text.split("\n"), start=1):
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

    def raise_if_any(self, error: type[Exception], what: str = "in the graph files") -> None:
        if not self.items:
            return
        shown = self.items[:_MAX_REPORTED]
        more = len(self.items) - len(shown)
        tail = f"\n... and {more} more problem(s)" if more else ""
        head = f"{len(self.items)} problem(s) {what}:\n" if len(self.items) > 1 else ""
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


def read_graph_files(
    nodes_path: str | Path, relationships_path: str | Path, max_chars: int | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Nodes and relationships from files (by extension), validated; raises `GraphFileError`.
    ``max_chars`` bounds every field (default `max_field_chars()`)."""
    nodes_path, relationships_path = Path(nodes_path), Path(relationships_path)
    node_records = read_records(nodes_path, GraphFileError, max_chars)
    check_columns(node_records, str(nodes_path), GraphFileError, NODE_COLUMNS, NODE_REQUIRED,
                  tabular=is_tabular(nodes_path), hint="; put other attributes in 'props'")
    edge_records = read_records(relationships_path, GraphFileError, max_chars)
    check_columns(edge_records, str(relationships_path), GraphFileError, EDGE_COLUMNS, EDGE_REQUIRED,
                  tabular=is_tabular(relationships_path))
    return validate_graph_records(node_records, edge_records, str(nodes_path), str(relationships_path))


def read_seed_graph() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The shipped seed graph, validated."""
    return read_graph_files(SEED_NODES, SEED_RELATIONSHIPS)
