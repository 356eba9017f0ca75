"""Atomic file writes: a reader sees the old file or the new one, never half of either.

Every writer of a file another process may read (asset values, reports, models, the feedback
file) goes through here. The temporary file sits in the destination folder so `os.replace` stays
on one filesystem, and it carries a unique name so two concurrent writers never share it.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on error it is removed."""
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:  # durable before it becomes visible
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | os.PathLike[str], obj: Any, **dumps_kwargs: Any) -> Path:
    opts: dict[str, Any] = {"indent": 1, "sort_keys": True, "default": str, **dumps_kwargs}
    return write_text_atomic(path, json.dumps(obj, **opts))


def write_parquet_atomic(path: str | os.PathLike[str], frame: pl.DataFrame) -> Path:
    with atomic_path(path) as tmp:
        frame.write_parquet(tmp)
    return Path(path)
