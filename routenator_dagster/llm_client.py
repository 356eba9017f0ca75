"""Async client for OpenAI-compatible chat servers (vLLM in production), close to the wire.

vLLM keeps up to --max-num-seqs sequences running; a client with fewer requests in flight leaves
the GPU idle. So this client runs `max_concurrency` workers over one `aiohttp` session whose
connection pool has the same size, and each worker always has one request on the wire. Bodies
are encoded and decoded with orjson. The openai SDK is not used: its httpx pool rescans every
connection per request and cost ten times the CPU per request of this transport at 256 in flight
(bench/llm_client.py, docs/llm_client.md).

Fault tolerance. Every answer is checked before it counts: an HTTP 200 whose body is HTML, not
JSON, cut short, without `choices`, with empty `choices` or not shaped like a chat completion is
retried like a 429, a 5xx, a timeout or a reset connection (exponential backoff with jitter, a
Retry-After honoured). Retries and final failures are counted by reason in `Usage`. A failed
request never raises: it ends as a `Result` with an error reason. The exception is a status that
says the endpoint itself is wrong (401, 403, 404): every other request would fail the same way,
so the run stops at once with `LLMEndpointError`, naming the endpoint and the status.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
import yarl

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
# The endpoint, key or model is wrong: no request can succeed, so the run fails fast.
FATAL_STATUS = frozenset({401, 403, 404})
# Reasons whose final error keeps the bare name (what the routes have always reported).
_BARE_FINAL = frozenset({"timeout", "connection_error"})
# Pool connections idle longer than this are dropped before reuse: uvicorn (vLLM's server)
# closes idle keep-alive connections after 5 s, and a reused dead one costs a retry.
_KEEPALIVE_S = 4.0


class LLMEndpointError(RuntimeError):
    """The server answered a status no retry can fix (401/403/404): wrong URL, key or model."""

    def __init__(self, endpoint: str, status: int, detail: str = "") -> None:
        hint = {401: "the API key was refused", 403: "the API key may not use this endpoint",
                404: "wrong base URL or model name"}.get(status, "")
        msg = f"LLM endpoint {endpoint} answered HTTP {status}" + (f" ({hint})" if hint else "")
        if detail:
            msg += f": {detail}"
        super().__init__(msg)
        self.endpoint = endpoint
        self.status = status


@dataclass(frozen=True)
class ChatRequest:
    """One chat completion to send. `sampling` overrides the client's defaults for this request."""

    request_id: str
    # A list, or a function building it at send time (vision requests: the image is read then,
    # so a large batch holds only the in-flight requests' images in memory).
    messages: list[dict[str, Any]] | Callable[[], list[dict[str, Any]]]
    seed: int | None = None
    response_schema: dict[str, Any] | None = None
    sampling: dict[str, Any] | None = None

    def resolve_messages(self) -> list[dict[str, Any]]:
        return self.messages() if callable(self.messages) else self.messages


@dataclass(frozen=True)
class Result:
    """What one request ended as: `content` when the server answered, else `error` (a reason code)."""

    request_id: str
    content: str | None = None
    error: str | None = None
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    model: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_record(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "content": self.content,
            "error": self.error,
            "finish_reason": self.finish_reason,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "attempts": self.attempts,
            "model": self.model,
        }

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Result:
        return cls(**{k: rec.get(k) for k in ("request_id", "content", "error", "finish_reason", "model")},
                   prompt_tokens=int(rec.get("prompt_tokens") or 0),
                   completion_tokens=int(rec.get("completion_tokens") or 0),
                   attempts=int(rec.get("attempts") or 0))


@dataclass
class Usage:
    """Token and request totals over the client's lifetime."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0  # HTTP attempts sent
    retries: int = 0
    succeeded: int = 0
    failed: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # final failures by reason
    retries_by_reason: dict[str, int] = field(default_factory=dict)
    retry_wait_s: float = 0.0  # backoff slept in total (Retry-After included)

    def summary(self) -> dict[str, Any]:
        """The counters under the names the generation assets report as metadata."""
        return {
            "llm_requests": self.succeeded + self.failed,
            "llm_requests_sent": self.requests,
            "llm_retries": self.retries,
            "llm_retries_by_reason": dict(sorted(self.retries_by_reason.items())),
            "llm_succeeded": self.succeeded,
            "llm_failed": self.failed,
            "llm_failed_by_reason": dict(sorted(self.errors.items())),
            "llm_prompt_tokens": self.prompt_tokens,
            "llm_completion_tokens": self.completion_tokens,
        }


class _Retry(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _Failed(Exception):
    """A final, non-retryable answer for this one request (e.g. HTTP 400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _retry_after_s(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


class LLMClient:
    """OpenAI-compatible chat client. The API key is never logged nor shown by repr."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        *,
        max_concurrency: int = 256,
        timeout_s: float = 120.0,
        max_retries: int = 5,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
        temperature: float = 0.7,
        top_p: float = 0.95,
        max_tokens: int = 256,
        rng_seed: int | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be >= 1")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.__api_key = api_key
        self.max_concurrency = max_concurrency
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.default_sampling: dict[str, Any] = {"temperature": temperature, "top_p": top_p, "max_tokens": max_tokens}
        self.usage = Usage()
        self._rng = random.Random(rng_seed)
        self.endpoint = f"{self.base_url}/chat/completions"

    def __repr__(self) -> str:
        return f"LLMClient(base_url={self.base_url!r}, model={self.model!r}, max_concurrency={self.max_concurrency})"

    def sampling_for(self, request: ChatRequest) -> dict[str, Any]:
        """The sampling parameters one request is sent with (provenance for its row)."""
        out = dict(self.default_sampling)
        out.update(request.sampling or {})
        out["seed"] = request.seed
        return out

    def _body(self, request: ChatRequest) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": request.resolve_messages(), "n": 1}
        body.update({k: v for k, v in self.sampling_for(request).items() if v is not None})
        if request.response_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": request.response_schema, "strict": True},
            }
        return body

    def _session(self) -> aiohttp.ClientSession:
        """One session per run: a pool of exactly `max_concurrency` connections, one per worker."""
        connector = aiohttp.TCPConnector(limit=self.max_concurrency, limit_per_host=0, ttl_dns_cache=300,
                                         keepalive_timeout=_KEEPALIVE_S)
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            # vLLM without --api-key ignores the header; other servers want one present.
            "Authorization": f"Bearer {self.__api_key or 'EMPTY'}",
        }
        return aiohttp.ClientSession(connector=connector, headers=headers, raise_for_status=False,
                                     timeout=aiohttp.ClientTimeout(total=self.timeout_s))

    def _scrub(self, text: str) -> str:
        """Server text for an error message: short, and without the key should the server echo it."""
        text = " ".join(text.split())[:300]
        return text.replace(self.__api_key, "***") if self.__api_key else text

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.backoff_max_s)
        cap = min(self.backoff_max_s, self.backoff_base_s * (2**attempt))
        return cap * (0.5 + 0.5 * self._rng.random())  # jitter: spread retries of a burst

    async def _attempt(self, session: aiohttp.ClientSession, url: yarl.URL, data: bytes) -> tuple[int, bytes, str | None]:
        """(status, body, Retry-After) of one POST; transport faults become `_Retry`."""
        try:
            async with session.post(url, data=data) as resp:
                raw = await resp.read()
                status = resp.status
                return status, raw, (resp.headers.get("Retry-After") if status != 200 else None)
        except TimeoutError as exc:  # asyncio's and aiohttp's timeouts are both TimeoutError
            raise _Retry("timeout") from exc
        except aiohttp.ClientConnectorError as exc:  # refused, unreachable, DNS
            raise _Retry("connection_error") from exc
        except aiohttp.ClientPayloadError as exc:  # the body ended before its Content-Length
            raise _Retry("truncated_body") from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError, ConnectionError) as exc:
            raise _Retry("connection_reset") from exc
        except aiohttp.ClientResponseError as exc:  # an unparseable status line or headers
            raise _Retry("bad_http") from exc
        except aiohttp.ClientError as exc:
            raise _Retry("connection_error") from exc

    def _check_status(self, status: int, raw: bytes, retry_after: str | None) -> None:
        if status == 200:
            return
        if status in RETRYABLE_STATUS:
            raise _Retry(f"http_{status}", _retry_after_s(retry_after))
        if status in FATAL_STATUS:
            raise LLMEndpointError(self.endpoint, status, self._scrub(raw.decode("utf-8", "replace")))
        raise _Failed(f"http_{status}")

    def _parse(self, request_id: str, raw: bytes, attempts: int) -> Result:
        """The Result of a 200 body; anything that is not a usable chat completion is `_Retry`."""
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            head = raw.lstrip()[:1]
            raise _Retry("html_body" if head == b"<" else "non_json") from exc
        if not isinstance(data, dict):
            raise _Retry("bad_schema")
        choices = data.get("choices")
        if choices is None:
            raise _Retry("missing_choices")
        if not isinstance(choices, list):
            raise _Retry("bad_schema")
        if not choices:
            raise _Retry("empty_choices")
        choice = choices[0]
        message = choice.get("message") if isinstance(choice, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str):
            raise _Retry("bad_schema")
        usage = data.get("usage")
        usage = usage if isinstance(usage, dict) else {}
        model = data.get("model")
        finish = choice.get("finish_reason")
        return Result(
            request_id,
            content=content,
            finish_reason=finish if isinstance(finish, str) else None,
            prompt_tokens=_int(usage.get("prompt_tokens")),
            completion_tokens=_int(usage.get("completion_tokens")),
            attempts=attempts,
            model=model if isinstance(model, str) and model else self.model,
        )

    async def complete(self, session: aiohttp.ClientSession, request: ChatRequest, url: yarl.URL | None = None) -> Result:
        """Send one request with retries; raises only `LLMEndpointError`, else returns a `Result`."""
        data = orjson.dumps(self._body(request), option=orjson.OPT_SERIALIZE_NUMPY)
        url = url or yarl.URL(self.endpoint)
        usage = self.usage
        attempt = 0
        while True:
            attempt += 1
            usage.requests += 1
            try:
                status, raw, retry_after = await self._attempt(session, url, data)
                self._check_status(status, raw, retry_after)
                return self._finish(self._parse(request.request_id, raw, attempt))
            except _Failed as f:
                return self._finish(Result(request.request_id, error=f.reason, attempts=attempt, model=self.model))
            except _Retry as r:
                if attempt > self.max_retries:
                    reason = r.reason if r.reason in _BARE_FINAL else f"{r.reason}_exhausted"
                    return self._finish(Result(request.request_id, error=reason, attempts=attempt, model=self.model))
                usage.retries += 1
                usage.retries_by_reason[r.reason] = usage.retries_by_reason.get(r.reason, 0) + 1
                wait = self._backoff(attempt - 1, r.retry_after)
                usage.retry_wait_s += wait
                log.debug("request %s: attempt %d: %s, retrying in %.2fs", request.request_id, attempt, r.reason, wait)
                await asyncio.sleep(wait)

    def _finish(self, result: Result) -> Result:
        self.usage.prompt_tokens += result.prompt_tokens
        self.usage.completion_tokens += result.completion_tokens
        if result.ok:
            self.usage.succeeded += 1
        else:
            self.usage.failed += 1
            self.usage.errors[result.error or "?"] = self.usage.errors.get(result.error or "?", 0) + 1
        return result

    async def arun(
        self,
        requests: Sequence[ChatRequest],
        progress: Callable[[int, int], None] | None = None,
        on_result: Callable[[Result], None] | None = None,
    ) -> list[Result]:
        """Run all requests with `max_concurrency` in flight; results in input order.

        Raises `LLMEndpointError` (after cancelling what is in flight) when the endpoint refuses
        the key or does not exist; answers already passed to `on_result` stay delivered.
        """
        if not requests:
            return []
        results: list[Result | None] = [None] * len(requests)
        next_index = 0
        done = 0
        before = (self.usage.retries, dict(self.usage.retries_by_reason))
        url = yarl.URL(self.endpoint)
        n_workers = min(self.max_concurrency, len(requests))
        started = time.monotonic()
        async with self._session() as session:

            async def worker() -> None:
                nonlocal next_index, done
                while next_index < len(requests):  # single-threaded loop: no lock needed
                    i = next_index
                    next_index += 1
                    try:
                        result = await self.complete(session, requests[i], url)
                    except LLMEndpointError:
                        raise
                    except Exception as exc:  # a bug in one request must not sink the other thousands
                        log.exception("request %s failed in the client", requests[i].request_id)
                        result = self._finish(Result(requests[i].request_id, error=f"client_error_{type(exc).__name__}",
                                                     attempts=1, model=self.model))
                    results[i] = result
                    done += 1
                    if on_result is not None:
                        on_result(result)
                    if progress is not None:
                        progress(done, len(requests))

            tasks = [asyncio.ensure_future(worker()) for _ in range(n_workers)]
            try:
                await asyncio.gather(*tasks)
            except BaseException:
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise
        failed: dict[str, int] = {}
        for r in results:
            if r is not None and r.error:
                failed[r.error] = failed.get(r.error, 0) + 1
        retried = {k: v - before[1].get(k, 0) for k, v in self.usage.retries_by_reason.items() if v > before[1].get(k, 0)}
        log.info(
            "%s: %d requests in %.1fs (%d in flight), %d retries %s, %d failed %s; tokens so far %d prompt + %d completion",
            self.model, len(requests), time.monotonic() - started, n_workers, self.usage.retries - before[0],
            retried or "", sum(failed.values()), failed or "", self.usage.prompt_tokens, self.usage.completion_tokens,
        )
        return [r for r in results if r is not None]

    def run_all(
        self,
        requests: Sequence[ChatRequest],
        progress: Callable[[int, int], None] | None = None,
        on_result: Callable[[Result], None] | None = None,
    ) -> list[Result]:
        """Blocking facade over `arun`; works whether or not an event loop is already running."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.arun(requests, progress, on_result))
        box: dict[str, Any] = {}

        def target() -> None:
            try:
                box["value"] = asyncio.run(self.arun(requests, progress, on_result))
            except BaseException as exc:  # re-raised in the caller's thread
                box["error"] = exc

        t = threading.Thread(target=target, name="llm-client")
        t.start()
        t.join()
        if "error" in box:
            raise box["error"]
        return box["value"]
