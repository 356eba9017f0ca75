"""The real Dagster webserver over this code location, for tests that open the UI."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_webserver(env: dict[str, str], polls: int = 240) -> Iterator[str]:
    """Start `dagster-webserver` on a free loopback port; yield its base URL once it answers."""
    exe = Path(sys.executable).with_name("dagster-webserver")
    port = free_port()
    proc = subprocess.Popen([str(exe), "-m", "routenator_dagster.definitions", "-h", "127.0.0.1", "-p", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(polls):  # polls, not a time limit: the server is up when it answers
            if proc.poll() is not None:
                raise RuntimeError(f"webserver exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                urllib.request.urlopen(f"{base}/server_info", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("webserver never answered /server_info")
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
