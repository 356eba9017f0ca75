"""Bench: our LLM client against a bare `openai.AsyncOpenAI` loop at the same concurrency.

Both drive the OpenAI-compatible test server (in its own process) at a fixed latency with the
same rendered prompts. Target: ours within 10% of the bare loop (ratio >= 0.9), and the server
sees the full concurrency in flight.

    python -m bench.llm_client [--requests 5000 --concurrency 256 --latency 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import urllib.request
from typing import Any

from routenator_dagster.llm_client import ChatRequest, LLMClient
from routenator_dagster.routes.llm_prompts import render_messages, response_schema, template_ids
from tests.openai_test_server import ServerConfig, spawn_server


def _requests(n: int) -> list[ChatRequest]:
    schema = response_schema()
    out = []
    for i in range(n):
        fn = "Search" if i % 2 else "Generate"
        tid = template_ids("text_llm", fn, "Template")[i % 3]
        row = {"request_id": f"b{i:06d}", "function": fn, "content_type": "Template", "min_words": 3,
               "max_words": 10 if fn == "Search" else 25, "seed": i,
               "variables": json.dumps({"intent": "bakery opening", "design_type": "flyer", "title": f"Fresh Bread Day {i}"})}
        out.append(ChatRequest(row["request_id"], render_messages(tid, row), seed=i, response_schema=schema))
    return out


def _stats(url: str, reset: bool = False) -> dict[str, Any]:
    base = url.removesuffix("/v1")
    req = urllib.request.Request(base + ("/reset" if reset else "/stats"), method="POST" if reset else "GET")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


async def _bare_openai(url: str, reqs: list[ChatRequest], concurrency: int) -> int:
    import openai

    client = openai.AsyncOpenAI(base_url=url, api_key="bench", max_retries=0, timeout=60)
    sem = asyncio.Semaphore(concurrency)
    schema = response_schema()
    ok = 0

    async def one(r: ChatRequest) -> None:
        nonlocal ok
        async with sem:
            resp = await client.chat.completions.create(
                model="test-model", messages=r.messages, seed=r.seed, temperature=0.7, top_p=0.95, max_tokens=256,
                response_format={"type": "json_schema", "json_schema": {"name": "answer", "schema": schema, "strict": True}},
            )
            ok += bool(resp.choices[0].message.content)

    await asyncio.gather(*(one(r) for r in reqs))
    await client.close()
    return ok


def main(n_requests: int = 5000, concurrency: int = 256, latency_s: float = 0.05) -> list[dict[str, Any]]:
    reqs = _requests(n_requests)
    proc, url = spawn_server(ServerConfig(latency_s=latency_s))
    try:
        # Warm both paths once (imports, connection setup) so neither pays it in the timing.
        asyncio.run(_bare_openai(url, reqs[:concurrency], concurrency))
        LLMClient(url, "test-model", "bench", max_concurrency=concurrency).run_all(reqs[:concurrency])

        # Interleaved (bare, ours, ours, bare), best of two each: the machine is shared.
        bare_s = ours_s = float("inf")
        for who in ("bare", "ours", "ours", "bare"):
            _stats(url, reset=True)
            t0 = time.perf_counter()
            if who == "bare":
                ok_bare = asyncio.run(_bare_openai(url, reqs, concurrency))
                bare_s = min(bare_s, time.perf_counter() - t0)
                bare_stats = _stats(url)
            else:
                ours = LLMClient(url, "test-model", "bench", max_concurrency=concurrency)
                results = ours.run_all(reqs)
                ours_s = min(ours_s, time.perf_counter() - t0)
                ours_stats = _stats(url)
    finally:
        proc.kill()
        proc.wait()
    ok_ours = sum(r.ok for r in results)
    if ok_ours != n_requests or ok_bare != n_requests:
        raise RuntimeError(f"bench requests failed: ours {ok_ours}, bare {ok_bare} of {n_requests}")
    bare_rps, ours_rps = n_requests / bare_s, n_requests / ours_s
    ideal = concurrency / latency_s
    detail = f"{n_requests} requests, {concurrency} in flight, {int(latency_s * 1000)} ms server latency"
    rows = [
        ("llm_client.ours_rps", round(ours_rps, 1), "requests/s", None),
        ("llm_client.bare_openai_rps", round(bare_rps, 1), "requests/s", None),
        ("llm_client.ours_over_bare", round(ours_rps / bare_rps, 3), "ratio", ">= 0.9"),
        ("llm_client.ours_max_in_flight", ours_stats["max_in_flight"], "requests", f">= {concurrency}"),
        ("llm_client.bare_max_in_flight", bare_stats["max_in_flight"], "requests", None),
        ("llm_client.latency_bound_rps", round(ideal, 1), "requests/s", None),
        ("llm_client.tokens_counted", ours.usage.prompt_tokens + ours.usage.completion_tokens, "tokens", "> 0"),
    ]
    return [{"bench": b, "value": v, "unit": u, "target": t, "detail": detail} for b, v, u, t in rows]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--concurrency", type=int, default=256)
    ap.add_argument("--latency", type=float, default=0.05)
    a = ap.parse_args()
    for row in main(a.requests, a.concurrency, a.latency):
        print(json.dumps(row))
