"""A versioned, immutable view of the knowledge graph: node and edge tables plus a content hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property

import polars as pl

from routenator_dagster.kg_files import GraphFileError, frame_records, validate_graph_records
from routenator_dagster.schema import KG_EDGE_SCHEMA, KG_NODE_SCHEMA, NODE_LABELS, RELATIONSHIP_TYPES, conform

NODE_ORDER: tuple[str, ...] = ("id",)
EDGE_ORDER: tuple[str, ...] = ("source", "type", "target")


@dataclass(frozen=True)
class KGSnapshot:
    """Nodes and edges in schema order and dtypes, sorted canonically (nodes by id, edges by
    source, type, target), so equal graphs compare and hash equal whatever their source."""

    nodes: pl.DataFrame
    edges: pl.DataFrame

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", conform(self.nodes, KG_NODE_SCHEMA).sort(list(NODE_ORDER)))
        object.__setattr__(self, "edges", conform(self.edges, KG_EDGE_SCHEMA).sort(list(EDGE_ORDER)))

    @cached_property
    def content_hash(self) -> str:
        """sha256 over a canonical serialization: one JSON array per row, rows in canonical order,
        floats as repr, props re-serialized with sorted keys."""
        h = hashlib.sha256()
        h.update(b"routenator-kg/1\nnodes\n")
        for node_id, label, name, content_type, weight, props in self.nodes.iter_rows():
            canon = json.dumps(json.loads(props or "{}"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            h.update(_line([node_id, label, name, content_type, repr(weight), canon]))
        h.update(b"edges\n")
        for source, rel_type, target, weight in self.edges.iter_rows():
            h.update(_line([source, rel_type, target, repr(weight)]))
        return h.hexdigest()

    def counts_by_label(self) -> dict[str, int]:
        counts = dict(self.nodes.group_by("label").len().iter_rows())
        return {label: int(counts.get(label, 0)) for label in NODE_LABELS}

    def counts_by_type(self) -> dict[str, int]:
        counts = dict(self.edges.group_by("type").len().iter_rows())
        return {rel: int(counts.get(rel, 0)) for rel in RELATIONSHIP_TYPES}

    def to_tables(self) -> dict[str, pl.DataFrame]:
        return {"nodes": self.nodes, "edges": self.edges}


def _line(values: list[object]) -> bytes:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def snapshot_from_tables(nodes: pl.DataFrame, edges: pl.DataFrame, source: str = "<tables>") -> KGSnapshot:
    """Validate node/edge frames exactly as files are validated and wrap them in a snapshot."""
    missing = [c for c in ("id", "label", "name") if c not in nodes.columns]
    missing_e = [c for c in ("source", "type", "target") if c not in edges.columns]
    if missing or missing_e:
        raise GraphFileError(f"{source}: missing column(s) nodes={missing} edges={missing_e}")
    n, e = validate_graph_records(frame_records(nodes), frame_records(edges), f"{source} nodes", f"{source} edges")
    return KGSnapshot(n, e)
