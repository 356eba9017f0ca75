"""The knowledge graph in Neo4j (over Bolt): connect, load idempotently, read back, change marker.

Plain functions over a `neo4j.Driver`. The Cypher stays inside the subset Neo4j and FalkorDB both
run (our test server), and every value travels as a parameter. Labels and relationship types
cannot be parameters in Cypher, so they come only from the schema whitelist, checked again here.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import neo4j
import polars as pl
from neo4j.exceptions import AuthError, DriverError, Neo4jError, ServiceUnavailable

from routenator_dagster.kg_files import validate_graph_records
from routenator_dagster.kg_snapshot import KGSnapshot, snapshot_from_tables
from routenator_dagster.schema import NODE_LABELS, RELATIONSHIP_TYPES

# How string parameters must be sent. FalkorDB (a Bolt server we test against and some users run)
# splices string parameters into the query text between single quotes and reads backslash
# escapes, so a quote in a value breaks the query; "falkordb" escapes backslashes and quotes so
# the stored value equals the original. Neo4j takes values as they are.
DIALECTS: tuple[str, ...] = ("neo4j", "falkordb")
MARKER_LABEL = "RouteNatorMeta"
MARKER_KEY = "graph"
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

Progress = Callable[[int, int], None]
# Called before every query; the deadline guard uses it to see that the server is still answering.
Beat = Callable[[], None]
T = TypeVar("T")


class GraphStoreError(RuntimeError):
    """Neo4j is unreachable, refused us, or failed a statement; the message says which."""


class GraphTimeoutError(GraphStoreError):
    """The server stopped answering (frozen, overloaded or cut off) within the read timeout."""


@dataclass(frozen=True)
class Timeouts:
    """How long we wait on the graph server. Each bound turns a silent server into a clear error.

    connect_s: TCP connect, Bolt handshake and login (the driver's ``connection_timeout``).
    read_s: the longest one query (a read page or a write batch) may go unanswered; also the
        client-side deadline, which holds even when the server is frozen and enforces nothing.
    transaction_s: sent to the server with every transaction, which it aborts when exceeded.
    """

    connect_s: float = 4.0
    read_s: float = 5.0
    transaction_s: float | None = 30.0

    def __post_init__(self) -> None:
        for name in ("connect_s", "read_s", "transaction_s"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"timeout {name} must be > 0 seconds, got {value!r}")


def _ident(name: str, allowed: tuple[str, ...] | dict[str, Any]) -> str:
    # Defence in depth: the caller already validated, but an identifier is spliced into Cypher.
    if name not in allowed or not _IDENT.match(name):
        raise GraphStoreError(f"refusing to use {name!r} as a Cypher label/type: not in the schema whitelist")
    return f"`{name}`"


def connect(
    uri: str, user: str | None, password: str | None, timeout_s: float = 5.0, retry_s: float | None = None
) -> neo4j.Driver:
    """A driver whose connectivity is verified within about ``timeout_s``, or a clear error.

    ``retry_s`` bounds how long a managed transaction is retried after a transient failure
    (default ``timeout_s``). The message names the URI and user, never the password.
    """
    auth = (user, password or "") if user else None
    try:
        driver = neo4j.GraphDatabase.driver(
            uri,
            auth=auth,
            connection_timeout=timeout_s,
            connection_acquisition_timeout=timeout_s,
            max_transaction_retry_time=timeout_s if retry_s is None else retry_s,
        )
    except ValueError as exc:  # malformed URI / scheme
        raise GraphStoreError(f"invalid Neo4j URI {uri!r}: {exc}") from None
    try:
        driver.verify_connectivity()
    except AuthError:
        driver.close()
        raise GraphStoreError(f"Neo4j at {uri} refused the credentials for user {user!r}") from None
    except ServiceUnavailable as exc:
        driver.close()
        raise GraphStoreError(
            f"Neo4j at {uri} is not reachable within {timeout_s:g} s ({_scrub(str(exc), password)}); "
            "is the server running and the URI right?"
        ) from None
    except Neo4jError as exc:
        driver.close()
        raise GraphStoreError(
            f"Neo4j at {uri} rejected the connection for user {user!r} ({exc.code}): {_scrub(exc.message or '', password)}"
        ) from None
    except OSError as exc:
        driver.close()
        raise GraphStoreError(f"Neo4j at {uri} is not reachable: {_scrub(str(exc), password)}") from None
    return driver


def _scrub(text: str, secret: str | None, limit: int = 300) -> str:
    """The driver's text on one line (the caller's error stays one line), cut, without the secret."""
    text = " ".join(text.replace(secret, "***").split()) if secret else " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def encode_params(value: Any, dialect: str) -> Any:
    """Strings (also nested in lists and maps) as the server dialect needs them."""
    if dialect == "neo4j":
        return value
    if dialect != "falkordb":
        raise ValueError(f"unknown Bolt dialect {dialect!r}; expected one of {DIALECTS}")
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("'", "\\'")
    if isinstance(value, list):
        return [encode_params(v, dialect) for v in value]
    if isinstance(value, dict):
        return {k: encode_params(v, dialect) for k, v in value.items()}
    return value


def _batches(rows: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


class _Calls:
    """How each query is sent: the transaction timeout to ask for, and the beat to call first."""

    def __init__(self, beat: Beat | None, transaction_s: float | None) -> None:
        self.beat = beat
        # unit_of_work sets the transaction timeout the server enforces on a healthy server.
        self.run = neo4j.unit_of_work(timeout=transaction_s)(_run) if transaction_s else _run

    def read(self, session: neo4j.Session, query: str, **params: Any) -> list[dict[str, Any]]:
        if self.beat is not None:
            self.beat()
        return session.execute_read(self.run, query, **params)

    def write(self, session: neo4j.Session, query: str, **params: Any) -> list[dict[str, Any]]:
        if self.beat is not None:
            self.beat()
        return session.execute_write(self.run, query, **params)


def load_graph(
    driver: neo4j.Driver,
    nodes: pl.DataFrame,
    edges: pl.DataFrame,
    database: str | None = None,
    batch_size: int = 500,
    progress: Progress | None = None,
    dialect: str = "neo4j",
    beat: Beat | None = None,
    transaction_s: float | None = None,
) -> dict[str, Any]:
    """MERGE nodes (per label) and relationships (per type) in batches, then move the change marker
    if the graph's content changed. Validates everything before the first write. Loading the same
    graph again changes nothing. Returns counts, the content hash and the marker version.

    ``beat`` is called before every query and ``transaction_s`` is sent as the transaction timeout
    (see `with_graph`)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    encode_params("", dialect)  # an unknown dialect fails before any write
    calls = _Calls(beat, transaction_s)
    snapshot = snapshot_from_tables(nodes, edges, source="load_graph input")
    node_rows = snapshot.nodes.to_dicts()
    edge_rows = snapshot.edges.to_dicts()
    total = len(node_rows) + len(edge_rows)
    done = 0
    with driver.session(database=database) as session:
        for label in NODE_LABELS:
            rows = [{k: r[k] for k in ("id", "name", "content_type", "weight", "props")}
                    for r in node_rows if r["label"] == label]
            query = (f"UNWIND $rows AS r MERGE (n:{_ident(label, NODE_LABELS)} {{id: r.id}}) "
                     "SET n.name = r.name, n.content_type = r.content_type, n.weight = r.weight, n.props = r.props")
            for batch in _batches(rows, batch_size):
                _write_batch(calls, session, query, batch, dialect, f"{label} nodes")
                done += len(batch)
                if progress is not None:
                    progress(done, total)
        for rel_type, (src_label, dst_label) in RELATIONSHIP_TYPES.items():
            rows = [{k: r[k] for k in ("source", "target", "weight")} for r in edge_rows if r["type"] == rel_type]
            query = (f"UNWIND $rows AS r MATCH (a:{_ident(src_label, NODE_LABELS)} {{id: r.source}}) "
                     f"MATCH (b:{_ident(dst_label, NODE_LABELS)} {{id: r.target}}) "
                     f"MERGE (a)-[e:{_ident(rel_type, RELATIONSHIP_TYPES)}]->(b) SET e.weight = r.weight")
            for batch in _batches(rows, batch_size):
                _write_batch(calls, session, query, batch, dialect, f"{rel_type} relationships")
                done += len(batch)
                if progress is not None:
                    progress(done, total)
    stored = read_graph(driver, database=database, beat=beat, transaction_s=transaction_s)
    version = _bump_marker(calls, driver, stored.content_hash, database)
    return {
        "nodes": snapshot.nodes.height,
        "relationships": snapshot.edges.height,
        "nodes_in_store": stored.nodes.height,
        "relationships_in_store": stored.edges.height,
        "content_hash": stored.content_hash,
        "input_hash": snapshot.content_hash,
        "marker_version": version,
    }


def _write_batch(
    calls: _Calls, session: neo4j.Session, query: str, batch: list[dict[str, Any]], dialect: str, what: str
) -> None:
    try:
        calls.write(session, query, rows=encode_params(batch, dialect))
    except (Neo4jError, DriverError) as exc:
        first = batch[0].get("id") or batch[0].get("source")
        raise GraphStoreError(
            f"writing {what} failed at the batch starting with {first!r} ({_scrub(f'{type(exc).__name__}: {exc}', None)}); "
            "loading is idempotent, so run it again once the server is healthy"
        ) from exc


def _run(tx: neo4j.ManagedTransaction, query: str, **params: Any) -> list[dict[str, Any]]:
    return tx.run(query, **params).data()


def _bump_marker(calls: _Calls, driver: neo4j.Driver, content_hash: str, database: str | None) -> int:
    # The version moves only when the stored graph's hash differs from the one last recorded.
    query = (
        f"MERGE (m:{MARKER_LABEL} {{key: $key}}) ON CREATE SET m.version = 0, m.hash = '' "
        "WITH m SET m.version = CASE WHEN m.hash = $hash THEN m.version ELSE m.version + 1 END, m.hash = $hash "
        "RETURN m.version AS version"
    )
    with driver.session(database=database) as session:
        rows = calls.write(session, query, key=MARKER_KEY, hash=content_hash)
    return int(rows[0]["version"])


def _paged(calls: _Calls, session: neo4j.Session, query: str, page_size: int, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    skip = 0
    while True:
        page = calls.read(session, query, skip=skip, limit=page_size, **params)
        out.extend(page)
        if len(page) < page_size:
            return out
        skip += page_size


def read_graph(
    driver: neo4j.Driver,
    database: str | None = None,
    page_size: int = 1000,
    beat: Beat | None = None,
    transaction_s: float | None = None,
) -> KGSnapshot:
    """The graph as a `KGSnapshot`: nodes with a schema label, relationships with a schema type,
    read in pages ordered by id. The marker node and foreign labels are ignored.

    ``beat`` is called before every page and ``transaction_s`` is sent as the transaction timeout."""
    calls = _Calls(beat, transaction_s)
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    with driver.session(database=database) as session:
        for label in NODE_LABELS:
            query = (f"MATCH (n:{_ident(label, NODE_LABELS)}) RETURN n.id AS id, n.name AS name, "
                     "n.content_type AS content_type, n.weight AS weight, n.props AS props "
                     "ORDER BY id SKIP $skip LIMIT $limit")
            nodes.extend({**r, "label": label} for r in _paged(calls, session, query, page_size))
        for rel_type, (src_label, dst_label) in RELATIONSHIP_TYPES.items():
            query = (f"MATCH (a:{_ident(src_label, NODE_LABELS)})-[e:{_ident(rel_type, RELATIONSHIP_TYPES)}]->"
                     f"(b:{_ident(dst_label, NODE_LABELS)}) RETURN a.id AS source, b.id AS target, "
                     "e.weight AS weight ORDER BY source, target SKIP $skip LIMIT $limit")
            edges.extend({**r, "type": rel_type} for r in _paged(calls, session, query, page_size))
    # Validate what the store holds as strictly as files; errors name the node id or the edge.
    where = f"graph store{f' {database}' if database else ''}"
    node_records = [(f"node id={r['id']!r}", r) for r in nodes]
    edge_records = [(f"relationship {r['source']!r} -[{r['type']}]-> {r['target']!r}", r) for r in edges]
    node_frame, edge_frame = validate_graph_records(node_records, edge_records, where, where, error=GraphStoreError)
    return KGSnapshot(node_frame, edge_frame)


def read_change_marker(
    driver: neo4j.Driver, database: str | None = None, beat: Beat | None = None, transaction_s: float | None = None
) -> str:
    """A cheap token that moves when the graph changes: the marker's version and hash plus node and
    relationship counts (so edits made outside `load_graph` show up too)."""
    calls = _Calls(beat, transaction_s)
    with driver.session(database=database) as session:
        marker = calls.read(
            session, f"MATCH (m:{MARKER_LABEL} {{key: $key}}) RETURN m.version AS version, m.hash AS hash", key=MARKER_KEY
        )
        n_nodes = calls.read(session, "MATCH (n) RETURN count(n) AS c")[0]["c"]
        n_rels = calls.read(session, "MATCH ()-[r]->() RETURN count(r) AS c")[0]["c"]
    version, content = (marker[0]["version"], marker[0]["hash"]) if marker else (0, "none")
    return f"v{version}:{str(content)[:16]}:n{n_nodes}:r{n_rels}"


class _Abandoned(Exception):
    """Raised inside the worker once the caller has given up on it."""


class _Watch:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last = time.monotonic()
        self.connected = False
        self.abandoned = False
        self.driver: neo4j.Driver | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = threading.Event()

    def beat(self) -> None:
        with self.lock:
            if self.abandoned:
                raise _Abandoned()
            self.last = time.monotonic()


def with_graph(
    uri: str,
    user: str | None,
    password: str | None,
    work: Callable[[neo4j.Driver, Beat], T],
    *,
    what: str,
    timeouts: Timeouts = Timeouts(),
    writes: bool = False,
) -> T:
    """Connect, run ``work(driver, beat)``, close, all under deadlines; return what ``work`` returns.

    ``work`` must call ``beat`` before each query (the functions here take it as ``beat=``). The
    caller gets ONE `GraphStoreError` naming the URI (never the password) when the server is
    down, refuses us, fails a query, or stays silent longer than ``timeouts.read_s`` on one query
    (a frozen server answers nothing, so only a client-side deadline can end that wait). The work
    runs in a daemon thread so that the caller is never held by a socket read that never returns;
    on a timeout its connections are killed, which ends that read.
    """
    watch = _Watch()

    def worker() -> None:
        try:
            # A bounded retry: a killed server surfaces as its own error before the read deadline.
            driver = connect(uri, user, password, timeouts.connect_s, retry_s=timeouts.read_s / 2)
            with watch.lock:
                watch.driver = driver
            try:
                watch.beat()
                watch.connected = True
                watch.result = work(driver, watch.beat)
            finally:
                driver.close()
        except BaseException as exc:  # handed to the caller's thread
            watch.error = exc
        finally:
            watch.done.set()

    thread = threading.Thread(target=worker, name=f"graph-{what[:24]}", daemon=True)
    thread.start()
    while not watch.done.is_set():
        # Before login the driver's own connect timeout applies; allow it plus one read.
        allowance = timeouts.read_s if watch.connected else timeouts.connect_s + timeouts.read_s
        remaining = watch.last + allowance - time.monotonic()
        if remaining <= 0:
            with watch.lock:
                watch.abandoned = True
                driver = watch.driver
            _kill_connections(driver)
            after = ("loading is idempotent, so run it again once the server answers" if writes
                     else "nothing was returned; run again once the server answers")
            raise GraphTimeoutError(
                f"Neo4j at {uri} did not answer within {timeouts.read_s:g} s while {what} "
                f"(read timeout; the server may be frozen, overloaded or cut off); {after}"
            )
        watch.done.wait(remaining)
    if watch.error is None:
        return watch.result  # type: ignore[no-any-return]
    exc = watch.error
    if isinstance(exc, GraphStoreError):
        raise exc
    if isinstance(exc, (Neo4jError, DriverError, OSError)):
        after = "loading is idempotent, so run it again" if writes else "nothing was returned; run again"
        detail = _scrub(f"{type(exc).__name__}: {exc}", password)
        raise GraphStoreError(f"Neo4j at {uri} failed while {what} ({detail}); {after} once the server is healthy") from None
    raise exc


def _kill_connections(driver: neo4j.Driver | None) -> None:
    """Close every socket of the driver without a goodbye, so a blocked read in the worker returns.

    Reaches into the driver's pool (there is no public call for this); when that ever changes the
    worker simply stays blocked in its daemon thread and the caller still gets its error."""
    if driver is None:
        return
    try:
        pool = getattr(driver, "_pool", None)
        for connections in list(getattr(pool, "connections", {}).values()):
            for connection in list(connections):
                connection.kill()
    except Exception:  # noqa: BLE001 - best effort by design
        pass


def ensure_schema(driver: neo4j.Driver, database: str | None = None) -> list[str]:
    """Neo4j-only: a uniqueness constraint on `id` per label (skip it on servers without
    `CREATE CONSTRAINT`, such as FalkorDB). Returns the statements run."""
    statements = [
        f"CREATE CONSTRAINT routenator_{label.lower()}_id IF NOT EXISTS "
        f"FOR (n:{_ident(label, NODE_LABELS)}) REQUIRE n.id IS UNIQUE"
        for label in NODE_LABELS
    ]
    with driver.session(database=database) as session:
        for statement in statements:
            try:
                session.run(statement).consume()
            except Neo4jError as exc:
                raise GraphStoreError(
                    f"schema statement failed ({exc.code}); the server may not support Neo4j constraints: {statement}"
                ) from None
    return statements
