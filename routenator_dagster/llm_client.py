"""Async client for OpenAI-compatible chat servers (vLLM in production).

vLLM keeps up to --max-num-seqs sequences running; a client with fewer requests in flight leaves
the GPU idle. So this client runs `max_concurrency` workers over one shared `openai.AsyncOpenAI`
whose connection pool has the same size, and each worker always has one request on the wire.
Retries are ours (exponential backoff with jitter, Retry-After honoured), not the SDK's. Failures
never raise: every request ends as a `Result` with either content or an error reason.

Built on the SDK rather than raw httpx: httpx 0.28's pool rescans every connection per request
and falls to a quarter of the SDK's throughput at 256 in flight (bench/llm_client.py).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import openai
from openai.types.chat import ChatCompletion

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


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
    errors: dict[str, int] = field(default_factory=dict)


class _Retry(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def _retry_after_s(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


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

    def _sdk_client(self) -> openai.AsyncOpenAI:
        http = None
        try:
            from openai import _constants  # the Limits class of whichever httpx this SDK is built on

            limits = type(_constants.DEFAULT_CONNECTION_LIMITS)(
                max_connections=self.max_concurrency, max_keepalive_connections=self.max_concurrency
            )
            http = openai.DefaultAsyncHttpxClient(limits=limits, timeout=self.timeout_s)
        except (ImportError, AttributeError, TypeError):  # another SDK layout: its default pool (1000)
            http = None
        return openai.AsyncOpenAI(
            base_url=self.base_url,
            api_key=self.__api_key or "EMPTY",  # vLLM without --api-key ignores it; the SDK requires one
            max_retries=0,
            timeout=self.timeout_s,
            http_client=http,
        )

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.backoff_max_s)
        cap = min(self.backoff_max_s, self.backoff_base_s * (2**attempt))
        return cap * (0.5 + 0.5 * self._rng.random())  # jitter: spread retries of a burst

    async def _attempt(self, sdk: openai.AsyncOpenAI, body: dict[str, Any]) -> Any:
        try:
            # The SDK's documented raw `post`: same transport, errors and response model as
            # `chat.completions.create`, without its per-call walk over the params (a quarter
            # of the client's CPU at 256 in flight), and server extras (top_k, ...) pass as is.
            return await sdk.post("/chat/completions", body=body, cast_to=ChatCompletion)
        except openai.APITimeoutError as exc:
            raise _Retry("timeout") from exc
        except openai.APIConnectionError as exc:
            raise _Retry("connection_error") from exc
        except openai.APIStatusError as exc:
            if exc.status_code in RETRYABLE_STATUS:
                raise _Retry(f"http_{exc.status_code}", _retry_after_s(exc.response.headers.get("retry-after"))) from exc
            return {"__error__": f"http_{exc.status_code}"}
        except (openai.APIError, ValueError, TypeError):  # an answer the SDK cannot read
            return {"__error__": "bad_response"}

    async def complete(self, sdk: openai.AsyncOpenAI, request: ChatRequest) -> Result:
        """Send one request with retries; never raises for a failed request."""
        body = self._body(request)
        attempt = 0
        while True:
            attempt += 1
            self.usage.requests += 1
            try:
                data = await self._attempt(sdk, body)
            except _Retry as r:
                if attempt > self.max_retries:
                    reason = r.reason if r.reason in ("timeout", "connection_error") else f"{r.reason}_exhausted"
                    return self._finish(Result(request.request_id, error=reason, attempts=attempt, model=self.model))
                self.usage.retries += 1
                await asyncio.sleep(self._backoff(attempt - 1, r.retry_after))
                continue
            return self._finish(self._parse(request.request_id, data, attempt))

    def _parse(self, request_id: str, data: Any, attempts: int) -> Result:
        if isinstance(data, dict):
            return Result(request_id, error=data["__error__"], attempts=attempts, model=self.model)
        usage = getattr(data, "usage", None)
        try:
            choice = data.choices[0]
            content = choice.message.content
        except (AttributeError, IndexError, TypeError):
            return Result(request_id, error="bad_response", attempts=attempts, model=self.model)
        return Result(
            request_id,
            content=content if isinstance(content, str) else "",
            finish_reason=getattr(choice, "finish_reason", None),
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            attempts=attempts,
            model=str(getattr(data, "model", None) or self.model),
        )

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
        """Run all requests with `max_concurrency` in flight; results in input order."""
        results: list[Result | None] = [None] * len(requests)
        next_index = 0
        done = 0
        sdk = self._sdk_client()
        async with sdk:

            async def worker() -> None:
                nonlocal next_index, done
                while next_index < len(requests):  # single-threaded loop: no lock needed
                    i = next_index
                    next_index += 1
                    try:
                        result = await self.complete(sdk, requests[i])
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

            n_workers = min(self.max_concurrency, len(requests))
            started = time.monotonic()
            await asyncio.gather(*(worker() for _ in range(n_workers)))
        failed = [r.error for r in results if r is not None and r.error]
        log.info(
            "%s: %d requests in %.1fs (%d in flight), %d failed %s; tokens so far %d prompt + %d completion",
            self.model, len(requests), time.monotonic() - started, n_workers if requests else 0, len(failed),
            dict(Counter(failed)) if failed else "", self.usage.prompt_tokens,
            self.usage.completion_tokens,
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
