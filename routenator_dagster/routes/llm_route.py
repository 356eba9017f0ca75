"""The text-to-text and vision-to-text LLM routes: one batch of requests in, labelled rows out.

Every request ends as exactly one row: "ok", or "rejected" with a reason (an HTTP failure after
retries, an answer that is not the JSON asked for, a query over the bucket's word limit, ...).
Finished responses are checkpointed as they arrive, so a killed run resumes without resending them.
The same checkpoint can be filled beforehand by vLLM's offline engine (`bulk_generate`): planning
(`plan_llm_batch`) is shared, so both paths compute one checkpoint key, and a partition in bulk mode
only reads it (`read_llm_batch_from_checkpoint`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from routenator_dagster.checkpoint import CheckpointWriter, batch_hash, checkpoint_path, load_checkpoint
from routenator_dagster.llm_client import ChatRequest, LLMClient, Result
from routenator_dagster.routes.llm_prompts import render_messages, response_schema
from routenator_dagster.schema import SYNTHETIC_SCHEMA, conform

log = logging.getLogger(__name__)

# The sampling an LLM resource sends by default; the bulk job's CLI defaults are the same values,
# since sampling is part of the checkpoint key both paths share.
DEFAULT_SAMPLING: dict[str, Any] = {"temperature": 0.7, "top_p": 0.95, "max_tokens": 256}
NOT_IN_BULK_RESULTS = "not_in_bulk_results"

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


@dataclass(frozen=True)
class LLMBatchPlan:
    """What one batch will send: rows (sorted), sendable requests, early rejections, checkpoint key.

    Shared by the HTTP path (`run_llm_batch`) and vLLM's offline engine (`bulk_generate`), so both
    compute the same checkpoint key and one can answer what the other reads.
    """

    rows: list[dict[str, Any]]
    requests: dict[str, ChatRequest]  # request_id -> request, sendable ones only, in request_id order
    early: dict[str, str]  # request_id -> reason, for rows that cannot be sent at all
    key: str
    model: str
    sampling: dict[str, Any] | None
    sampling_for: Callable[[ChatRequest], dict[str, Any]]

    def checkpoint_file(self, checkpoint_dir: Path) -> Path:
        return checkpoint_path(checkpoint_dir, self.key)

    def answered(self, checkpoint_dir: Path) -> dict[str, Result]:
        """Checkpointed answers of this batch's requests, by request_id."""
        recs = load_checkpoint(self.checkpoint_file(checkpoint_dir))
        return {rid: Result.from_record(rec) for rid, rec in recs.items() if rid in self.requests}

    def to_frame(self, results: dict[str, Result], missing_reason: str = "no_result") -> pl.DataFrame:
        """One row per batch row (SYNTHETIC_SCHEMA): parsed answer, or rejected with a reason."""
        out: list[dict[str, Any]] = []
        reasons: Counter[str] = Counter()
        for row in self.rows:
            rid = row["request_id"]
            req = self.requests.get(rid)
            res = results.get(rid)
            sent = req or ChatRequest(rid, [], seed=row["seed"], sampling=self.sampling)
            sampling_json = json.dumps(self.sampling_for(sent), sort_keys=True)
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
                "model": (res.model if res and res.model else self.model),
                "sampling": sampling_json,
                "seed": row["seed"],
                "raw_output": res.content if res else None,
                "query": None,
                "extracted_prompt": None,
            }
            if rid in self.early:
                answer, reason = None, self.early[rid]
            elif res is None:
                answer, reason = None, missing_reason
            else:
                answer, reason = parse_answer(res, int(row["max_words"]))
            if answer is not None:
                rec.update(answer, status="ok", reject_reason=None)
            else:
                rec.update(status="rejected", reject_reason=reason)
                reasons[reason or "unknown"] += 1
            out.append(rec)
        if reasons:
            log.info("LLM batch %s: %d ok, rejected by reason %s", self.key, len(out) - sum(reasons.values()), dict(reasons))
        if not out:
            return pl.DataFrame(schema=SYNTHETIC_SCHEMA)
        return conform(pl.DataFrame(out, infer_schema_length=None), SYNTHETIC_SCHEMA).sort("request_id")


def sampling_for_defaults(defaults: dict[str, Any]) -> Callable[[ChatRequest], dict[str, Any]]:
    """The per-request sampling of an `LLMClient` with these defaults, without a client (bulk path)."""
    base = dict(defaults)

    def sampling_for(request: ChatRequest) -> dict[str, Any]:
        out = dict(base)
        out.update(request.sampling or {})
        out["seed"] = request.seed
        return out

    return sampling_for


def plan_llm_batch(
    batch: pl.DataFrame,
    model: str,
    sampling_for: Callable[[ChatRequest], dict[str, Any]],
    sampling: dict[str, Any] | None = None,
) -> LLMBatchPlan:
    """Validate and render one batch; the checkpoint key covers model, sampling, prompts, images, seeds."""
    _check_batch(batch)
    rows = batch.sort("request_id").to_dicts()
    schema = response_schema()
    requests: dict[str, ChatRequest] = {}
    early: dict[str, str] = {}
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
        "model": model,
        "sampling": sampling_for(ChatRequest("", [], sampling=sampling)),
        "requests": fingerprints,
        "schema": schema,
    })
    return LLMBatchPlan(rows, requests, early, key, model, sampling, sampling_for)


def run_llm_batch(
    batch: pl.DataFrame,
    client: LLMClient,
    checkpoint_dir: Path,
    progress: Callable[[int, int], None] | None = None,
    sampling: dict[str, Any] | None = None,
) -> pl.DataFrame:
    """Send one batch through `client` at full concurrency; rows in SYNTHETIC_SCHEMA, by request_id."""
    plan = plan_llm_batch(batch, client.model, client.sampling_for, sampling)
    path = plan.checkpoint_file(checkpoint_dir)
    results = plan.answered(checkpoint_dir)
    pending = [r for rid, r in plan.requests.items() if rid not in results]
    log.info("LLM batch %s: %d requests, %d from checkpoint, %d to send, %d not sendable",
             plan.key, len(plan.rows), len(results), len(pending), len(plan.early))

    if pending:
        with CheckpointWriter(path) as writer:

            def on_result(res: Result) -> None:
                # Only answers are kept: a request that failed on the wire is tried again on resume.
                if res.content is not None:
                    writer.append(res.to_record())

            fresh = client.run_all(pending, progress=_throttled(progress, len(results), len(plan.requests), plan.key),
                                   on_result=on_result)
        results.update({r.request_id: r for r in fresh})
        log.info("LLM batch %s: client totals %s", plan.key, client.usage.summary())
    return plan.to_frame(results)


def read_llm_batch_from_checkpoint(
    batch: pl.DataFrame,
    model: str,
    sampling_for: Callable[[ChatRequest], dict[str, Any]],
    checkpoint_dir: Path,
    sampling: dict[str, Any] | None = None,
) -> tuple[pl.DataFrame, int]:
    """Rows of a batch answered offline (bulk job), sending nothing; (rows, answers found).

    A request with no answer in the checkpoint is a rejected row "not_in_bulk_results".
    """
    plan = plan_llm_batch(batch, model, sampling_for, sampling)
    results = plan.answered(checkpoint_dir)
    missing = len(plan.requests) - len(results)
    log.info("LLM batch %s: %d requests, %d answered by the bulk job, %d without an answer, %d not sendable",
             plan.key, len(plan.rows), len(results), missing, len(plan.early))
    return plan.to_frame(results, missing_reason=NOT_IN_BULK_RESULTS), len(results)
