"""A generation run killed with SIGKILL part-way resumes from its checkpoint and equals an
uninterrupted run: no lost or duplicated rows, finished requests not sent again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest

from routenator_dagster.checkpoint import CheckpointWriter, load_checkpoint
from tests.openai_test_server import OpenAITestServer, ServerConfig

N = 160

# The generation run, as its own process: a fixed batch through run_llm_batch, result to parquet.
SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import polars as pl
    from routenator_dagster.llm_client import LLMClient
    from routenator_dagster.routes.llm_prompts import family_of, template_ids
    from routenator_dagster.routes.llm_route import run_llm_batch

    url, ckpt, out, n = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    rows = []
    for i in range(n):
        fn = "Generate" if i % 2 else "Search"
        tid = template_ids("text_llm", fn, "Template")[i % 3]
        fault = "[[fault:malformed]]" if i % 7 == 0 else ("[[fault:wrapper]]" if i % 11 == 0 else "")
        title = f"{fault} Shop {i}"
        rows.append({"request_id": f"q{i:05d}", "function": fn, "content_type": "Template", "length_bucket": "b",
                     "min_words": 2, "max_words": 25, "route": "text_llm", "template_family": family_of(tid),
                     "template_id": tid, "variables": json.dumps({"intent": "grand opening", "title": title}),
                     "source_nodes": ["intent:grand_opening"], "asset_id": None, "preview_path": None, "seed": i})
    client = LLMClient(url, "test-model", None, max_concurrency=4, max_retries=0)
    run_llm_batch(pl.DataFrame(rows), client, ckpt).write_parquet(out)
    """
)


def _run(script: Path, url: str, ckpt: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(script), url, str(ckpt), str(out), str(N)],
                            cwd=Path(__file__).resolve().parents[1])


def _lines(ckpt: Path) -> list[bytes]:
    files = list(ckpt.glob("*.jsonl"))
    return files[0].read_bytes().splitlines(keepends=True) if files else []


@pytest.mark.timeout(60)
def test_killed_run_resumes_to_the_uninterrupted_result(tmp_path: Path) -> None:
    script = tmp_path / "gen.py"
    script.write_text(SCRIPT)
    with OpenAITestServer(ServerConfig(latency_s=0.04)) as srv:
        # Uninterrupted reference run.
        ref = _run(script, srv.url, tmp_path / "ck_ref", tmp_path / "ref.parquet")
        assert ref.wait(30) == 0
        assert srv.stats()["requests"] == N

        # Killed part-way, after at least 40 responses are on disk.
        srv.reset()
        ckpt = tmp_path / "ck"
        proc = _run(script, srv.url, ckpt, tmp_path / "out.parquet")
        deadline = time.time() + 20
        while len(_lines(ckpt)) < 40 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not (tmp_path / "out.parquet").exists()
        sent_first = srv.stats()["requests"]
        (path,) = ckpt.glob("*.jsonl")
        with path.open("ab") as fh:  # a line torn by the kill, as a crash mid-write leaves it
            fh.write(b'{"request_id": "q00150", "content": "{\\"query\\": \\"half')
        done = load_checkpoint(path)
        assert 40 <= len(done) < N and "q00150" not in done
        assert sent_first >= len(done)

        # Restarted: only the unfinished requests go out again.
        srv.reset()
        resumed = _run(script, srv.url, ckpt, tmp_path / "out.parquet")
        assert resumed.wait(30) == 0
        assert srv.stats()["requests"] == N - len(done)
        assert srv.stats()["max_attempts_per_prompt"] == 1  # nothing sent twice within the resumed run

    ids = [json.loads(line)["request_id"] for line in _lines(ckpt)]
    assert len(ids) == N and len(set(ids)) == N  # torn tail cut, no duplicate records
    got = pl.read_parquet(tmp_path / "out.parquet")
    want = pl.read_parquet(tmp_path / "ref.parquet")
    assert got.height == N and got["request_id"].n_unique() == N
    assert got.equals(want)
    assert got.filter(pl.col("status") == "rejected").height == want.filter(pl.col("status") == "rejected").height > 0


def test_torn_tail_is_ignored_and_cut_before_appending(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    with CheckpointWriter(path) as w:
        w.append({"request_id": "a", "content": "x"})
        w.append({"request_id": "b", "content": "y"})
    with path.open("ab") as fh:
        fh.write(b'{"request_id": "c", "cont')
    assert set(load_checkpoint(path)) == {"a", "b"}
    with CheckpointWriter(path) as w:
        w.append({"request_id": "c", "content": "z"})
    assert load_checkpoint(path)["c"]["content"] == "z"
    assert path.read_bytes().count(b"\n") == 3
    path.write_bytes(path.read_bytes() + b"garbage line\n")
    assert set(load_checkpoint(path)) == {"a", "b", "c"}
