"""LLM routes end to end over HTTP: every request ends as one row, ok or rejected with a reason."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from PIL import Image

from routenator_dagster.llm_client import LLMClient
from routenator_dagster.routes.llm_prompts import family_of, render_messages, response_schema, template_ids
from routenator_dagster.routes.llm_route import BatchError, run_llm_batch
from routenator_dagster.schema import SYNTHETIC_SCHEMA
from tests.openai_test_server import OpenAITestServer, ServerConfig

KNOWN_REASONS = {
    "http_429_exhausted", "http_500_exhausted", "timeout", "malformed_json", "truncated", "schema_violation",
    "wrapper_text", "too_long", "missing_preview", "render_error",
}


def _row(i: int, *, function: str = "Search", content_type: str = "Photo", route: str = "text_llm",
         title: str = "", preview: str | None = None, max_words: int | None = None, variables: str | None = None) -> dict:
    ids = template_ids(route, function, content_type)
    tid = ids[i % len(ids)]
    hi = max_words or (10 if function == "Search" else 25)
    return {
        "request_id": f"req-{i:04d}", "function": function, "content_type": content_type,
        "length_bucket": f"b_{hi}", "min_words": 3, "max_words": hi, "route": route,
        "template_family": family_of(tid), "template_id": tid,
        "variables": variables if variables is not None else json.dumps(
            {"intent": "spring sale", "scene_objects": f"tulip{i}", "color": "pink", "title": title}),
        "source_nodes": ["intent:spring_sale", f"obj:tulip{i}"], "asset_id": f"asset-{i}" if preview else None,
        "preview_path": preview, "seed": 1000 + i,
    }


def _client(srv: OpenAITestServer, **kw: object) -> LLMClient:
    opts = {"timeout_s": 0.8, "max_retries": 2, "backoff_base_s": 0.001, "max_concurrency": 64, "rng_seed": 3}
    opts.update(kw)
    return LLMClient(srv.url, "test-model", None, **opts)  # type: ignore[arg-type]


@pytest.fixture()
def server():
    with OpenAITestServer(ServerConfig(retry_after_s=0.0, timeout_sleep_s=1.2)) as srv:
        yield srv


def test_every_forced_fault_ends_as_retry_or_counted_rejection(server: OpenAITestServer, tmp_path: Path) -> None:
    faults = {
        1: ("[[fault:429]]", "http_429_exhausted"), 2: ("[[fault:500]]", "http_500_exhausted"),
        3: ("[[fault:timeout]]", "timeout"), 4: ("[[fault:malformed]]", "malformed_json"),
        5: ("[[fault:truncated]]", "truncated"), 6: ("[[fault:wrapper]]", "wrapper_text"),
        7: ("[[fault:long]]", "too_long"), 8: ("[[fault:schema]]", "schema_violation"),
        9: ("[[fault:429x1]]", None), 10: ("[[fault:500x2]]", None), 11: ("[[fault:timeoutx1]]", None),
    }
    rows = [_row(i, function="Generate" if i % 2 else "Search", title=faults.get(i, ("", None))[0]) for i in range(24)]
    rows.append(_row(30, variables="{not json"))
    batch = pl.DataFrame(rows).sample(fraction=1.0, shuffle=True, seed=5)
    out = run_llm_batch(batch, _client(server), tmp_path, sampling={"temperature": 0.2})

    assert out.schema == pl.Schema(SYNTHETIC_SCHEMA)
    assert out["request_id"].to_list() == sorted(r["request_id"] for r in rows)
    got = dict(zip(out["request_id"], out["reject_reason"]))
    for i, (_, reason) in faults.items():
        assert got[f"req-{i:04d}"] == reason, i
    assert got["req-0030"] == "render_error"
    ok = out.filter(pl.col("status") == "ok")
    rejected = out.filter(pl.col("status") == "rejected")
    assert ok.height + rejected.height == len(rows) and ok.height == 24 - 8
    assert rejected["reject_reason"].null_count() == 0 and ok["reject_reason"].null_count() == ok.height
    # Recovered requests (429 once, 500 twice, one timeout) were retried, not rejected.
    assert server.stats()["faults"]["500"] == 3 + 2  # 3 attempts exhausted, then 2 failures + 1 success
    # Labels come from the request; provenance is complete.
    src = {r["request_id"]: r for r in rows}
    for r in ok.iter_rows(named=True):
        assert (r["function"], r["content_type"]) == (src[r["request_id"]]["function"], "Photo")
        assert r["query"] and r["extracted_prompt"] and len(r["query"].split()) <= src[r["request_id"]]["max_words"]
        assert json.loads(r["raw_output"])["query"] == r["query"]
        samp = json.loads(r["sampling"])
        assert samp["temperature"] == 0.2 and samp["seed"] == r["seed"] and "top_p" in samp and "max_tokens" in samp
        assert r["model"] == "test-model" and r["source_nodes"] == src[r["request_id"]]["source_nodes"]
        assert r["template_family"] == family_of(r["template_id"])


def test_random_fault_mix_counts_add_up(tmp_path: Path) -> None:
    cfg = ServerConfig(p_429=0.15, p_500=0.1, p_malformed=0.05, p_truncated=0.05, p_wrapper=0.05,
                       retry_after_s=0.0, timeout_sleep_s=1.0)
    with OpenAITestServer(cfg) as srv:
        rows = [_row(i, function="Generate" if i % 3 == 0 else "Search") for i in range(300)]
        seen: list[tuple[int, int]] = []
        out = run_llm_batch(pl.DataFrame(rows), _client(srv, max_retries=1), tmp_path,
                            progress=lambda d, t: seen.append((d, t)))
        stats = srv.stats()
    assert seen[-1] == (300, 300) and len(seen) <= 101
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    counts = out.group_by("status").len()
    assert counts["len"].sum() == 300 and out["request_id"].n_unique() == 300
    reasons = set(out["reject_reason"].drop_nulls())
    assert reasons <= KNOWN_REASONS and {"malformed_json", "truncated", "wrapper_text"} <= reasons
    assert stats["requests"] > 300  # some requests were retried
    assert stats["distinct_prompts"] == 300


def _png(path: Path, color: tuple[int, int, int]) -> str:
    Image.new("RGB", (32, 24), color).save(path)
    return str(path)


def test_vision_route_sends_real_png_and_rejects_missing_preview(server: OpenAITestServer, tmp_path: Path) -> None:
    rows = [_row(i, route="vision_llm", content_type="Template", preview=_png(tmp_path / f"p{i}.png", (i * 40, 90, 200)))
            for i in range(4)]
    rows.append(_row(9, route="vision_llm", content_type="Template", preview=str(tmp_path / "gone.png")))
    (tmp_path / "fake.png").write_text("not a png")
    rows.append(_row(10, route="vision_llm", content_type="Template", preview=str(tmp_path / "fake.png")))
    out = run_llm_batch(pl.DataFrame(rows), _client(server), tmp_path / "ckpt")
    assert server.stats()["images"] == 4 and server.stats()["requests"] == 4
    by_id = dict(zip(out["request_id"], out["reject_reason"]))
    assert by_id["req-0009"] == "missing_preview" and by_id["req-0010"] == "missing_preview"
    ok = out.filter(pl.col("status") == "ok")
    assert ok.height == 4 and set(ok["asset_id"]) == {f"asset-{i}" for i in range(4)}
    assert set(ok["route"]) == {"vision_llm"}
    user = server.last_body["messages"][1]["content"]
    assert user[0]["type"] == "image_url" and user[0]["image_url"]["url"].startswith("data:image/png;base64,")


def test_templates_cover_every_cell_and_keep_fixed_part_first() -> None:
    from routenator_dagster.labels import CONTENT_TYPES, FUNCTIONS

    for route in ("text_llm", "vision_llm"):
        for fn in FUNCTIONS:
            for ct in CONTENT_TYPES:
                ids = template_ids(route, fn, ct)
                assert ids and len(set(ids)) == len(ids)
                assert {family_of(t) for t in ids} <= {"length", "api", "media"}
    assert {family_of(t) for t in template_ids("text_llm", "Search", "Audio")} == {"length", "api", "media"}
    a = render_messages("text_llm.media.search.audio", _row(1, content_type="Audio") | {"template_id": "x"})
    b = render_messages("text_llm.media.search.audio", _row(2, content_type="Audio"))
    assert a[0] == b[0]  # same system prompt for the whole template: prefix cache hits
    assert "tulip1" in a[1]["content"] and "tulip1" not in a[0]["content"]
    gen = render_messages("text_llm.api.generate", _row(1, function="Generate"))[0]["content"]
    search = render_messages("text_llm.api.search", _row(1))[0]["content"]
    assert "40 words" in gen and "1 to 5 keywords" in search and gen != search
    with pytest.raises(ValueError):
        render_messages("vision_llm.api.search", _row(1, route="vision_llm"), None)
    with pytest.raises(ValueError):
        family_of("text_llm.bogus.search")
    assert response_schema()["required"] == ["query", "extracted_prompt"]


def test_malformed_batch_is_a_clear_error(server: OpenAITestServer, tmp_path: Path) -> None:
    with pytest.raises(BatchError, match="template_id"):
        run_llm_batch(pl.DataFrame([_row(1)]).drop("template_id"), _client(server), tmp_path)
    with pytest.raises(BatchError, match="duplicate"):
        run_llm_batch(pl.DataFrame([_row(1), _row(1)]), _client(server), tmp_path)


# ---- through Dagster: the generation assets with both LLM resources pointed at the test server --

def test_llm_partitions_materialize_through_dagster(server: OpenAITestServer, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import dagster as dg

    from assets.generation import routed_prompt_batches, routing_plan, synthetic_queries
    from resources.llm import OpenAICompatibleResource
    from resources.storage import PolarsParquetIOManager
    from tests import generation_fixtures as fx

    monkeypatch.setenv("RN_HOME", str(tmp_path))
    previews_dir = tmp_path / "previews"
    previews_dir.mkdir()
    for aid in ("a3", "a4"):
        _png(previews_dir / f"{aid}.png", (20, 120, 200))

    llm = OpenAICompatibleResource(base_url=server.url, model="test-model", max_concurrency=32, timeout_s=5.0)
    resources = {"io_manager": PolarsParquetIOManager(base_dir=str(tmp_path)), "text_llm": llm, "vision_llm": llm}
    upstream = fx.upstream_assets(str(previews_dir))
    assert dg.materialize(upstream + [routing_plan], resources=resources,
                          run_config={"ops": {"routing_plan": {"config": {"total_requests": 400}}}}).success
    plan = pl.read_parquet(tmp_path / "assets" / "routing_plan" / "data.parquet")
    for route, slug, ct in (("text_llm", "photo", "Photo"), ("vision_llm", "template", "Template")):
        expected = plan.filter((pl.col("route") == route) & (pl.col("content_type") == ct))["n_requests"].sum()
        assert expected > 0, (route, ct)
        server.reset()
        res = dg.materialize(upstream + [routing_plan, routed_prompt_batches, synthetic_queries], resources=resources,
                             partition_key=dg.MultiPartitionKey({"route": route, "content_type": slug}),
                             selection=[routed_prompt_batches, synthetic_queries])
        assert res.success
        out = pl.read_parquet(next((tmp_path / "assets" / "synthetic_queries").glob(f"{slug}*{route}*.parquet")))
        assert out.height == expected and server.stats()["requests"] == expected
        ok = out.filter(pl.col("status") == "ok")
        assert ok.height == expected and set(ok["route"]) == {route} and set(ok["content_type"]) == {ct}
        if route == "vision_llm":
            assert server.stats()["images"] == expected and set(ok["asset_id"]) <= {"a3", "a4"}
