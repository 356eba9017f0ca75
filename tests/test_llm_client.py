"""The async OpenAI-compatible client against the HTTP test server (real HTTP on 127.0.0.1).

Nothing here measures time: concurrency is what the server saw in flight at once, retries are
what the server and the client counted, and Retry-After is the wait the client chose."""

from __future__ import annotations

import asyncio
import socket

import dagster as dg
import pytest

from resources.llm import OpenAICompatibleResource, resources_for
from routenator_dagster.llm_client import ChatRequest, LLMClient, LLMEndpointError, _retry_after_s
from tests.openai_test_server import TRANSIENT_KINDS, OpenAITestServer, ServerConfig

# Server fault kind -> the retry reason the client must count for it.
REASON_OF = {
    "429": "http_429", "429_no_retry_after": "http_429", "500": "http_500", "503": "http_503",
    "timeout": "timeout", "reset": "connection_reset", "truncated_body": "truncated_body", "html": "html_body",
    "non_json": "non_json", "wrong_schema": "bad_schema", "empty_choices": "empty_choices",
    "missing_choices": "missing_choices",
}


def _req(i: int, text: str = "", **kw: object) -> ChatRequest:
    msgs = [{"role": "system", "content": "write a query"},
            {"role": "user", "content": f"tool: Search\ncontent type: Photo\nwords: between 1 and 4\nintent: cats {i} {text}"}]
    return ChatRequest(f"r{i:03d}", msgs, **kw)  # type: ignore[arg-type]


@pytest.fixture()
def server():
    with OpenAITestServer(ServerConfig(retry_after_s=0.2, timeout_sleep_s=6.0)) as srv:
        yield srv


def _client(srv: OpenAITestServer, **kw: object) -> LLMClient:
    opts = {"timeout_s": 5.0, "max_retries": 3, "backoff_base_s": 0.001, "rng_seed": 1}
    opts.update(kw)
    return LLMClient(srv.url, "test-model", "secret-key", **opts)  # type: ignore[arg-type]


def _by_reason(faults: dict[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for kind, n in faults.items():
        out[REASON_OF[kind]] = out.get(REASON_OF[kind], 0) + n
    return out


@pytest.mark.parametrize("concurrency", [24, 256])
def test_server_sees_exactly_the_configured_number_in_flight(concurrency: int) -> None:
    # The server holds every request until `concurrency` are in flight at once: a client that
    # kept fewer on the wire would leave max_in_flight below it, one that kept more above it.
    cfg = ServerConfig(hold_until_in_flight=concurrency, hold_max_s=30.0)
    with OpenAITestServer(cfg) as srv:
        n = 3 * concurrency
        results = _client(srv, max_concurrency=concurrency).run_all([_req(i) for i in range(n)])
        stats = srv.stats()
    assert stats["max_in_flight"] == concurrency
    assert stats["requests"] == n and stats["attempts_histogram"] == {"1": n}
    assert [r.request_id for r in results] == [f"r{i:03d}" for i in range(n)]
    assert all(r.ok and r.content and r.attempts == 1 for r in results)


def test_every_transient_fault_kind_is_retried_and_recovered(server: OpenAITestServer) -> None:
    server.config.retry_after_s = 0.0
    kinds = list(TRANSIENT_KINDS)
    assert set(kinds) == set(REASON_OF)
    client = _client(server, timeout_s=2.0, max_retries=3)
    seen: list[str] = []
    # The first two attempts of each request get its fault; the third is answered.
    results = client.run_all([_req(i, f"[[fault:{k}x2]]") for i, k in enumerate(kinds)],
                             on_result=lambda r: seen.append(r.request_id))
    assert sorted(seen) == [f"r{i:03d}" for i in range(len(kinds))]
    for i, (kind, res) in enumerate(zip(kinds, results, strict=True)):
        assert res.ok and res.attempts == 3, kind
        assert res.content and res.content.startswith('{"query"'), kind
        assert res.prompt_tokens > 0 and res.completion_tokens > 0, kind
        assert server.attempts_for(f"cats {i} ") == 3, kind
    assert server.stats()["faults"] == {k: 2 for k in kinds}
    summary = client.usage.summary()
    assert summary["llm_retries_by_reason"] == _by_reason({k: 2 for k in kinds})
    assert summary["llm_retries"] == 2 * len(kinds)
    assert summary["llm_requests_sent"] == 3 * len(kinds) == server.stats()["requests"]
    assert summary["llm_requests"] == summary["llm_succeeded"] == len(kinds)
    assert summary["llm_failed"] == 0 and summary["llm_failed_by_reason"] == {}
    assert summary["llm_prompt_tokens"] == sum(r.prompt_tokens for r in results)


def test_seeded_fault_mix_every_request_recovers_and_counts_match_the_server() -> None:
    kinds = tuple(k for k in TRANSIENT_KINDS if k != "timeout")  # timeouts: the test above
    cfg = ServerConfig(p_transient=0.3, fault_seed=7, transient_kinds=kinds, retry_after_s=0.0)
    faults_by_run = []
    for _ in range(2):
        with OpenAITestServer(cfg) as srv:
            client = _client(srv, max_concurrency=32, max_retries=10)
            results = client.run_all([_req(i) for i in range(200)])
            stats = srv.stats()
        assert all(r.ok and r.content for r in results)
        usage = client.usage
        assert usage.retries_by_reason == _by_reason(stats["faults"])
        assert usage.retries == sum(stats["faults"].values()) > 20
        assert usage.requests == stats["requests"] == 200 + usage.retries
        assert sum(r.attempts for r in results) == usage.requests
        assert usage.failed == 0 and usage.succeeded == 200
        faults_by_run.append(stats["faults"])
    assert faults_by_run[0] == faults_by_run[1]  # the same seed injects the same faults
    assert len(faults_by_run[0]) >= len(kinds) - 2  # and the mix covers (nearly) every kind
    with OpenAITestServer(ServerConfig(p_transient=0.3, fault_seed=8, transient_kinds=kinds)) as srv:
        _client(srv, max_concurrency=32, max_retries=10).run_all([_req(i) for i in range(200)])
        assert srv.stats()["faults"] != faults_by_run[0]


def test_exhausted_retries_and_non_retryable_errors_are_results_not_exceptions(server: OpenAITestServer) -> None:
    client = _client(server, max_retries=2, timeout_s=0.5)
    server.config.retry_after_s = 0.0
    bad = ChatRequest("bad", "not-a-list-of-messages")  # type: ignore[arg-type]
    results = client.run_all([_req(1, "[[fault:429]]"), _req(2, "[[fault:500]]"), _req(3, "[[fault:timeout]]"),
                              _req(5, "[[fault:html]]"), _req(6, "[[fault:empty_choices]]"), bad, _req(4)])
    by_id = {r.request_id: r for r in results}
    assert by_id["r001"].error == "http_429_exhausted" and by_id["r001"].attempts == 3
    assert by_id["r002"].error == "http_500_exhausted" and by_id["r002"].attempts == 3
    assert by_id["r003"].error == "timeout" and by_id["r003"].attempts == 3
    assert by_id["r005"].error == "html_body_exhausted" and by_id["r005"].attempts == 3
    assert by_id["r006"].error == "empty_choices_exhausted" and by_id["r006"].content is None
    assert by_id["bad"].error == "http_400" and by_id["bad"].attempts == 1
    assert by_id["r004"].ok and by_id["r004"].content
    assert client.usage.failed == 6 and client.usage.succeeded == 1
    assert client.usage.errors == {"http_429_exhausted": 1, "http_500_exhausted": 1, "timeout": 1,
                                   "html_body_exhausted": 1, "empty_choices_exhausted": 1, "http_400": 1}
    assert client.usage.summary()["llm_failed_by_reason"] == client.usage.errors
    assert client.usage.retries_by_reason == {"http_429": 2, "http_500": 2, "timeout": 2, "html_body": 2,
                                              "empty_choices": 2}


def test_retry_after_is_honoured_and_capped(server: OpenAITestServer) -> None:
    # The wait the client chose is what it slept: Retry-After (0.2 s) twice, not the 1 ms backoff.
    honoured = _client(server)
    (res,) = honoured.run_all([_req(1, "[[fault:429x2]]")])
    assert res.ok and res.attempts == 3
    assert honoured.usage.retry_wait_s == pytest.approx(0.4)
    assert server.stats()["faults"] == {"429": 2}

    without = _client(server)
    (res,) = without.run_all([_req(2, "[[fault:429_no_retry_afterx2]]")])
    assert res.ok and res.attempts == 3
    assert 0 < without.usage.retry_wait_s <= 0.001 + 0.002  # exponential backoff from 1 ms

    server.config.retry_after_s = 99.0
    capped = _client(server, backoff_max_s=0.05)
    (res,) = capped.run_all([_req(3, "[[fault:429x1]]")])
    assert res.ok and capped.usage.retry_wait_s == pytest.approx(0.05)
    assert _retry_after_s("3") == 3.0 and _retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert _retry_after_s("soon") is None and _retry_after_s(None) is None


def test_wrong_key_fails_fast_with_a_clear_error_that_hides_the_key() -> None:
    with OpenAITestServer(ServerConfig(api_key="s3cr3t-token")) as srv:
        good = LLMClient(srv.url, "m", "s3cr3t-token", max_retries=0)
        assert good.run_all([_req(0)])[0].ok
        assert "s3cr3t" not in repr(good) and "s3cr3t" not in str(good)
        srv.reset()
        wrong = LLMClient(srv.url, "m", "other-k3y-value", max_concurrency=4, max_retries=5, backoff_base_s=0.001)
        with pytest.raises(LLMEndpointError) as info:
            wrong.run_all([_req(i) for i in range(100)])
        msg = str(info.value)
        assert f"{srv.url}/chat/completions" in msg and "401" in msg
        assert "other-k3y-value" not in msg and "s3cr3t" not in msg
        assert info.value.status == 401
        # Failed fast: no retries, nothing sent past the requests already in flight.
        assert wrong.usage.retries == 0 and srv.stats()["requests"] <= 4


def test_wrong_path_fails_fast_with_404_and_forbidden_with_403() -> None:
    with OpenAITestServer() as srv:
        client = LLMClient(srv.url + "/nowhere", "m", max_concurrency=2, max_retries=5, backoff_base_s=0.001)
        with pytest.raises(LLMEndpointError, match=r"/v1/nowhere/chat/completions answered HTTP 404"):
            client.run_all([_req(i) for i in range(10)])
        assert client.usage.retries == 0 and client.usage.requests <= 2

        forbidden = LLMClient(srv.url, "m", "k", max_concurrency=1, max_retries=5, backoff_base_s=0.001)
        done: list[str] = []
        with pytest.raises(LLMEndpointError, match="answered HTTP 403") as info:
            forbidden.run_all([_req(0), _req(1, "[[fault:403]]"), _req(2)], on_result=lambda r: done.append(r.request_id))
        assert info.value.status == 403 and info.value.endpoint == f"{srv.url}/chat/completions"
        assert done == ["r000"]  # answered before the 403 and delivered; nothing sent after it
        assert srv.stats()["requests"] == 2 and forbidden.usage.retries == 0  # the 404s never reached the chat route


def test_connection_refused_is_a_connection_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = LLMClient(f"http://127.0.0.1:{port}/v1", "m", max_retries=1, backoff_base_s=0.001, timeout_s=2)
    (res,) = client.run_all([_req(0)])
    assert res.error == "connection_error" and res.attempts == 2
    assert client.usage.retries_by_reason == {"connection_error": 1}


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
    assert all(r.model == "test-model" and r.finish_reason == "stop" for r in results)
    assert client.usage.prompt_tokens == sum(r.prompt_tokens for r in results)
    assert client.usage.completion_tokens == sum(r.completion_tokens for r in results)
    assert client.sampling_for(_req(0, seed=7))["seed"] == 7


def test_content_faults_are_answers_for_the_route_to_judge(server: OpenAITestServer) -> None:
    # A model's bad output (cut by max_tokens, broken JSON) is a well-formed completion: the
    # client returns it once, and the route rejects it with a reason; retrying would not help.
    client = _client(server)
    trunc, malformed = client.run_all([_req(1, "[[fault:truncated]]"), _req(2, "[[fault:malformed]]")])
    assert trunc.ok and trunc.finish_reason == "length" and trunc.attempts == 1
    assert malformed.ok and malformed.attempts == 1 and malformed.content
    assert client.usage.retries == 0


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
    assert _client(server).run_all([]) == []


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
