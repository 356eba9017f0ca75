"""The optional semantic check (APIGen's third stage): an LLM judges whether the labels fit the query.

Used when a judge endpoint (resource "judge_llm") is configured. A request that fails or answers
off-schema leaves its row unjudged (kept) and is counted, so an unreliable judge cannot silently
empty the dataset.
"""

from __future__ import annotations

import json
import logging

import polars as pl

from routenator_dagster.filtering.label_checks import Judge
from routenator_dagster.llm_client import ChatRequest, LLMClient

log = logging.getLogger(__name__)

VERDICT_SCHEMA: dict = {
    "type": "object",
    "properties": {"verdict": {"type": "string", "enum": ["correct", "incorrect"]}, "reason": {"type": "string"}},
    "required": ["verdict", "reason"],
    "additionalProperties": False,
}

_INSTRUCTIONS = (
    "You audit training rows for an assistant that turns a user's request in a design app into a call. "
    "Search means the user wants something a stock library already holds; Generate means they describe "
    "something personal or one-off (names, dates, custom wording, unusual scenes). content_type is one of "
    "Template, Photo, Video, Audio, Background, Design Asset, Text, Any (Any: nothing implies a type). "
    "extracted_prompt is the request without its wrapper: a few keywords for Search, the full description "
    "for Generate. Reply with JSON: verdict 'correct' or 'incorrect', and a short reason."
)


def _message(row: dict) -> str:
    return (
        f"query: {row['query']}\nfunction: {row['function']}\ncontent_type: {row['content_type']}\n"
        f"extracted_prompt: {row['extracted_prompt']}"
    )


def make_llm_judge(client: LLMClient) -> Judge:
    """A Judge for label_checks: None for rows the model accepts, its reason for rows it rejects."""

    def judge(rows: pl.DataFrame) -> list[str | None]:
        requests = [
            ChatRequest(
                request_id=str(i),
                messages=[{"role": "system", "content": _INSTRUCTIONS}, {"role": "user", "content": _message(r)}],
                seed=0,
                response_schema=VERDICT_SCHEMA,
                sampling={"temperature": 0.0, "max_tokens": 96},
            )
            for i, r in enumerate(rows.iter_rows(named=True))
        ]
        log.info("LLM judge: %d rows to %s", len(requests), client.model)
        out: list[str | None] = []
        unjudged = 0
        for result in client.run_all(requests):
            try:
                answer = json.loads(result.content or "")
                verdict = answer["verdict"]
            except (json.JSONDecodeError, KeyError, TypeError):
                unjudged += 1  # failed or off-schema: keep the row rather than guess
                out.append(None)
                continue
            out.append(str(answer.get("reason") or "incorrect")[:200] if verdict == "incorrect" else None)
        if unjudged:
            log.warning("LLM judge: %d of %d rows left unjudged (request failed or answer off-schema)", unjudged, len(requests))
        return out

    return judge
