"""The async OpenAI-compatible client against the HTTP test server (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import socket
import time

import dagster as dg
import pytest

from resources.llm import OpenAICompatibleResource, resources_for
from routenator_dagster.llm_client import ChatRequest, LLMClient
from tests.openai_test_server import OpenAITestServer, ServerConfig


def _req(i: int, text: str = "", **kw: object) -> ChatRequest:
    msgs = [{"role": "system", "content": "write a query"},
            {"role": "user", "content": f"tool: Search\ncontent type: Photo\nwords: between 1 and 4\nintent: cats {i} {text}"}]
    return ChatRequest(f"r{i:03d}", msgs, **kw)  # type: ignore[arg-type]


@pytest.fixture()
def server():
    with OpenAITestServer(ServerConfig(retry_after_s=0.2, timeout_sleep_s=2.0)) as srv:
        yield srv


def _client(srv: OpenAITestServer, **kw: object) -> LLMClient:
    opts = {"timeout_s": 5.0, "max_retries": 3, "backoff_base_s": 0.001, "rng_seed": 1}
    opts.update(kw)
    return LLMClient(srv.url, "test-model", "secret-key", **opts)  # type: ignore[arg-type]


def test_keeps_exactly_max_concurrency_in_flight() -> None:
    with OpenAITestServer(ServerConfig(latency_s=0.25)) as srv:
        results = _client(srv, max_concurrency=24).run_all([_req(i) for i in range(96)])
        assert srv.stats()["max_in_flight"] == 24
        assert [r.request_id for r in results] == [f"r{i:03d}" for i in range(96)]
        assert all(r.ok for r in results)
        srv.reset()
        _client(srv, max_concurrency=96).run_all([_req(i) for i in range(96)])
        assert srv.stats()["max_in_flight"] == 96  # what the server saw, not how long it took


def test_retries_429_honouring_retry_after_then_succeeds(server: OpenAITestServer) -> None:
    t0 = time.perf_counter()
    (res,) = _client(server).run_all([_req(1, "[[fault:429x2]]")])
    elapsed = time.perf_counter() - t0
    assert res.ok and res.attempts == 3
    assert elapsed >= 0.4  # two Retry-After waits of 0.2 s, though the backoff base is 1 ms
    assert server.stats()["faults"] == {"429": 2}


def test_exhausted_retries_and_non_retryable_errors_are_results_not_exceptions(server: OpenAITestServer) -> None:
    client = _client(server, max_retries=2, timeout_s=0.5)
    server.config.retry_after_s = 0.0
    bad = ChatRequest("bad", "not-a-list-of-messages")  # type: ignore[arg-type]
    results = client.run_all([_req(1, "[[fault:429]]"), _req(2, "[[fault:500]]"), _req(3, "[[fault:timeout]]"), bad, _req(4)])
    by_id = {r.request_id: r for r in results}
    assert by_id["r001"].error == "http_429_exhausted" and by_id["r001"].attempts == 3
    assert by_id["r002"].error == "http_500_exhausted" and by_id["r002"].attempts == 3
    assert by_id["r003"].error == "timeout" and by_id["r003"].attempts == 3
    assert by_id["bad"].error == "http_400" and by_id["bad"].attempts == 1
    assert by_id["r004"].ok and by_id["r004"].content
    assert client.usage.failed == 4 and client.usage.succeeded == 1
    assert client.usage.errors == {"http_429_exhausted": 1, "http_500_exhausted": 1, "timeout": 1, "http_400": 1}


def test_connection_refused_is_a_connection_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = LLMClient(f"http://127.0.0.1:{port}/v1", "m", max_retries=1, backoff_base_s=0.001, timeout_s=2)
    (res,) = client.run_all([_req(0)])
    assert res.error == "connection_error" and res.attempts == 2


def test_request_fields_tokens_and_seed(server: OpenAITestServer) -> None:
    schema = {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}
    client = _client(server, temperature=0.3, top_p=0.9, max_tokens=64)
    results = client.run_all([_req(i, seed=40 + i, response_schema=schema, sampling={"top_k": 50}) for i in range(5)])
    body = server.last_body
    assert body is not None
    assert body["model"] == "test-model" and body["temperature"] == 0.3 and body["top_p"] == 0.9
    assert body["max_tokens"] == 64 and body["top_k"] == 50 and body["seed"] in range(40, 45)
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == schema
    assert all(r.prompt_tokens > 0 and r.completion_tokens > 0 for r in results)
    assert client.usage.prompt_tokens == sum(r.prompt_tokens for r in results)
    assert client.usage.completion_tokens == sum(r.completion_tokens for r in results)
    assert client.sampling_for(_req(0, seed=7))["seed"] == 7


def test_api_key_is_sent_but_never_shown() -> None:
    with OpenAITestServer(ServerConfig(api_key="s3cr3t-token")) as srv:
        good = LLMClient(srv.url, "m", "s3cr3t-token", max_retries=0)
        wrong = LLMClient(srv.url, "m", "other", max_retries=0)
        assert good.run_all([_req(0)])[0].ok
        assert wrong.run_all([_req(0)])[0].error == "http_401"
        assert "s3cr3t" not in repr(good) and "s3cr3t" not in str(good)


def test_backoff_is_exponential_with_jitter_and_capped(server: OpenAITestServer) -> None:
    client = _client(server, backoff_base_s=0.1, backoff_max_s=1.0)
    waits = [client._backoff(2, None) for _ in range(20)]
    assert all(0.2 <= w <= 0.4 for w in waits) and len(set(waits)) > 1
    assert all(0.5 <= client._backoff(10, None) <= 1.0 for _ in range(5))
    assert client._backoff(0, 0.7) == 0.7 and client._backoff(0, 99.0) == 1.0


def test_run_all_works_inside_a_running_event_loop(server: OpenAITestServer) -> None:
    async def inside() -> list:
        return _client(server).run_all([_req(i) for i in range(3)])

    assert all(r.ok for r in asyncio.run(inside()))


def test_resources_local_unconfigured_and_from_env(monkeypatch: pytest.MonkeyPatch, server: OpenAITestServer) -> None:
    for var in ("RN_TEXT_LLM_URL", "RN_TEXT_LLM_MODEL", "RN_VISION_LLM_URL", "RN_JUDGE_LLM_URL", "VLLM_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    local = resources_for("local")
    assert set(local) == {"text_llm", "vision_llm", "judge_llm"}
    assert not any(r.is_configured() for r in local.values())
    with pytest.raises(RuntimeError, match="no base_url"):
        local["text_llm"].get_client()

    prod = resources_for("production")
    assert prod["text_llm"].base_url == "http://vllm-text:8000/v1"
    assert prod["vision_llm"].base_url == "http://vllm-vision:8000/v1"

    monkeypatch.setenv("RN_TEXT_LLM_URL", server.url)
    monkeypatch.setenv("RN_TEXT_LLM_MODEL", "test-model")
    monkeypatch.setenv("VLLM_API_KEY", "hidden-value")
    text = resources_for("local")["text_llm"]
    assert not resources_for("local")["vision_llm"].is_configured()
    assert dg.materialize([_probe_llm], resources={"text_llm": text}).success


@dg.asset
def _probe_llm(text_llm: OpenAICompatibleResource) -> None:
    assert text_llm.is_configured()
    client = text_llm.get_client()
    assert client.max_concurrency == 256
    assert client.run_all([_req(0)])[0].ok
    assert "hidden-value" not in repr(client)
