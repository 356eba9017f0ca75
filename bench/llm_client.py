"""Bench: our LLM client against a bare `openai.AsyncOpenAI` loop and a raw `aiohttp` loop.

All three drive the OpenAI-compatible test server (in its own process) at a fixed latency with
the same rendered prompts, at 256 and at 1024 in flight. Per concurrency it reports:

- `llm_client_in_flight_share`: the most requests the server saw in flight at once over the
  configured concurrency, measured with the server holding every request until that many are
  in flight (so the server's own speed cannot hide a client that keeps fewer on the wire);
  `llm_client_in_flight_share_at_speed` is the same share during the timed run at 50 ms latency.
- `llm_client_speed_vs_bare_openai` / `llm_client_speed_vs_raw_aiohttp`: ratios of requests/s.
- `llm_client_cpu_ms_per_request` (ours, bare, raw): client-process CPU per request.

Runs are interleaved (raw, ours, bare, ours, raw, bare, raw, ours) and each path keeps its best
(three runs of ours and raw, two of the slow bare SDK): the machine is shared.

    python -m bench.llm_client [--requests 5000 --concurrency 256 1024 --latency 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
import urllib.request
from typing import Any

from routenator_dagster.llm_client import ChatRequest, LLMClient
from routenator_dagster.routes.llm_prompts import render_messages, response_schema, template_ids
from tests.openai_test_server import ServerConfig, spawn_server

SAMPLING = {"temperature": 0.7, "top_p": 0.95, "max_tokens": 256}


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


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


def _server(url: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    base = url.removesuffix("/v1")
    data = json.dumps(body).encode() if body is not None else None
    method = "GET" if path == "/stats" else "POST"
    req = urllib.request.Request(base + path, data=data, method=method)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


async def _bare_openai(url: str, reqs: list[ChatRequest], concurrency: int) -> int:
    """What a user of the SDK writes: one AsyncOpenAI client, a semaphore, gather (SDK default pool)."""
    import openai

    client = openai.AsyncOpenAI(base_url=url, api_key="bench", max_retries=0, timeout=120)
    sem = asyncio.Semaphore(concurrency)
    schema = response_schema()
    ok = 0

    async def one(r: ChatRequest) -> None:
        nonlocal ok
        async with sem:
            resp = await client.chat.completions.create(
                model="test-model", messages=r.messages, seed=r.seed, n=1, **SAMPLING,  # type: ignore[arg-type]
                response_format={"type": "json_schema", "json_schema": {"name": "answer", "schema": schema, "strict": True}},
            )
            ok += bool(resp.choices[0].message.content)

    await asyncio.gather(*(one(r) for r in reqs))
    await client.close()
    return ok


async def _raw_aiohttp(url: str, reqs: list[ChatRequest], concurrency: int) -> int:
    """The floor: one aiohttp session, `concurrency` workers, orjson, no checks, no retries."""
    import aiohttp
    import orjson

    schema = response_schema()
    endpoint = url + "/chat/completions"
    ok = 0
    next_i = 0
    headers = {"Content-Type": "application/json", "Authorization": "Bearer bench"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker() -> None:
            nonlocal ok, next_i
            while next_i < len(reqs):
                r = reqs[next_i]
                next_i += 1
                body = {"model": "test-model", "messages": r.messages, "n": 1, **SAMPLING, "seed": r.seed,
                        "response_format": {"type": "json_schema",
                                            "json_schema": {"name": "answer", "schema": schema, "strict": True}}}
                async with session.post(endpoint, data=orjson.dumps(body)) as resp:
                    data = orjson.loads(await resp.read())
                ok += bool(data["choices"][0]["message"]["content"])

        await asyncio.gather(*(worker() for _ in range(min(concurrency, len(reqs)))))
    return ok


def _ours(url: str, reqs: list[ChatRequest], concurrency: int) -> tuple[int, LLMClient]:
    client = LLMClient(url, "test-model", "bench", max_concurrency=concurrency)
    results = client.run_all(reqs)
    return sum(r.ok for r in results), client


def _timed(who: str, url: str, reqs: list[ChatRequest], concurrency: int) -> dict[str, Any]:
    _server(url, "/reset")
    cpu0, t0 = time.process_time(), time.perf_counter()
    client = None
    if who == "ours":
        ok, client = _ours(url, reqs, concurrency)
    elif who == "bare":
        ok = asyncio.run(_bare_openai(url, reqs, concurrency))
    else:
        ok = asyncio.run(_raw_aiohttp(url, reqs, concurrency))
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    stats = _server(url, "/stats")
    if ok != len(reqs):
        raise RuntimeError(f"bench: {who} at {concurrency} in flight: {ok} of {len(reqs)} requests ok")
    return {"wall_s": wall, "cpu_s": cpu, "max_in_flight": stats["max_in_flight"], "client": client}


def _in_flight_probe(url: str, reqs: list[ChatRequest], concurrency: int) -> int:
    """Max in flight the server saw while holding requests until `concurrency` were in flight."""
    _server(url, "/config", {"hold_until_in_flight": concurrency, "hold_max_s": 20.0})
    try:
        _server(url, "/reset")
        ok, _ = _ours(url, reqs[: 2 * concurrency], concurrency)
        seen = _server(url, "/stats")["max_in_flight"]
    finally:
        _server(url, "/config", {"hold_until_in_flight": 0})
    if ok != 2 * concurrency:
        raise RuntimeError(f"bench: in-flight probe at {concurrency}: {ok} of {2 * concurrency} ok")
    return seen


def _one_concurrency(url: str, reqs: list[ChatRequest], concurrency: int, latency_s: float) -> list[dict[str, Any]]:
    n = len(reqs)
    # Warm every path once (imports, first connections) so no timed run pays for it.
    warm = reqs[: min(n, concurrency)]
    asyncio.run(_raw_aiohttp(url, warm, concurrency))
    asyncio.run(_bare_openai(url, warm, concurrency))
    _ours(url, warm, concurrency)
    best: dict[str, dict[str, Any]] = {}
    min_cpu: dict[str, float] = {}
    for who in ("raw", "ours", "bare", "ours", "raw", "bare", "raw", "ours"):
        run = _timed(who, url, reqs, concurrency)
        if who not in best or run["wall_s"] < best[who]["wall_s"]:
            best[who] = run
        min_cpu[who] = min(min_cpu.get(who, float("inf")), run["cpu_s"])
    probe = _in_flight_probe(url, reqs, concurrency)
    rps = {who: n / r["wall_s"] for who, r in best.items()}
    cpu_ms = {who: 1000 * c / n for who, c in min_cpu.items()}  # CPU: the least any run of that path used
    usage = best["ours"]["client"].usage
    detail = f"{n} requests, {concurrency} in flight, {int(latency_s * 1000)} ms server latency, best run"
    rows: list[tuple[str, Any, str, str | None, str]] = [
        ("llm_client_in_flight_share", round(probe / concurrency, 3), "ratio", ">= 1.0",
         f"server saw {probe} of {concurrency} in flight (holding requests until {concurrency} were)"),
        ("llm_client_in_flight_share_at_speed", round(best["ours"]["max_in_flight"] / concurrency, 3), "ratio", None,
         f"max {best['ours']['max_in_flight']} in flight during the timed run (bare: {best['bare']['max_in_flight']},"
         f" raw: {best['raw']['max_in_flight']}); below 1 when the server, not the client, is the bottleneck"),
        ("llm_client_speed_vs_bare_openai", round(rps["ours"] / rps["bare"], 3), "ratio", ">= 1.0",
         f"ours {rps['ours']:.0f} req/s, bare openai {rps['bare']:.0f} req/s"),
        ("llm_client_speed_vs_raw_aiohttp", round(rps["ours"] / rps["raw"], 3), "ratio", ">= 0.9",
         f"ours {rps['ours']:.0f} req/s, raw aiohttp {rps['raw']:.0f} req/s"),
        ("llm_client_cpu_ms_per_request", round(cpu_ms["ours"], 3), "ms", None,
         f"client-process CPU; bare openai {cpu_ms['bare']:.3f} ms, raw aiohttp {cpu_ms['raw']:.3f} ms"),
        ("llm_client.ours_rps", round(rps["ours"], 1), "requests/s", None, ""),
        ("llm_client.bare_openai_rps", round(rps["bare"], 1), "requests/s", None, ""),
        ("llm_client.raw_aiohttp_rps", round(rps["raw"], 1), "requests/s", None, ""),
        ("llm_client.latency_bound_rps", round(concurrency / latency_s, 1), "requests/s", None, ""),
        ("llm_client.tokens_counted", usage.prompt_tokens + usage.completion_tokens, "tokens", "> 0", ""),
    ]
    return [{"bench": b, "value": v, "unit": u, "target": t, "concurrency": concurrency,
             "detail": f"{detail}; {extra}" if extra else detail} for b, v, u, t, extra in rows]


def main(n_requests: int = 5000, concurrencies: tuple[int, ...] = (256, 1024), latency_s: float = 0.05) -> list[dict[str, Any]]:
    _raise_fd_limit()
    reqs = _requests(max(n_requests, 2 * max(concurrencies)))
    proc, url = spawn_server(ServerConfig(latency_s=latency_s))
    try:
        rows: list[dict[str, Any]] = []
        for c in concurrencies:
            rows += _one_concurrency(url, reqs[: max(n_requests, 2 * c)], c, latency_s)
    finally:
        proc.kill()
        proc.wait()
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[256, 1024])
    ap.add_argument("--latency", type=float, default=0.05)
    a = ap.parse_args()
    for row in main(a.requests, tuple(a.concurrency), a.latency):
        print(json.dumps(row))
