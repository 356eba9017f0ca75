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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import dagster as dg
import neo4j
import polars as pl
from pydantic import Field

from routenator_dagster import graph_store
from routenator_dagster.kg_files import SEED_NODES, SEED_RELATIONSHIPS, read_graph_files
from routenator_dagster.kg_snapshot import KGSnapshot

T = TypeVar("T")


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
    """Neo4j over Bolt. A server that is down, refuses the credentials, is killed or stops
    answering gives one clear `GraphStoreError` within about connect_timeout_s + read_timeout_s."""

    uri: str = Field(description="bolt:// or neo4j:// URI")
    user: str | None = Field(default="neo4j", description="user; empty for a server without auth")
    # repr=False: even a password given in plain text (tests, notebooks) never shows in a repr.
    password: str | None = Field(default=None, description="password (from an EnvVar)", repr=False)
    database: str | None = Field(default=None, description="database name; server default when unset")
    batch_size: int = Field(default=500, description="rows per write when loading")
    page_size: int = Field(default=1000, description="rows per read page")
    connect_timeout_s: float = Field(default=4.0, description="connection, handshake and login timeout")
    read_timeout_s: float = Field(
        default=5.0, description="longest one page or batch may go unanswered before the call fails (client side)"
    )
    transaction_timeout_s: float | None = Field(
        default=30.0, description="transaction timeout sent to the server; none when unset"
    )
    dialect: str = Field(default="neo4j", description="'neo4j', or 'falkordb' for a FalkorDB Bolt server")
    missing_env: list[str] = Field(
        default_factory=list, description="environment variables that were not set when the definitions loaded"
    )

    def _check(self) -> None:
        if self.missing_env:
            many = len(self.missing_env) > 1
            raise graph_store.GraphStoreError(
                f"{', '.join(self.missing_env)} {'are' if many else 'is'} not set; export {'them' if many else 'it'} "
                "before the run (NEO4J_USER may be empty for a server without auth)"
            )
        if self.dialect not in graph_store.DIALECTS:
            raise graph_store.GraphStoreError(f"dialect must be one of {graph_store.DIALECTS}, got {self.dialect!r}")

    def timeouts(self) -> graph_store.Timeouts:
        return graph_store.Timeouts(self.connect_timeout_s, self.read_timeout_s, self.transaction_timeout_s)

    @contextmanager
    def driver(self) -> Iterator[neo4j.Driver]:
        """A connected driver for direct use (no read deadline: prefer the methods below)."""
        self._check()
        drv = graph_store.connect(self.uri, self.user, self.password, self.connect_timeout_s)
        try:
            yield drv
        finally:
            drv.close()

    def _with_graph(self, work: Callable[[neo4j.Driver, graph_store.Beat], T], what: str, writes: bool = False) -> T:
        self._check()
        return graph_store.with_graph(self.uri, self.user or None, self.password, work, what=what,
                                      timeouts=self.timeouts(), writes=writes)

    def read_snapshot(self, on_query: Callable[[int], None] | None = None) -> KGSnapshot:
        """The stored graph. ``on_query(n)`` is told before the n-th query is sent (progress)."""
        transaction_s = self.transaction_timeout_s

        def work(drv: neo4j.Driver, beat: graph_store.Beat) -> KGSnapshot:
            return graph_store.read_graph(drv, database=self.database, page_size=self.page_size,
                                          beat=_counting(beat, on_query), transaction_s=transaction_s)

        return self._with_graph(work, "reading the graph")

    def change_marker(self) -> str:
        def work(drv: neo4j.Driver, beat: graph_store.Beat) -> str:
            return graph_store.read_change_marker(drv, database=self.database, beat=beat,
                                                  transaction_s=self.transaction_timeout_s)

        return f"neo4j:{self._with_graph(work, 'reading the change marker')}"

    def load(self, nodes: pl.DataFrame, edges: pl.DataFrame, progress: graph_store.Progress | None = None) -> dict[str, Any]:
        def work(drv: neo4j.Driver, beat: graph_store.Beat) -> dict[str, Any]:
            return graph_store.load_graph(drv, nodes, edges, database=self.database, batch_size=self.batch_size,
                                          progress=progress, dialect=self.dialect, beat=beat,
                                          transaction_s=self.transaction_timeout_s)

        return self._with_graph(work, "loading the graph", writes=True)

    def describe(self) -> str:
        return f"neo4j: {self.uri}" + (f" database {self.database}" if self.database else "")


def _counting(beat: graph_store.Beat, on_query: Callable[[int], None] | None) -> graph_store.Beat:
    if on_query is None:
        return beat
    sent = 0

    def counted() -> None:
        nonlocal sent
        beat()
        sent += 1
        on_query(sent)

    return counted


# Read from the environment by production (and by a local run once NEO4J_URI is set).
NEO4J_ENV: tuple[str, ...] = ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD")


def _neo4j_from_env() -> Neo4jGraphResource:
    # A variable missing here would otherwise surface as Dagster's config traceback at run time;
    # the resource reports it instead in one line when it is first used (definitions still load).
    missing = [name for name in NEO4J_ENV if name not in os.environ]
    env: dict[str, Any] = {
        field: (dg.EnvVar(name) if name not in missing else None)
        for field, name in (("uri", "NEO4J_URI"), ("user", "NEO4J_USER"), ("password", "NEO4J_PASSWORD"))
    }
    if env["uri"] is None:
        env["uri"] = ""
    database: Any = dg.EnvVar("NEO4J_DATABASE") if os.environ.get("NEO4J_DATABASE") else None
    return Neo4jGraphResource(**env, database=database, missing_env=missing)


def resources_for(env: str) -> dict[str, Any]:
    """Resource instances for `env` ("local" or "production"), keyed by resource key.

    Production always reads Neo4j. A local run reads Neo4j once NEO4J_URI is set (docs/backends.md),
    and the shipped seed graph otherwise, so pointing a laptop at a real graph needs no code edit.
    """
    if env == "production" or os.environ.get("NEO4J_URI"):
        return {"kg": _neo4j_from_env()}
    return {"kg": EmbeddedGraphResource()}
