"""The "kg" resource: where the knowledge graph comes from.

- `EmbeddedGraphResource` (local default): node/relationship files read in-process, the shipped
  seed unless paths are given. No server.
- `Neo4jGraphResource` (production): Neo4j over Bolt; URI, user and password from `EnvVar`s.

Both answer `read_snapshot()` and `change_marker()`; `describe()` says where the graph comes from
(never with a secret).
"""

from __future__ import annotations

import abc

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg
import neo4j
import polars as pl
from pydantic import Field

from routenator_dagster import graph_store
from routenator_dagster.kg_files import SEED_NODES, SEED_RELATIONSHIPS, read_graph_files
from routenator_dagster.kg_snapshot import KGSnapshot


class KnowledgeGraphResource(dg.ConfigurableResource, abc.ABC):
    """What every graph source offers the assets and the change sensor."""

    @abc.abstractmethod
    def read_snapshot(self) -> KGSnapshot: ...

    @abc.abstractmethod
    def change_marker(self) -> str: ...

    @abc.abstractmethod
    def describe(self) -> str: ...


class EmbeddedGraphResource(KnowledgeGraphResource):
    """The graph from local files (CSV, JSON Lines or Parquet); the shipped seed by default."""

    nodes_path: str | None = Field(default=None, description="nodes file; default: the shipped seed")
    relationships_path: str | None = Field(default=None, description="relationships file; default: the shipped seed")

    def _paths(self) -> tuple[str, str]:
        return (self.nodes_path or str(SEED_NODES), self.relationships_path or str(SEED_RELATIONSHIPS))

    def read_snapshot(self) -> KGSnapshot:
        nodes, edges = read_graph_files(*self._paths())
        return KGSnapshot(nodes, edges)

    def change_marker(self) -> str:
        # The content hash: it moves exactly when the graph's content moves (not on a touch).
        return f"embedded:{self.read_snapshot().content_hash}"

    def describe(self) -> str:
        nodes, rels = self._paths()
        return f"embedded files: {nodes} + {rels}"


class Neo4jGraphResource(KnowledgeGraphResource):
    """Neo4j over Bolt. Down or refusing credentials gives a clear error within ~connect_timeout_s."""

    uri: str = Field(description="bolt:// or neo4j:// URI")
    user: str | None = Field(default="neo4j", description="user; empty for a server without auth")
    password: str | None = Field(default=None, description="password (from an EnvVar)")
    database: str | None = Field(default=None, description="database name; server default when unset")
    batch_size: int = Field(default=500, description="rows per write when loading")
    page_size: int = Field(default=1000, description="rows per read page")
    connect_timeout_s: float = Field(default=5.0, description="connection and handshake timeout")
    dialect: str = Field(default="neo4j", description="'neo4j', or 'falkordb' for a FalkorDB Bolt server")

    @contextmanager
    def driver(self) -> Iterator[neo4j.Driver]:
        if self.dialect not in graph_store.DIALECTS:
            raise graph_store.GraphStoreError(f"dialect must be one of {graph_store.DIALECTS}, got {self.dialect!r}")
        drv = graph_store.connect(self.uri, self.user, self.password, self.connect_timeout_s)
        try:
            yield drv
        finally:
            drv.close()

    def read_snapshot(self) -> KGSnapshot:
        with self.driver() as drv:
            return graph_store.read_graph(drv, database=self.database, page_size=self.page_size)

    def change_marker(self) -> str:
        with self.driver() as drv:
            return f"neo4j:{graph_store.read_change_marker(drv, database=self.database)}"

    def load(self, nodes: pl.DataFrame, edges: pl.DataFrame, progress: graph_store.Progress | None = None) -> dict[str, Any]:
        with self.driver() as drv:
            return graph_store.load_graph(drv, nodes, edges, database=self.database, batch_size=self.batch_size,
                                          progress=progress, dialect=self.dialect)

    def describe(self) -> str:
        return f"neo4j: {self.uri}" + (f" database {self.database}" if self.database else "")


def _neo4j_from_env() -> Neo4jGraphResource:
    database: Any = dg.EnvVar("NEO4J_DATABASE") if os.environ.get("NEO4J_DATABASE") else None
    return Neo4jGraphResource(
        uri=dg.EnvVar("NEO4J_URI"),
        user=dg.EnvVar("NEO4J_USER"),
        password=dg.EnvVar("NEO4J_PASSWORD"),
        database=database,
    )


def resources_for(env: str) -> dict[str, Any]:
    """Resource instances for `env` ("local" or "production"), keyed by resource key.

    Production always reads Neo4j. A local run reads Neo4j once NEO4J_URI is set (docs/backends.md),
    and the shipped seed graph otherwise, so pointing a laptop at a real graph needs no code edit.
    """
    if env == "production" or os.environ.get("NEO4J_URI"):
        return {"kg": _neo4j_from_env()}
    return {"kg": EmbeddedGraphResource()}
