"""The text-to-text and vision-to-text LLM routes: one batch of requests in, labelled rows out.

Every request ends as exactly one row: "ok", or "rejected" with a reason (an HTTP failure after
retries, an answer that is not the JSON asked for, a query over the bucket's word limit, ...).
Finished responses are checkpointed as they arrive, so a killed run resumes without resending them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from routenator_dagster.checkpoint import CheckpointWriter, batch_hash, checkpoint_path, load_checkpoint
from routenator_dagster.llm_client import ChatRequest, LLMClient, Result
from routenator_dagster.routes.llm_prompts import render_messages, response_schema
from routenator_dagster.schema import SYNTHETIC_SCHEMA, conform

log = logging.getLogger(__name__)

BATCH_COLUMNS: tuple[str, ...] = (
    "request_id", "function", "content_type", "length_bucket", "min_words", "max_words", "route",
    "template_family", "template_id", "variables", "source_nodes", "asset_id", "preview_path", "seed",
)
# Chatter a model puts around or inside an answer instead of just the request.
_WRAPPER = re.compile(
    r"^\s*(sure|okay|ok|certainly|here('s| is| are)|query\s*:|request\s*:|prompt\s*:|user\s*:|as an ai)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r'^\s*["\u201c\'].*["\u201d\']\s*$', re.DOTALL)


class BatchError(ValueError):
    """The batch frame itself is malformed (missing columns); names what is wrong."""


def _png_digest(path: str | None) -> str | None:
    """sha256 of a readable PNG file, else None (missing, unreadable or not a PNG)."""
    if not path:
        return None
    try:
        with open(path, "rb") as fh:
            if fh.read(8) != b"\x89PNG\r\n\x1a\n":
                return None
            h = hashlib.sha256(b"\x89PNG\r\n\x1a\n")
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def _vision_messages(template_id: str, row: dict[str, Any]) -> Callable[[], list[dict[str, Any]]]:
    def build() -> list[dict[str, Any]]:
        raw = Path(row["preview_path"]).read_bytes()
        return render_messages(template_id, row, "data:image/png;base64," + base64.b64encode(raw).decode())

    return build


def parse_answer(result: Result, max_words: int) -> tuple[dict[str, str] | None, str | None]:
    """(labelled answer, None) or (None, reject reason) for one finished request."""
    if result.error is not None:
        return None, result.error
    content = (result.content or "").strip()
    if result.finish_reason == "length":
        return None, "truncated"
    if not content:
        return None, "empty_output"
    try:
        data = json.loads(content)
    except ValueError:
        start, end = content.find("{"), content.rfind("}")
        if start > 0 or (0 <= start < end and end < len(content) - 1):
            try:
                json.loads(content[start : end + 1])
                return None, "wrapper_text"  # the JSON is there, wrapped in chatter
            except ValueError:
                pass
        return None, "malformed_json"
    if not isinstance(data, dict) or set(data) != {"query", "extracted_prompt"}:
        return None, "schema_violation"
    query, extracted = data["query"], data["extracted_prompt"]
    if not isinstance(query, str) or not isinstance(extracted, str):
        return None, "schema_violation"
    query, extracted = " ".join(query.split()), " ".join(extracted.split())
    if not query:
        return None, "empty_query"
    if not extracted:
        return None, "empty_extracted_prompt"
    if _WRAPPER.match(query) or _QUOTED.match(query):
        return None, "wrapper_text"
    if len(query.split()) > max_words:
        return None, "too_long"
    return {"query": query, "extracted_prompt": extracted}, None


def _check_batch(batch: pl.DataFrame) -> None:
    missing = [c for c in BATCH_COLUMNS if c not in batch.columns]
    if missing:
        raise BatchError(f"LLM batch is missing column(s) {missing}; it has {batch.columns}")
    dup = batch["request_id"].is_duplicated()
    if dup.any():
        raise BatchError(f"LLM batch has duplicate request_id(s): {batch.filter(dup)['request_id'].unique().to_list()[:5]}")


def _throttled(
    progress: Callable[[int, int], None] | None, offset: int, total: int, key: str
) -> Callable[[int, int], None]:
    """Progress for the whole batch (resumed requests count as done), at most ~100 reports."""
    step = max(1, total // 100)
    log_step = max(1, total // 10)

    def report(done: int, _pending_total: int) -> None:
        n = offset + done
        if n % log_step == 0 or n == total:
            log.info("LLM batch %s: %d/%d requests finished", key, n, total)
        if progress is not None and (n % step == 0 or n == total):
            progress(n, total)

    return report


def run_llm_batch(
    batch: pl.DataFrame,
    client: LLMClient,
    checkpoint_dir: Path,
    progress: Callable[[int, int], None] | None = None,
    sampling: dict[str, Any] | None = None,
) -> pl.DataFrame:
    """Send one batch through `client` at full concurrency; rows in SYNTHETIC_SCHEMA, by request_id."""
    _check_batch(batch)
    rows = batch.sort("request_id").to_dicts()
    schema = response_schema()
    requests: dict[str, ChatRequest] = {}
    early: dict[str, str] = {}  # request_id -> reason, for rows that cannot be sent at all
    fingerprints: list[Any] = []  # what the checkpoint key covers: prompts, images by digest, seeds
    for row in rows:
        rid = row["request_id"]
        digest = None
        if row["route"] == "vision_llm":
            digest = _png_digest(row.get("preview_path"))
            if digest is None:
                early[rid] = "missing_preview"
                continue
        try:
            # Vision rows render with the image digest in place of the image; the image itself is
            # read when the request is sent.
            messages: Any = render_messages(row["template_id"], row, f"sha256:{digest}" if digest else None)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("request %s: cannot render template %s: %s", rid, row.get("template_id"), exc)
            early[rid] = "render_error"
            continue
        fingerprints.append([rid, messages, row["seed"]])
        if digest is not None:
            messages = _vision_messages(row["template_id"], row)
        requests[rid] = ChatRequest(rid, messages, seed=int(row["seed"]) if row["seed"] is not None else None,
                                    response_schema=schema, sampling=sampling)

    key = batch_hash({
        "model": client.model,
        "sampling": client.sampling_for(ChatRequest("", [], sampling=sampling)),
        "requests": fingerprints,
        "schema": schema,
    })
    path = checkpoint_path(checkpoint_dir, key)
    done = {rid: rec for rid, rec in load_checkpoint(path).items() if rid in requests}
    pending = [r for rid, r in requests.items() if rid not in done]
    log.info("LLM batch %s: %d requests, %d from checkpoint, %d to send, %d not sendable",
             key, len(rows), len(done), len(pending), len(early))

    results: dict[str, Result] = {rid: Result.from_record(rec) for rid, rec in done.items()}
    if pending:
        with CheckpointWriter(path) as writer:

            def on_result(res: Result) -> None:
                # Only answers are kept: a request that failed on the wire is tried again on resume.
                if res.content is not None:
                    writer.append(res.to_record())

            fresh = client.run_all(pending, progress=_throttled(progress, len(done), len(requests), key),
                                   on_result=on_result)
        results.update({r.request_id: r for r in fresh})

    out: list[dict[str, Any]] = []
    reasons: Counter[str] = Counter()
    for row in rows:
        rid = row["request_id"]
        req = requests.get(rid)
        res = results.get(rid)
        sent = req or ChatRequest(rid, [], seed=row["seed"], sampling=sampling)
        sampling_json = json.dumps(client.sampling_for(sent), sort_keys=True)
        rec: dict[str, Any] = {
            "request_id": rid,
            "function": row["function"],
            "content_type": row["content_type"],
            "route": row["route"],
            "template_family": row["template_family"],
            "template_id": row["template_id"],
            "length_bucket": row["length_bucket"],
            "source_nodes": row["source_nodes"],
            "asset_id": row["asset_id"],
            "model": (res.model if res and res.model else client.model),
            "sampling": sampling_json,
            "seed": row["seed"],
            "raw_output": res.content if res else None,
            "query": None,
            "extracted_prompt": None,
        }
        if rid in early:
            answer, reason = None, early[rid]
        elif res is None:
            answer, reason = None, "no_result"
        else:
            answer, reason = parse_answer(res, int(row["max_words"]))
        if answer is not None:
            rec.update(answer, status="ok", reject_reason=None)
        else:
            rec.update(status="rejected", reject_reason=reason)
            reasons[reason or "unknown"] += 1
        out.append(rec)
    if reasons:
        log.info("LLM batch %s: %d ok, rejected by reason %s", key, len(out) - sum(reasons.values()), dict(reasons))
    if not out:
        return pl.DataFrame(schema=SYNTHETIC_SCHEMA)
    return conform(pl.DataFrame(out, infer_schema_length=None), SYNTHETIC_SCHEMA).sort("request_id")
