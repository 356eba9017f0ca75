"""The LLM judge over real HTTP: an OpenAI-protocol test double for vLLM on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import polars as pl
import pytest

from routenator_dagster.filtering import FilterConfig, filter_dataset
from routenator_dagster.filtering.llm_judge import make_llm_judge
from routenator_dagster.llm_client import LLMClient
from routenator_dagster.targets import load_targets
from tests._filtering_rows import clean_rows, frame, row


class _Judge(BaseHTTPRequestHandler):
    """Rejects rows whose query mentions "pictures" while labelled Video; answers off-schema for "garble"."""

    def do_POST(self) -> None:  # noqa: N802 (http.server API)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        assert body["response_format"]["type"] == "json_schema"
        if "garble" in user:
            content = "I think it is fine"
        elif "pictures" in user and "content_type: Video" in user:
            content = json.dumps({"verdict": "incorrect", "reason": "asks for pictures, labelled Video"})
        else:
            content = json.dumps({"verdict": "correct", "reason": "ok"})
        out = json.dumps({
            "id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()), "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def judge_url():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Judge)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/v1"
    srv.shutdown()
    srv.server_close()


def test_llm_judge_rejects_what_the_model_calls_incorrect(judge_url):
    rows = clean_rows(12) + [
        # passes every heuristic check (Video is named) but a judge can still disagree
        row("j_bad", "cat pictures for a video intro", content_type="Video", prompt="cat pictures"),
        row("j_garble", "garble lake photos", prompt="garble lake"),
    ]
    judge = make_llm_judge(LLMClient(judge_url, "judge-model", max_concurrency=4, max_retries=0))
    res = filter_dataset(frame(rows), load_targets(), FilterConfig(resample=False), judge=judge)
    rej = res.rejections.select("request_id", "stage", "reason").rows()
    assert rej == [("j_bad", "label", "judge_rejected")]
    assert "j_garble" in set(res.kept["request_id"])  # off-schema answer: unjudged, kept
    assert res.kept.height == len(rows) - 1 and isinstance(res.kept, pl.DataFrame)
