"""A small pipeline run whose LLM routes talk to a server that faults ~10% of attempts (429s,
5xx, hangs, resets, cut or non-JSON bodies, completions without choices) ends with the same
filtered dataset and rejections, row for row, as the same run against a fault-free server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
import pytest

from tests.openai_test_server import OpenAITestServer, ServerConfig

TOTAL_REQUESTS = 600
# Server fault kind -> the client's retry reason (tests/test_llm_client.py holds the same map).
REASON_OF = {
    "429": "http_429", "429_no_retry_after": "http_429", "500": "http_500", "503": "http_503",
    "timeout": "timeout", "reset": "connection_reset", "truncated_body": "truncated_body", "html": "html_body",
    "non_json": "non_json", "wrong_schema": "bad_schema", "empty_choices": "empty_choices",
    "missing_choices": "missing_choices",
}


def _pipeline(home: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """upstream -> routing_plan -> every generation partition -> filtering, under `home`."""
    from assets import filtering as filtering_assets
    from assets.generation import routed_prompt_batches, routing_plan, synthetic_queries
    from assets.partitions import GENERATION_PARTITIONS
    from resources.llm import OpenAICompatibleResource
    from resources.storage import PolarsParquetIOManager
    from tests import generation_fixtures as fx

    monkeypatch.setenv("RN_HOME", str(home))
    previews = home / "previews"
    previews.mkdir(parents=True)
    from PIL import Image

    for aid in ("a3", "a4"):
        Image.new("RGB", (32, 24), (20, 120, 200)).save(previews / f"{aid}.png")
    llm = OpenAICompatibleResource(base_url=url, model="test-model", max_concurrency=16, timeout_s=1.5, max_retries=8)
    resources = {"io_manager": PolarsParquetIOManager(base_dir=str(home)), "text_llm": llm, "vision_llm": llm,
                 "judge_llm": OpenAICompatibleResource()}
    upstream = fx.upstream_assets(str(previews))
    generation = [routing_plan, routed_prompt_batches, synthetic_queries]
    assert dg.materialize(upstream + [routing_plan], resources=resources,
                          run_config={"ops": {"routing_plan": {"config": {"total_requests": TOTAL_REQUESTS}}}}).success
    llm_metadata: dict[str, dict[str, Any]] = {}
    for key in GENERATION_PARTITIONS.get_partition_keys():
        res = dg.materialize(upstream + generation, resources=resources, partition_key=key,
                             selection=[routed_prompt_batches, synthetic_queries])
        assert res.success, key
        meta = res.asset_materializations_for_node("synthetic_queries")[0].metadata
        if "llm_requests_sent" in meta:
            llm_metadata[str(key)] = {k: getattr(v, "value", v) for k, v in meta.items() if k.startswith("llm_")}
    filtering = dg.load_assets_from_modules([filtering_assets])
    res = dg.materialize(upstream + generation + filtering, resources=resources,
                         selection=dg.AssetSelection.assets("filtered_dataset", "filter_rejections"))
    assert res.success
    queries = pl.concat([pl.read_parquet(p) for p in sorted((home / "assets" / "synthetic_queries").glob("*.parquet"))],
                        how="vertical_relaxed")
    return {
        "filtered": pl.read_parquet(home / "assets" / "filtered_dataset" / "data.parquet"),
        "rejections": pl.read_parquet(home / "assets" / "filter_rejections" / "data.parquet"),
        "queries": queries.sort("request_id"),
        "llm_metadata": llm_metadata,
    }


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_faulty_llm_server_gives_the_fault_free_dataset_row_for_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with OpenAITestServer(ServerConfig()) as clean_srv:
        clean = _pipeline(tmp_path / "clean", clean_srv.url, monkeypatch)
        clean_stats = clean_srv.stats()
    cfg = ServerConfig(p_transient=0.10, fault_seed=11, retry_after_s=0.05, timeout_sleep_s=4.0)
    with OpenAITestServer(cfg) as faulty_srv:
        faulty = _pipeline(tmp_path / "faulty", faulty_srv.url, monkeypatch)
        stats = faulty_srv.stats()

    # The run really went through the LLM routes, and the faults really happened.
    llm_rows = clean["queries"].filter(pl.col("route") != "heuristic")
    assert llm_rows.height == clean_stats["requests"] > 50
    assert set(llm_rows["route"]) == {"text_llm", "vision_llm"}
    assert clean_stats["faults"] == {}
    n_faults = sum(stats["faults"].values())
    assert n_faults >= 0.05 * llm_rows.height and len(stats["faults"]) >= 6

    # Same rows, same order, same values: generation, the filtered dataset and the rejections.
    assert faulty["queries"].equals(clean["queries"])
    assert faulty["filtered"].height > 0 and faulty["filtered"].equals(clean["filtered"])
    assert faulty["rejections"].equals(clean["rejections"])
    assert "text_llm" in set(faulty["filtered"]["route"])

    # No empty answer got through as a row, and no transport fault became a rejection.
    kept = faulty["filtered"]
    assert kept["query"].null_count() == 0 and (kept["query"].str.strip_chars() != "").all()
    ok = faulty["queries"].filter(pl.col("status") == "ok")
    assert ok["raw_output"].null_count() == 0 and ok["query"].null_count() == 0
    assert faulty["rejections"]["reason"].null_count() == 0
    transport = set(REASON_OF.values()) | {f"{r}_exhausted" for r in REASON_OF.values()} | {"connection_error"}
    gen_reasons = set(faulty["queries"]["reject_reason"].drop_nulls())
    assert not gen_reasons & transport and not set(faulty["rejections"]["reason"]) & transport

    # Every partition reported what went over the wire; the counts add up to what the server saw.
    meta = faulty["llm_metadata"]
    assert meta and set(meta) == set(clean["llm_metadata"])
    total = {k: sum(m[k] for m in meta.values()) for k in ("llm_requests", "llm_requests_sent", "llm_retries", "llm_failed")}
    assert total["llm_failed"] == 0 and total["llm_requests"] == llm_rows.height
    assert total["llm_requests_sent"] == stats["requests"] == total["llm_requests"] + total["llm_retries"]
    by_reason: dict[str, int] = {}
    for m in meta.values():
        assert m["llm_failed_by_reason"] == {} and sum(m["llm_retries_by_reason"].values()) == m["llm_retries"]
        for reason, n in m["llm_retries_by_reason"].items():
            by_reason[reason] = by_reason.get(reason, 0) + n
    expected: dict[str, int] = {}
    for kind, n in stats["faults"].items():
        expected[REASON_OF[kind]] = expected.get(REASON_OF[kind], 0) + n
    # A slow moment on a loaded machine can add a timeout of its own; every other count is exact.
    assert {r: n for r, n in by_reason.items() if r != "timeout"} == {r: n for r, n in expected.items() if r != "timeout"}
    assert by_reason.get("timeout", 0) >= expected.get("timeout", 0)
    assert all(m["llm_retries"] == 0 for m in clean["llm_metadata"].values())
