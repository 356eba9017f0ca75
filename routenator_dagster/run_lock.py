"""One `routenator run` per home folder at a time.

Two runs on one home would race on the same checkpoints and asset files and pay for the LLM
answers twice. The lock is an OS file lock (`flock`): the kernel drops it when its process ends,
so a run killed with -9 never leaves the home locked.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class HomeBusyError(RuntimeError):
    """Another live process holds the home folder."""


def lock_path(home: Path) -> Path:
    return home / "run.lock"


@contextlib.contextmanager
def home_lock(home: Path) -> Iterator[Path]:
    """Hold the home's run lock for the block, or raise HomeBusyError naming the holder."""
    path = lock_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            raise HomeBusyError(
                f"another routenator run (pid {holder}) is using {home}; wait for it to finish or pass another --home"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield path
    finally:
        os.close(fd)  # closing releases the lock
