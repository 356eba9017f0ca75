"""Append-only JSON Lines checkpoints for long LLM batches.

Each finished request is one line `{"request_id": ..., ...}` in `<dir>/<batch hash>.jsonl`, written
with a single `write` on an O_APPEND descriptor and fsync'd, so a killed run leaves at most one
torn last line, which `load` ignores and the next writer cuts off before appending. Writing and
fsync happen on a background thread, several lines per fsync, so the event loop sending requests
never waits on the disk.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def batch_hash(payload: Any) -> str:
    """Stable short hash of a JSON-able description of a batch (requests, model, sampling)."""
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:24]


def checkpoint_path(checkpoint_dir: Path, key: str) -> Path:
    return Path(checkpoint_dir) / f"{key}.jsonl"


def load_checkpoint(path: Path) -> dict[str, dict[str, Any]]:
    """Records by request_id; a torn or unparsable line is skipped (the last one wins on repeats)."""
    out: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return out
    skipped = 0
    with path.open("rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                skipped += 1  # torn last line of a killed writer
                continue
            try:
                rec = json.loads(raw)
            except ValueError:
                skipped += 1
                continue
            if isinstance(rec, dict) and isinstance(rec.get("request_id"), str):
                out[rec["request_id"]] = rec
            else:
                skipped += 1
    if skipped:
        log.warning("checkpoint %s: skipped %d torn or invalid line(s)", path, skipped)
    return out


def _cut_torn_tail(path: Path) -> None:
    """Truncate a partial last line so the next append starts on a fresh line."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb+") as fh:
        data = fh.read()
        if data.endswith(b"\n"):
            return
        keep = data.rfind(b"\n") + 1
        fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())


class CheckpointWriter:
    """Appends records from any thread; a background thread writes and fsyncs them."""

    _STOP = object()

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _cut_torn_tail(self.path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self.written = 0
        self._thread = threading.Thread(target=self._drain, name="checkpoint-writer", daemon=True)
        self._thread.start()

    def append(self, record: dict[str, Any]) -> None:
        if self._error is not None:
            raise RuntimeError(f"checkpoint {self.path} failed: {self._error}") from self._error
        line = json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n"
        self._queue.put(line.encode())

    def _drain(self) -> None:
        stop = False
        while not stop:
            item = self._queue.get()
            lines: list[bytes] = []
            while True:
                if item is self._STOP:
                    stop = True
                else:
                    lines.append(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            try:
                for line in lines:
                    view = memoryview(line)
                    while view:  # one write per line: a kill tears at most the last one
                        view = view[os.write(self._fd, view):]
                if lines:
                    os.fsync(self._fd)
                    self.written += len(lines)
            except OSError as exc:
                self._error = exc
                return

    def close(self) -> None:
        self._queue.put(self._STOP)
        self._thread.join()
        os.close(self._fd)
        if self._error is not None:
            raise RuntimeError(f"checkpoint {self.path} failed: {self._error}") from self._error

    def __enter__(self) -> CheckpointWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
