"""An OpenAI-compatible HTTP test double for a vLLM server, on 127.0.0.1.

A real HTTP/1.1 server (asyncio streams, keep-alive) serving `/v1/chat/completions` and
`/v1/models`, plus `/stats` (GET, JSON counters) and `/reset` (POST). Answers are deterministic
JSON `{"query", "extracted_prompt"}` built from the `key: value` lines of the user message.

Faults, by configuration (`ServerConfig`): fixed latency; fractions of 429 (with Retry-After),
500, timeouts (sleeps past the client's timeout), truncated JSON (finish_reason "length"),
malformed JSON and wrapper text. A fault is drawn from a hash of (prompt, attempt number), so a
run is reproducible whatever the order requests arrive in, and a retried request can succeed.
A marker `[[fault:KIND]]` (every attempt) or `[[fault:KINDxN]]` (first N attempts) anywhere in
the prompt forces one; KIND is one of FAULT_KINDS ("long": a query far over any word limit,
"schema": valid JSON missing a key, "403": forbidden). With `api_key` set, requests without that bearer get 401.

Transient faults (what a proxy, a restarting engine or a flaky network does; a retry recovers):
a `p_transient` share of attempts, drawn from a hash of (`fault_seed`, prompt, attempt), gets one
of `transient_kinds` (TRANSIENT_KINDS by default): 429 with or without Retry-After, 500, 503, a
hang past the client's timeout, a connection reset (RST, no answer), a body cut short of its
Content-Length, and HTTP 200 bodies that are HTML, plain text, JSON of another shape, or a chat
completion with empty or missing `choices`.

Counters (`stats()`, GET /stats): requests, in flight now and at most, faults by kind, attempts per
prompt. `hold_until_in_flight=N` holds every chat request until N are in flight at once (or
`hold_max_s` passed): the server then sees exactly how many requests a client really keeps on the
wire, whatever the machine's speed. POST /config changes `ServerConfig` fields of a running server.

Use in-process (`with OpenAITestServer(cfg) as srv: srv.url`) or as a subprocess
(`python -m tests.openai_test_server --config JSON`, prints `READY <port>`), see `spawn_server`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import dataclasses
import hashlib
import json
import re
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TRANSIENT_KINDS: tuple[str, ...] = (
    "429", "429_no_retry_after", "500", "503", "timeout", "reset", "truncated_body", "html", "non_json",
    "wrong_schema", "empty_choices", "missing_choices",
)
FAULT_KINDS: tuple[str, ...] = tuple(dict.fromkeys(
    ("429", "500", "timeout", "truncated", "malformed", "wrapper", "long", "schema") + TRANSIENT_KINDS + ("403",)))
_MARKER = re.compile(r"\[\[fault:(\w+?)(?:x(\d+))?\]\]")
_TYPE_WORD = {
    "Template": "template",
    "Photo": "photo",
    "Video": "video",
    "Audio": "music",
    "Background": "background",
    "Design Asset": "sticker",
    "Text": "font",
}
_ORDER = ("intent", "title", "design_type", "scene_objects", "style", "color", "keywords", "topics", "actions", "audience")
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}
_HTML = (b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
         b"<hr><center>nginx</center></body></html>")


@dataclass
class ServerConfig:
    latency_s: float = 0.0
    p_429: float = 0.0
    p_500: float = 0.0
    p_timeout: float = 0.0
    p_truncated: float = 0.0
    p_malformed: float = 0.0
    p_wrapper: float = 0.0
    retry_after_s: float = 0.05
    timeout_sleep_s: float = 3.0
    model: str = "test-model"
    api_key: str | None = None
    p_transient: float = 0.0
    fault_seed: int = 0
    transient_kinds: tuple[str, ...] = TRANSIENT_KINDS
    hold_until_in_flight: int = 0
    hold_max_s: float = 30.0


def _text_of(messages: list[dict[str, Any]]) -> tuple[str, str, int]:
    """(all text, user text, number of valid PNG images) of a chat request."""
    all_text, user_text, images = [], "", 0
    for m in messages:
        content = m.get("content")
        parts = content if isinstance(content, list) else [{"type": "text", "text": content or ""}]
        for p in parts:
            if p.get("type") == "text":
                all_text.append(p.get("text") or "")
                if m.get("role") == "user":
                    user_text += (p.get("text") or "") + "\n"
            elif p.get("type") == "image_url":
                url = (p.get("image_url") or {}).get("url", "")
                if url.startswith("data:image/png;base64,"):
                    raw = base64.b64decode(url.split(",", 1)[1])
                    images += raw.startswith(b"\x89PNG\r\n\x1a\n")
    return "\n".join(all_text), user_text, images


def answer_for(user_text: str) -> dict[str, str]:
    """A plausible labelled query made from the `key: value` lines of the user message."""
    fields: dict[str, str] = {}
    for line in user_text.splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            fields[k.strip()] = _MARKER.sub("", v).strip()
    tool = fields.get("tool", "Search")
    ct = fields.get("content type", "Any")
    m = re.match(r"between (\d+) and (\d+)", fields.get("words", ""))
    lo, hi = (int(m.group(1)), int(m.group(2))) if m else (1, 8)
    words: list[str] = []
    for key in _ORDER:
        for w in re.split(r"[,\s]+", fields.get(key, "")):
            if w and w.lower() not in (x.lower() for x in words):
                words.append(w.lower())
    if not words:
        words = ["something", "nice"]
    type_word = _TYPE_WORD.get(ct)
    if tool == "Search":
        body = words[: max(1, min(hi, 5) - (1 if type_word else 0))]
        query_words = body + ([type_word] if type_word else [])
        while len(query_words) < lo:
            query_words.append("ideas")
        return {"query": " ".join(query_words[:hi]), "extracted_prompt": " ".join(body[:5])}
    spec = list(words)
    while len(spec) + 3 < lo:
        spec.append("bright")
    spec = spec[: max(1, hi - 3)]
    wrapper = ["make", "a", type_word] if type_word else ["create", "something", "with"]
    return {"query": " ".join(wrapper + spec), "extracted_prompt": " ".join(spec)}


class OpenAITestServer:
    """The server in a background thread with its own event loop."""

    def __init__(self, config: ServerConfig | None = None, port: int = 0) -> None:
        self.config = config or ServerConfig()
        self.port = port
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.reset()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.in_flight = 0
            self.max_in_flight = 0
            self.images = 0
            self.faults: dict[str, int] = {}
            self.attempts: dict[str, int] = {}  # prompt hash -> attempts seen
            self.prompts: dict[str, str] = {}  # prompt hash -> start of the user text
            self.last_body: dict[str, Any] | None = None
            self._held = asyncio.Event()  # set once hold_until_in_flight requests were in flight at once

    def attempts_for(self, text: str) -> int:
        """Attempts seen for the prompt whose user text contains `text` (0: none; error: several)."""
        with self._lock:
            keys = [k for k, p in self.prompts.items() if text in p]
            if len(keys) > 1:
                raise ValueError(f"{text!r} is in {len(keys)} prompts")
            return self.attempts[keys[0]] if keys else 0

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "in_flight": self.in_flight,
                "max_in_flight": self.max_in_flight,
                "images": self.images,
                "faults": dict(self.faults),
                "distinct_prompts": len(self.attempts),
                "max_attempts_per_prompt": max(self.attempts.values(), default=0),
                # attempts -> how many prompts needed that many
                "attempts_histogram": {str(n): c for n, c in sorted(_count(self.attempts.values()).items())},
            }

    # ---- lifecycle
    def start(self) -> OpenAITestServer:
        self._thread = threading.Thread(target=self._serve, name="openai-test-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("test server did not start")
        return self

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port, backlog=4096, limit=2**24)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        self._server.close()
        tasks = asyncio.all_tasks(self._loop)
        for task in tasks:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self._loop.close()

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> OpenAITestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- HTTP
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in lines[1:] if ":" in h)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if self.config.api_key and headers.get("authorization") != f"Bearer {self.config.api_key}":
                    status, payload, extra = 401, {"error": {"message": "bad api key", "type": "auth"}}, {}
                else:
                    status, payload, extra = await self._route(method, path.split("?")[0], body)
                action = extra.pop("x-action", None)
                if action == "reset":  # RST instead of an answer: SO_LINGER 0, then drop the socket
                    sock = writer.get_extra_info("socket")
                    if sock is not None:
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    writer.transport.abort()
                    return
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                ctype = extra.pop("content-type", "application/json")
                hdrs = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}", f"Content-Type: {ctype}",
                        f"Content-Length: {len(data)}"] + [f"{k}: {v}" for k, v in extra.items()]
                head_bytes = ("\r\n".join(hdrs) + "\r\n\r\n").encode()
                if action == "truncate":  # the full Content-Length announced, half the body sent
                    writer.write(head_bytes + data[: len(data) // 2])
                    await writer.drain()
                    return
                writer.write(head_bytes + data)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return
        finally:
            writer.close()

    async def _route(self, method: str, path: str, body: bytes) -> tuple[int, Any, dict[str, str]]:
        if method == "GET" and path == "/v1/models":
            return 200, {"object": "list", "data": [{"id": self.config.model, "object": "model", "owned_by": "test"}]}, {}
        if method == "GET" and path == "/stats":
            return 200, self.stats(), {}
        if method == "POST" and path == "/reset":
            self.reset()
            return 200, {"ok": True}, {}
        if method == "POST" and path == "/config":
            try:
                fields = json.loads(body)
                self.config = dataclasses.replace(self.config, **fields)
            except (ValueError, TypeError) as exc:
                return 400, {"error": {"message": f"bad config: {exc}"}}, {}
            return 200, dataclasses.asdict(self.config), {}
        if method == "POST" and path == "/v1/chat/completions":
            with self._lock:
                self.requests += 1
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                reached = self.in_flight >= self.config.hold_until_in_flight
                held = self._held
            try:
                if self.config.hold_until_in_flight and not held.is_set():
                    if reached:
                        held.set()
                    else:
                        try:
                            await asyncio.wait_for(held.wait(), self.config.hold_max_s)
                        except TimeoutError:
                            pass
                return await self._chat(body)
            finally:
                with self._lock:
                    self.in_flight -= 1
        return 404, {"error": {"message": f"no route {method} {path}"}}, {}

    def _fault(self, text: str, attempt: int, key: str) -> str | None:
        m = _MARKER.search(text)
        if m and m.group(1) in FAULT_KINDS and (m.group(2) is None or attempt <= int(m.group(2))):
            return m.group(1)
        c = self.config
        u = int.from_bytes(hashlib.sha256(f"{key}/{attempt}".encode()).digest()[:8], "big") / 2**64
        for kind, p in (("429", c.p_429), ("500", c.p_500), ("timeout", c.p_timeout), ("truncated", c.p_truncated),
                        ("malformed", c.p_malformed), ("wrapper", c.p_wrapper)):
            if u < p:
                return kind
            u -= p
        if c.p_transient > 0 and c.transient_kinds:
            h = hashlib.sha256(f"transient/{c.fault_seed}/{key}/{attempt}".encode()).digest()
            if int.from_bytes(h[:8], "big") / 2**64 < c.p_transient:
                return c.transient_kinds[int.from_bytes(h[8:16], "big") % len(c.transient_kinds)]
        return None

    async def _chat(self, body: bytes) -> tuple[int, Any, dict[str, str]]:
        try:
            req = json.loads(body)
            messages = req["messages"]
            all_text, user_text, images = _text_of(messages)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return 400, {"error": {"message": f"bad request: {exc}", "type": "invalid_request_error"}}, {}
        key = hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()
        with self._lock:
            self.last_body = req
            self.images += images
            attempt = self.attempts.get(key, 0) + 1
            self.attempts[key] = attempt
            if attempt == 1:
                self.prompts[key] = user_text[:300]
        fault = self._fault(all_text, attempt, key)
        if fault:
            with self._lock:
                self.faults[fault] = self.faults.get(fault, 0) + 1
        if self.config.latency_s:
            await asyncio.sleep(self.config.latency_s)
        if fault == "429":
            return 429, {"error": {"message": "rate limited", "type": "rate_limit"}}, {"Retry-After": str(self.config.retry_after_s)}
        if fault == "429_no_retry_after":
            return 429, {"error": {"message": "rate limited", "type": "rate_limit"}}, {}
        if fault == "403":  # marker only: a key that may not use this model
            return 403, {"error": {"message": "forbidden", "type": "permission_error"}}, {}
        if fault in ("500", "503"):
            return int(fault), {"error": {"message": "engine error", "type": "server_error"}}, {}
        if fault == "timeout":
            await asyncio.sleep(self.config.timeout_sleep_s)
        if fault == "reset":
            return 200, b"", {"x-action": "reset"}
        if fault == "html":
            return 200, _HTML, {"content-type": "text/html"}
        if fault == "non_json":
            return 200, b"upstream connect error or disconnect/reset before headers", {"content-type": "text/plain"}
        answer = answer_for(user_text)
        if fault == "long":
            answer["query"] = " ".join([answer["query"]] + ["and also something else entirely"] * 12)
        elif fault == "schema":
            answer.pop("extracted_prompt")
        content = json.dumps(answer)
        finish = "stop"
        if fault == "truncated":
            content, finish = content[: len(content) // 2], "length"
        elif fault == "malformed":
            content = content.replace('", "', '" "', 1).rstrip("}")
        elif fault == "wrapper":
            content = f"Sure! Here is a request you could use:\n{content}\nLet me know if you need more."
        prompt_tokens = len(all_text.split()) + 256 * images
        completion_tokens = len(content.split())
        completion: dict[str, Any] = {
            "id": f"chatcmpl-{key[:16]}-{attempt}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": req.get("model") or self.config.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }
        if fault == "wrong_schema":  # a legacy completions answer: no message
            completion["object"] = "text_completion"
            completion["choices"] = [{"index": 0, "text": content, "finish_reason": finish}]
        elif fault == "empty_choices":
            completion["choices"] = []
        elif fault == "missing_choices":
            del completion["choices"]
        return 200, completion, {"x-action": "truncate"} if fault == "truncated_body" else {}


def _count(values: Any) -> dict[int, int]:
    out: dict[int, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def spawn_server(config: ServerConfig | None = None) -> tuple[subprocess.Popen[str], str]:
    """Start the server in a subprocess (its own interpreter and GIL); returns (process, base url)."""
    cfg = json.dumps(dataclasses.asdict(config or ServerConfig()))
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, "-m", "tests.openai_test_server", "--config", cfg],
                            stdout=subprocess.PIPE, text=True, cwd=root)
    line = proc.stdout.readline() if proc.stdout else ""
    if not line.startswith("READY "):
        proc.kill()
        raise RuntimeError(f"test server did not start: {line!r}")
    return proc, f"http://127.0.0.1:{int(line.split()[1])}/v1"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--config", default="{}", help="ServerConfig fields as JSON")
    args = ap.parse_args()
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # 1024 clients need more than the usual 1024 fds
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    srv = OpenAITestServer(ServerConfig(**json.loads(args.config)), port=args.port).start()
    print(f"READY {srv.port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.stop()


if __name__ == "__main__":
    main()
