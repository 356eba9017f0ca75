"""Atomic writes: a reader sees the old file or the new one; a failed write leaves the old one."""

import threading

import polars as pl
import pytest

from routenator_dagster.atomic import atomic_path, write_json_atomic, write_parquet_atomic


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "model.json"
    write_json_atomic(target, {"v": 1})
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text('{"v": 2, "half', encoding="utf-8")
            raise RuntimeError("killed mid-write")
    assert target.read_text(encoding="utf-8").startswith('{\n "v": 1')
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_readers_never_see_a_half_written_parquet(tmp_path):
    target = tmp_path / "data.parquet"
    frames = [pl.DataFrame({"i": list(range(n * 20_000, (n + 1) * 20_000)), "s": [f"row {n}"] * 20_000}) for n in range(3)]
    write_parquet_atomic(target, frames[0])
    stop = threading.Event()
    errors: list[Exception] = []
    reads = 0

    def reader() -> None:
        nonlocal reads
        while not stop.is_set():
            try:
                # One open, like any reader holding a handle: that inode is the old or the new file, whole.
                # (polars given a path may reopen it between footer and data, which no rename can make safe.)
                with open(target, "rb") as fh:
                    got = pl.read_parquet(fh.read())
                assert got.height == 20_000 and got["s"].n_unique() == 1
                reads += 1
            except Exception as exc:  # a torn file would land here
                errors.append(exc)

    t = threading.Thread(target=reader)
    t.start()
    for k in range(30):
        write_parquet_atomic(target, frames[k % 3])
    stop.set()
    t.join()
    assert not errors and reads > 0
