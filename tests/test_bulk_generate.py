"""Bulk generation with an offline engine writes the LLM route's own checkpoint.

vLLM cannot run here, so `EchoEngine` stands in for it: an in-process engine implementing the
`OfflineEngine` protocol that answers exactly as tests/openai_test_server.py would over HTTP. Then
the HTTP route (pointed at a dead port) and the bulk-mode `synthetic_queries` asset must find every
answer in the checkpoint and produce the rows an HTTP run produces.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from PIL import Image
from polars.testing import assert_frame_equal

from routenator_dagster.bulk_generate import (
    GPU_IMAGE_HINT,
    VLLMOfflineEngine,
    add_arguments,
    batch_path,
    checkpoint_dir_for,
    main,
    run_bulk,
)
from routenator_dagster.checkpoint import load_checkpoint
from routenator_dagster.llm_client import ChatRequest, LLMClient, Result
from routenator_dagster.routes.llm_prompts import family_of, template_ids
from routenator_dagster.routes.llm_route import (
    DEFAULT_SAMPLING,
    NOT_IN_BULK_RESULTS,
    read_llm_batch_from_checkpoint,
    run_llm_batch,
    sampling_for_defaults,
)
from tests.openai_test_server import OpenAITestServer, _text_of, answer_for

ROOT = Path(__file__).resolve().parents[1]
MODEL = "test-model"


class EchoEngine:
    """Answers like the HTTP test server (same text, same truncated/wrapper faults), in process.

    `refuse` marks prompts the engine rejects as input (ValueError for the whole call, as vLLM does
    for a prompt over max_model_len); `stop_after_calls` raises after that many calls (a dying pod);
    `delay_s` slows each call (for the SIGKILL test).
    """

    def __init__(self, refuse: str | None = None, stop_after_calls: int | None = None, delay_s: float = 0.0) -> None:
        self.refuse = refuse
        self.stop_after_calls = stop_after_calls
        self.delay_s = delay_s
        self.calls: list[list[str]] = []
        self.sampling_seen: list[dict[str, Any]] = []
        self.images = 0

    def generate(self, requests: list[ChatRequest], sampling: list[dict[str, Any]]) -> list[Result]:
        if self.stop_after_calls is not None and len(self.calls) >= self.stop_after_calls:
            raise RuntimeError("engine died")
        texts = [_text_of(r.resolve_messages()) for r in requests]
        if self.refuse and any(self.refuse in t[0] for t in texts):
            raise ValueError("prompt too long for max_model_len")
        self.calls.append([r.request_id for r in requests])
        self.sampling_seen.extend(sampling)
        if self.delay_s:
            time.sleep(self.delay_s)
        out = []
        for req, (all_text, user_text, images), samp in zip(requests, texts, sampling):
            assert req.response_schema is not None and samp["seed"] == req.seed
            self.images += images
            content, finish = json.dumps(answer_for(user_text)), "stop"
            if "[[fault:truncated]]" in all_text:
                content, finish = content[: len(content) // 2], "length"
            elif "[[fault:wrapper]]" in all_text:
                content = f"Sure! Here is a request you could use:\n{content}\nLet me know if you need more."
            out.append(Result(req.request_id, content=content, finish_reason=finish, attempts=1,
                              prompt_tokens=len(all_text.split()), completion_tokens=len(content.split())))
        return out


def make_rows(n: int, *, fault_every: int = 0, route: str = "text_llm", content_type: str = "Photo",
              previews: list[str] | None = None) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        fn = "Generate" if i % 2 else "Search"
        ids = template_ids(route, fn, content_type)
        tid = ids[i % len(ids)]
        hi = 10 if fn == "Search" else 25
        fault = ""
        if fault_every and i % fault_every == 1:
            fault = "[[fault:truncated]]" if (i // fault_every) % 2 else "[[fault:wrapper]]"
        preview = previews[i % len(previews)] if previews else None
        rows.append({
            "request_id": f"{route}-{i:04d}", "function": fn, "content_type": content_type,
            "length_bucket": f"b_{hi}", "min_words": 2, "max_words": hi, "route": route,
            "template_family": family_of(tid), "template_id": tid,
            "variables": json.dumps({"intent": "summer fair", "scene_objects": f"kite{i}", "title": fault}),
            "source_nodes": ["intent:summer_fair"], "asset_id": f"a{i}" if preview else None,
            "preview_path": preview, "seed": 500 + i,
        })
    return rows


def _dead_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now: any request would end as connection_error
    return f"http://127.0.0.1:{port}/v1"


def _png(path: Path, color: tuple[int, int, int]) -> str:
    Image.new("RGB", (24, 16), color).save(path)
    return str(path)


def test_bulk_answers_are_what_an_http_run_would_produce(tmp_path: Path) -> None:
    pngs = [_png(tmp_path / f"p{i}.png", (40 * i, 90, 10)) for i in range(2)]
    rows = make_rows(30, fault_every=6)
    rows += make_rows(3, route="vision_llm", content_type="Template", previews=pngs)
    rows += [r | {"request_id": "vision_llm-0099"}
             for r in make_rows(1, route="vision_llm", content_type="Audio", previews=[str(tmp_path / "gone.png")])]
    rows.append(make_rows(31)[30] | {"variables": "{not json"})
    batch = pl.DataFrame(rows).sample(fraction=1.0, shuffle=True, seed=3)

    with OpenAITestServer() as srv:
        ref = run_llm_batch(batch, LLMClient(srv.url, MODEL, max_concurrency=16), tmp_path / "ck_http")
        assert srv.stats()["requests"] == 33 and srv.stats()["images"] == 3

    engine = EchoEngine()
    stats = run_bulk(batch, tmp_path / "ck_bulk", engine, MODEL, dict(DEFAULT_SAMPLING), chunk_size=8)
    assert stats == {"requests": 35, "not_sendable": 2, "from_checkpoint": 0, "generated": 33, "failed": 0}
    assert [len(c) for c in engine.calls] == [8, 8, 8, 8, 1] and engine.images == 3
    assert all(s["temperature"] == 0.7 and s["top_p"] == 0.95 and s["max_tokens"] == 256 for s in engine.sampling_seen)
    (ckpt_file,) = (tmp_path / "ck_bulk").glob("*.jsonl")
    records = load_checkpoint(ckpt_file)
    assert len(records) == 33 and {r["model"] for r in records.values()} == {MODEL}
    assert sum(r["finish_reason"] == "length" for r in records.values()) == 2  # kept, so truncation is detected

    # The HTTP route finds every answer and sends nothing (its server does not exist).
    client = LLMClient(_dead_url(), MODEL, max_retries=0, timeout_s=0.5)
    out = run_llm_batch(batch, client, tmp_path / "ck_bulk")
    assert client.usage.requests == 0
    assert_frame_equal(out, ref)
    reasons = dict(zip(out["request_id"], out["reject_reason"]))
    assert reasons["text_llm-0001"] == "wrapper_text" and reasons["text_llm-0007"] == "truncated"
    assert reasons["vision_llm-0099"] == "missing_preview" and reasons["text_llm-0030"] == "render_error"
    # 33 answered, of which 2 truncated and 3 wrapped in chatter (faults at i = 1, 7, 13, 19, 25).
    assert out.filter(pl.col("status") == "ok").height == 33 - 5

    read, found = read_llm_batch_from_checkpoint(batch, MODEL, sampling_for_defaults(DEFAULT_SAMPLING), tmp_path / "ck_bulk")
    assert found == 33
    assert_frame_equal(read, ref)

    # Another served model name or sampling is another checkpoint key: nothing found, all counted.
    other, found = read_llm_batch_from_checkpoint(batch, "other-model", sampling_for_defaults(DEFAULT_SAMPLING),
                                                  tmp_path / "ck_bulk")
    assert found == 0 and other.filter(pl.col("reject_reason") == NOT_IN_BULK_RESULTS).height == 33
    assert run_bulk(batch, tmp_path / "ck_bulk", EchoEngine(stop_after_calls=0), MODEL,
                    dict(DEFAULT_SAMPLING))["from_checkpoint"] == 33  # all done: the engine is not called


def test_engine_refusing_one_request_isolates_it_and_counts_it(tmp_path: Path) -> None:
    rows = make_rows(12)
    rows[5]["variables"] = json.dumps({"intent": "REFUSE-ME", "title": ""})
    batch = pl.DataFrame(rows)
    stats = run_bulk(batch, tmp_path, EchoEngine(refuse="REFUSE-ME"), MODEL, dict(DEFAULT_SAMPLING), chunk_size=12)
    assert stats["generated"] == 11 and stats["failed"] == 1
    out, found = read_llm_batch_from_checkpoint(batch, MODEL, sampling_for_defaults(DEFAULT_SAMPLING), tmp_path)
    assert found == 11
    rejected = out.filter(pl.col("status") == "rejected")
    assert rejected["request_id"].to_list() == [rows[5]["request_id"]]
    assert rejected["reject_reason"].to_list() == [NOT_IN_BULK_RESULTS]

    # Every request refused is a bad setting, not a bad prompt: the run stops instead of grinding on.
    with pytest.raises(RuntimeError, match="refused every request"):
        run_bulk(pl.DataFrame(make_rows(12)), tmp_path / "all", EchoEngine(refuse="summer fair"), MODEL,
                 dict(DEFAULT_SAMPLING))

    # Outside bulk mode the HTTP route reads the same checkpoint and sends only what is missing.
    with OpenAITestServer() as srv:
        http = run_llm_batch(batch, LLMClient(srv.url, MODEL, max_concurrency=4), tmp_path)
        assert srv.stats()["requests"] == 1
    assert http.filter(pl.col("status") == "ok").height == 12


def test_failed_engine_run_resumes_without_regenerating(tmp_path: Path) -> None:
    batch = pl.DataFrame(make_rows(40, fault_every=5))
    ckpt = tmp_path / "ck"
    with pytest.raises(RuntimeError, match="engine died"):
        run_bulk(batch, ckpt, EchoEngine(stop_after_calls=2), MODEL, dict(DEFAULT_SAMPLING), chunk_size=8)
    (ckpt_file,) = ckpt.glob("*.jsonl")
    first = set(load_checkpoint(ckpt_file))
    assert len(first) == 16

    again = EchoEngine()
    stats = run_bulk(batch, ckpt, again, MODEL, dict(DEFAULT_SAMPLING), chunk_size=8)
    asked = [rid for call in again.calls for rid in call]
    assert stats["from_checkpoint"] == 16 and stats["generated"] == 24 and len(asked) == 24
    assert not first & set(asked)
    lines = ckpt_file.read_bytes().splitlines()
    assert len(lines) == 40 and len({json.loads(x)["request_id"] for x in lines}) == 40

    run_bulk(batch, tmp_path / "ref", EchoEngine(), MODEL, dict(DEFAULT_SAMPLING), chunk_size=40)
    sf = sampling_for_defaults(DEFAULT_SAMPLING)
    assert_frame_equal(read_llm_batch_from_checkpoint(batch, MODEL, sf, ckpt)[0],
                       read_llm_batch_from_checkpoint(batch, MODEL, sf, tmp_path / "ref")[0])


KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import polars as pl
    from routenator_dagster.bulk_generate import run_bulk
    from routenator_dagster.routes.llm_route import DEFAULT_SAMPLING
    from tests.test_bulk_generate import EchoEngine, make_rows

    run_bulk(pl.DataFrame(make_rows(60)), Path(sys.argv[1]), EchoEngine(delay_s=0.15), "test-model",
             dict(DEFAULT_SAMPLING), chunk_size=6)
    """
)


@pytest.mark.timeout(40)
def test_sigkilled_bulk_process_resumes_from_its_checkpoint(tmp_path: Path) -> None:
    script = tmp_path / "bulk.py"
    script.write_text(KILL_SCRIPT)
    ckpt = tmp_path / "ck"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(script), str(ckpt)], cwd=ROOT, env=env)
    deadline = time.time() + 25
    while time.time() < deadline and proc.poll() is None:
        files = list(ckpt.glob("*.jsonl"))
        if files and len(files[0].read_bytes().splitlines()) >= 12:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the bulk process ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    (ckpt_file,) = ckpt.glob("*.jsonl")
    kept = set(load_checkpoint(ckpt_file))
    assert 12 <= len(kept) < 60

    again = EchoEngine()
    stats = run_bulk(pl.DataFrame(make_rows(60)), ckpt, again, MODEL, dict(DEFAULT_SAMPLING), chunk_size=6)
    asked = {rid for call in again.calls for rid in call}
    assert stats["from_checkpoint"] == len(kept) and stats["generated"] == 60 - len(kept)
    assert asked.isdisjoint(kept) and len(asked | kept) == 60
    assert len(load_checkpoint(ckpt_file)) == 60


# ---- CLI and Dagster ---------------------------------------------------------------------------


def test_cli_fills_the_checkpoint_synthetic_queries_reads_in_bulk_mode(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import dagster as dg

    from assets.generation import routed_prompt_batches, routing_plan, synthetic_queries
    from resources.llm import OpenAICompatibleResource
    from resources.storage import PolarsParquetIOManager
    from tests import generation_fixtures as fx

    home = tmp_path / "home"
    monkeypatch.setenv("RN_HOME", str(home))  # synthetic_queries finds checkpoints under RN_HOME

    # Bulk mode: a model name and no base URL at all, so no HTTP request is even possible.
    text = OpenAICompatibleResource(model=MODEL, bulk=True)
    assert text.is_available() and not text.is_configured()
    resources = {"io_manager": PolarsParquetIOManager(base_dir=str(home)), "text_llm": text,
                 "vision_llm": OpenAICompatibleResource()}
    upstream = fx.upstream_assets(str(home / "previews"))
    assert dg.materialize(upstream + [routing_plan], resources=resources,
                          run_config={"ops": {"routing_plan": {"config": {"total_requests": 300}}}}).success
    plan = pl.read_parquet(home / "assets" / "routing_plan" / "data.parquet")
    expected = int(plan.filter((pl.col("route") == "text_llm") & (pl.col("content_type") == "Photo"))["n_requests"].sum())
    assert expected > 0 and plan.filter(pl.col("route") == "vision_llm")["n_requests"].sum() == 0

    key = dg.MultiPartitionKey({"route": "text_llm", "content_type": "photo"})
    assert dg.materialize(upstream + [routing_plan, routed_prompt_batches], resources=resources, partition_key=key,
                          selection=[routed_prompt_batches]).success
    written = list((home / "assets" / "routed_prompt_batches").glob("*.parquet"))
    assert written == [batch_path(home, "text_llm", "Photo")]

    engine = EchoEngine()
    stats_file = tmp_path / "stats.json"
    rc = main(["--route", "text_llm", "--content-type", "photo", "--home", str(home), "--served-model-name", MODEL,
               "--out", str(stats_file), "--chunk-size", "16"], engine_factory=lambda args: engine)
    assert rc == 0
    stats = json.loads(stats_file.read_text())
    assert stats["generated"] == expected and stats["failed"] == 0
    assert sum(len(c) for c in engine.calls) == expected
    (ckpt_file,) = checkpoint_dir_for(home, "text_llm", "Photo").glob("*.jsonl")

    # Two answers lost (say, a pod killed before its last flush): counted, never silent.
    lines = ckpt_file.read_bytes().splitlines(keepends=True)
    dropped = {json.loads(x)["request_id"] for x in lines[:2]}
    ckpt_file.write_bytes(b"".join(lines[2:]))
    res = dg.materialize(upstream + [routing_plan, routed_prompt_batches, synthetic_queries], resources=resources,
                         partition_key=key, selection=[synthetic_queries])
    assert res.success
    meta = res.asset_materializations_for_node("synthetic_queries")[0].metadata
    assert meta["from_bulk_checkpoint"].value == expected - 2
    out = pl.read_parquet(home / "assets" / "synthetic_queries" / batch_path(home, "text_llm", "Photo").name)
    assert out.height == expected
    missing = out.filter(pl.col("reject_reason") == NOT_IN_BULK_RESULTS)
    assert set(missing["request_id"]) == dropped
    ok = out.filter(pl.col("status") == "ok")
    assert ok.height == expected - 2 and set(ok["model"]) == {MODEL} and set(ok["content_type"]) == {"Photo"}


def test_job_manifest_args_are_the_cli_and_point_at_the_io_manager_file() -> None:
    import argparse

    text = (ROOT / "k8s" / "bulk_generate_job.yaml").read_text(encoding="utf-8")
    # The substitutions docs/kubernetes.md tells operators to make.
    text = text.replace("replace-me", "text-llm-design-asset").replace("replace-route", "text_llm")
    text = text.replace("replace-content-type", "design_asset")
    job = yaml.safe_load(text)
    (container,) = job["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    args = [re.sub(r"\$\((\w+)\)", lambda m: env[m.group(1)], a) for a in container["args"]]
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    ns = parser.parse_args(args)  # every flag of the manifest exists in the CLI
    home = Path(env["RN_HOME"])
    assert (ns.route, ns.content_type) == ("text_llm", "Design Asset")
    assert ns.batch == batch_path(home, "text_llm", "Design Asset")
    assert ns.served_model_name and ns.model_path and ns.checkpoint_dir is None
    assert (ns.temperature, ns.top_p, ns.max_tokens) == (0.7, 0.95, 256)


def test_sampling_defaults_match_the_resource_and_client(monkeypatch: pytest.MonkeyPatch) -> None:
    from resources.llm import OpenAICompatibleResource, resources_for

    res = OpenAICompatibleResource(base_url="http://127.0.0.1:1/v1", model=MODEL)
    assert res.sampling_defaults() == DEFAULT_SAMPLING == res.get_client().default_sampling
    req = ChatRequest("r", [], seed=7, sampling={"temperature": 0.1})
    assert sampling_for_defaults(DEFAULT_SAMPLING)(req) == res.get_client().sampling_for(req)

    for var in ("RN_TEXT_LLM_URL", "RN_VISION_LLM_URL", "RN_VISION_LLM_MODEL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("RN_TEXT_LLM_BULK", "1")
    monkeypatch.setenv("RN_TEXT_LLM_MODEL", MODEL)
    monkeypatch.setenv("RN_VISION_LLM_BULK", "1")  # no model name: not available
    local = resources_for("local")
    assert local["text_llm"].bulk and local["text_llm"].is_available() and not local["text_llm"].is_configured()
    assert not local["vision_llm"].is_available() and not local["judge_llm"].bulk


def test_bad_batch_inputs_are_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--checkpoint-dir", str(tmp_path / "ck"), "--served-model-name", MODEL]
    never = lambda args: pytest.fail("the engine must not be built for a bad batch")  # noqa: E731

    assert main(["--batch", str(tmp_path / "nope.parquet"), *common], engine_factory=never) == 2
    assert "nope.parquet" in capsys.readouterr().err

    junk = tmp_path / "junk.parquet"
    junk.write_text("not parquet")
    assert main(["--batch", str(junk), *common], engine_factory=never) == 2
    assert "junk.parquet" in capsys.readouterr().err

    rows = make_rows(4)
    no_col = tmp_path / "no_col.parquet"
    pl.DataFrame(rows).drop("template_id").write_parquet(no_col)
    assert main(["--batch", str(no_col), *common], engine_factory=never) == 2
    err = capsys.readouterr().err
    assert "no_col.parquet" in err and "template_id" in err

    rows[2]["route"] = "vision_llm"
    mixed = tmp_path / "mixed.parquet"
    pl.DataFrame(rows).write_parquet(mixed)
    assert main(["--route", "text_llm", "--content-type", "Photo", "--batch", str(mixed), *common],
                engine_factory=never) == 2
    err = capsys.readouterr().err
    assert "mixed.parquet" in err and "row 2" in err and "'route'" in err

    no_seed = tmp_path / "no_seed.parquet"
    pl.DataFrame(make_rows(3)).drop("seed").write_parquet(no_seed)
    assert main(["--batch", str(no_seed), *common], engine_factory=never) == 2
    err = capsys.readouterr().err
    assert "no_seed.parquet" in err and "seed" in err

    assert main(["--batch", str(mixed), *common, "--top-p", "1.5"], engine_factory=never) == 2
    assert "--top-p" in capsys.readouterr().err

    assert main(["--batch", str(mixed), "--checkpoint-dir", str(tmp_path)], engine_factory=never) == 2
    assert "--served-model-name" in capsys.readouterr().err


def test_vllm_engine_without_vllm_says_to_use_the_gpu_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "vllm", None)  # as here: not importable
    with pytest.raises(RuntimeError, match="GPU image") as info:
        VLLMOfflineEngine("/models/x")
    assert "Dockerfile.vllm-bulk" in str(info.value) and str(info.value) == GPU_IMAGE_HINT
    batch = tmp_path / "b.parquet"
    pl.DataFrame(make_rows(2)).write_parquet(batch)
    rc = main(["--batch", str(batch), "--checkpoint-dir", str(tmp_path / "ck"), "--served-model-name", MODEL,
               "--model-path", "/models/x"])
    assert rc == 3 and "GPU image" in capsys.readouterr().err
