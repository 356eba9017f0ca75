"""Bulk generation of one LLM partition with vLLM's offline engine, inside a GPU pod.

The offline engine sees every prompt of a chunk up front and has no HTTP in the way, so for large
batches it beats the server. It shares everything but the transport with the HTTP route: the batch
is planned by `plan_llm_batch` (same rendered prompts, seeds, sampling and checkpoint key) and each
answer is appended to the route's checkpoint, `rn_home()/checkpoints/<route>/<content type slug>/`.
`synthetic_queries` then finds every request answered there and only parses. A killed pod resumes:
answered requests are skipped.

    python -m routenator_dagster.bulk_generate --route text_llm --content-type photo \\
        --model-path /models/llama --served-model-name llama-3.1-8b-instruct

vLLM is imported only inside `VLLMOfflineEngine` (it pins its own torch; it lives in the GPU image).
Exit codes: 0 done (requests the engine could not answer are logged and left out of the
checkpoint, so a rerun retries them), 2 bad arguments or batch, 3 vLLM not installed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from routenator_dagster.checkpoint import CheckpointWriter
from routenator_dagster.labels import CONTENT_TYPES, content_type_from_slug, content_type_slug
from routenator_dagster.llm_client import ChatRequest, Result
from routenator_dagster.paths import rn_home
from routenator_dagster.routes.llm_route import (
    BATCH_COLUMNS,
    DEFAULT_SAMPLING,
    BatchError,
    plan_llm_batch,
    sampling_for_defaults,
)

log = logging.getLogger(__name__)

LLM_ROUTES: tuple[str, ...] = ("text_llm", "vision_llm")
# The env var holding the model name each route's resource uses (resources/llm.py).
MODEL_ENV: dict[str, str] = {"text_llm": "RN_TEXT_LLM_MODEL", "vision_llm": "RN_VISION_LLM_MODEL"}
GPU_IMAGE_HINT = ("vllm is not installed in this environment: run the bulk job in the GPU image "
                  "(k8s/Dockerfile.vllm-bulk, launched by k8s/bulk_generate_job.yaml); vLLM pins its own torch "
                  "and cannot share the project's environment")


class OfflineEngine(Protocol):
    """Answers a list of chat requests in one go; results in input order, one per request."""

    def generate(self, requests: list[ChatRequest], sampling: list[dict[str, Any]]) -> list[Result]: ...


class VLLMOfflineEngine:
    """vLLM's offline `LLM`, loaded once; `generate` runs one `LLM.chat` over a whole chunk."""

    def __init__(
        self,
        model_path: str,
        max_num_seqs: int = 256,
        tensor_parallel_size: int = 1,
        max_model_len: int | None = 8192,
        gpu_memory_utilization: float = 0.9,
        images_per_prompt: int = 0,
        trust_remote_code: bool = False,
        dtype: str = "auto",
    ) -> None:
        try:
            from vllm import LLM, SamplingParams
            from vllm.sampling_params import StructuredOutputsParams
        except ImportError as exc:
            raise RuntimeError(GPU_IMAGE_HINT) from exc
        self._sampling_params = SamplingParams
        self._structured = StructuredOutputsParams
        kwargs: dict[str, Any] = {
            "model": model_path,
            "max_num_seqs": max_num_seqs,
            "tensor_parallel_size": tensor_parallel_size,
            "gpu_memory_utilization": gpu_memory_utilization,
            "trust_remote_code": trust_remote_code,
            "dtype": dtype,
        }
        if max_model_len:
            kwargs["max_model_len"] = max_model_len
        if images_per_prompt:
            kwargs["limit_mm_per_prompt"] = {"image": images_per_prompt}
        log.info("loading vLLM offline engine: %s", kwargs)
        self.llm = LLM(**kwargs)

    def _params(self, request: ChatRequest, sampling: dict[str, Any]) -> Any:
        opts = {k: v for k, v in sampling.items() if v is not None}
        if request.response_schema is not None:
            # The server's response_format json_schema, as the offline API spells it (vLLM >= 0.12).
            opts["structured_outputs"] = self._structured(json=request.response_schema)
        return self._sampling_params(**opts)

    def generate(self, requests: list[ChatRequest], sampling: list[dict[str, Any]]) -> list[Result]:
        conversations = [r.resolve_messages() for r in requests]
        params = [self._params(r, s) for r, s in zip(requests, sampling)]
        outputs = self.llm.chat(conversations, params, use_tqdm=False)
        results: list[Result] = []
        for req, out in zip(requests, outputs):
            if not out.outputs:
                results.append(Result(req.request_id, error="empty_engine_output", attempts=1))
                continue
            gen = out.outputs[0]
            results.append(Result(
                req.request_id,
                content=gen.text,
                finish_reason=gen.finish_reason,  # "length" marks a truncated answer, as over HTTP
                prompt_tokens=len(out.prompt_token_ids or []),
                completion_tokens=len(gen.token_ids or []),
                attempts=1,
            ))
        return results


def _generate_chunk(engine: OfflineEngine, chunk: list[ChatRequest], sampling: list[dict[str, Any]]) -> list[Result]:
    """One engine call; a chunk the engine refuses as input (ValueError) is split to isolate the bad request."""
    try:
        results = engine.generate(chunk, sampling)
    except ValueError as exc:
        if len(chunk) == 1:
            log.warning("request %s refused by the engine: %s", chunk[0].request_id, exc)
            return [Result(chunk[0].request_id, error="engine_rejected_input", attempts=1)]
        mid = len(chunk) // 2
        return (_generate_chunk(engine, chunk[:mid], sampling[:mid])
                + _generate_chunk(engine, chunk[mid:], sampling[mid:]))
    if len(results) != len(chunk) or any(r.request_id != q.request_id for r, q in zip(results, chunk)):
        raise RuntimeError(f"offline engine returned {len(results)} results for {len(chunk)} requests, or out of order")
    return results


def run_bulk(
    batch: pl.DataFrame,
    checkpoint_dir: Path,
    engine: OfflineEngine,
    model_name: str,
    sampling_defaults: dict[str, Any],
    chunk_size: int = 2048,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Answer every request of `batch` not yet in the checkpoint; stats of the run.

    `model_name` and `sampling_defaults` must be what the route's resource uses: they are part of
    the checkpoint key, so `synthetic_queries` finds these answers only if they match.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be >= 1")
    sampling_for = sampling_for_defaults(sampling_defaults)
    plan = plan_llm_batch(batch, model_name, sampling_for)
    path = plan.checkpoint_file(checkpoint_dir)
    done = plan.answered(checkpoint_dir)
    pending = [r for rid, r in plan.requests.items() if rid not in done]
    stats = {"requests": len(plan.rows), "not_sendable": len(plan.early), "from_checkpoint": len(done),
             "generated": 0, "failed": 0}
    log.info("bulk batch %s -> %s: %d rows, %d from checkpoint, %d to generate, %d not sendable",
             plan.key, path, len(plan.rows), len(done), len(pending), len(plan.early))
    total = len(plan.requests)
    if progress is not None:
        progress(len(done), total)
    if not pending:
        return stats
    started = time.monotonic()
    with CheckpointWriter(path) as writer:
        for start in range(0, len(pending), chunk_size):
            chunk = pending[start : start + chunk_size]
            results = _generate_chunk(engine, chunk, [sampling_for(r) for r in chunk])
            if len(chunk) > 1 and all(r.error == "engine_rejected_input" for r in results):
                # Not one bad prompt but a bad setting (sampling, engine flags): stop, don't grind on.
                raise RuntimeError(f"the engine refused every request of a chunk of {len(chunk)}; "
                                   "check the sampling flags and engine settings (see the warnings above)")
            for res in results:
                if res.content is not None:
                    # The served model name, as the HTTP server reports it, so rows read the same.
                    writer.append(dataclasses.replace(res, model=res.model or model_name).to_record())
                    stats["generated"] += 1
                else:
                    stats["failed"] += 1  # not checkpointed: tried again on the next run
            finished = len(done) + start + len(chunk)
            log.info("bulk batch %s: %d/%d requests finished (%.1f req/s)", plan.key, finished, total,
                     (start + len(chunk)) / max(time.monotonic() - started, 1e-9))
            if progress is not None:
                progress(finished, total)
    return stats


# ---- CLI ---------------------------------------------------------------------------------------


class BulkInputError(ValueError):
    """A missing or malformed batch file; the message names the file and the field."""


def partition_key(route: str, content_type: str) -> str:
    """The multi-partition key string of GENERATION_PARTITIONS: dimensions sorted by name."""
    return f"{content_type_slug(content_type)}|{route}"


def batch_path(home: Path, route: str, content_type: str) -> Path:
    """Where the IO manager stores routed_prompt_batches for one partition ('|' written as '__')."""
    name = partition_key(route, content_type).replace("/", "_").replace("|", "__")
    return Path(home) / "assets" / "routed_prompt_batches" / f"{name}.parquet"


def checkpoint_dir_for(home: Path, route: str, content_type: str) -> Path:
    """The route's checkpoint folder, as synthetic_queries uses it."""
    return Path(home) / "checkpoints" / route / content_type_slug(content_type)


def _content_type(value: str) -> str:
    if value in CONTENT_TYPES:
        return value
    try:
        return content_type_from_slug(value)
    except (ValueError, KeyError) as exc:
        raise argparse.ArgumentTypeError(
            f"unknown content type {value!r}; use one of {[content_type_slug(c) for c in CONTENT_TYPES]}") from exc


def read_batch(path: Path, route: str | None = None, content_type: str | None = None) -> pl.DataFrame:
    """Load and check a routed_prompt_batches parquet file; errors name the file, row and field."""
    if not path.is_file():
        raise BulkInputError(f"batch file {path} does not exist; materialize routed_prompt_batches for this partition first")
    try:
        batch = pl.read_parquet(path)
    except Exception as exc:  # polars raises several types for a file that is not parquet
        raise BulkInputError(f"batch file {path} is not readable parquet: {exc}") from exc
    missing = [c for c in BATCH_COLUMNS if c not in batch.columns]
    if missing:
        raise BulkInputError(f"batch file {path}: missing field(s) {missing} (columns: {batch.columns})")
    for field in ("request_id", "route", "content_type", "max_words"):
        nulls = batch[field].is_null()
        if nulls.any():
            row = int(nulls.arg_max() or 0)
            raise BulkInputError(f"batch file {path}: row {row}: field {field!r} is null")
    dup = batch["request_id"].is_duplicated()
    if dup.any():
        row = int(dup.arg_max() or 0)
        raise BulkInputError(f"batch file {path}: row {row}: field 'request_id' {batch['request_id'][row]!r} is duplicated")
    for field, expected in (("route", route), ("content_type", content_type)):
        if expected is None:
            continue
        bad = batch[field] != expected
        if bad.any():
            row = int(bad.arg_max() or 0)
            raise BulkInputError(f"batch file {path}: row {row}: field {field!r} is {batch[field][row]!r}, "
                                 f"expected {expected!r} for this partition")
    return batch


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_argument_group("which batch")
    where.add_argument("--route", choices=LLM_ROUTES, help="LLM route of the partition")
    where.add_argument("--content-type", type=_content_type, help="content type of the partition (slug or label)")
    where.add_argument("--home", default=None, help="RouteNator home (default: $RN_HOME)")
    where.add_argument("--batch", type=Path, help="batch parquet file (default: the IO manager's path for the partition)")
    where.add_argument("--checkpoint-dir", type=Path,
                       help="checkpoint folder (default: <home>/checkpoints/<route>/<content type slug>)")
    where.add_argument("--out", type=Path, help="write the run's stats here as JSON")
    model = parser.add_argument_group("model (part of the checkpoint key)")
    model.add_argument("--model-path", help="weights folder or model id for vLLM")
    model.add_argument("--served-model-name",
                       help="model name the route's resource uses (default: $RN_TEXT_LLM_MODEL / $RN_VISION_LLM_MODEL)")
    samp = parser.add_argument_group("sampling (defaults: the LLM resource's)")
    samp.add_argument("--temperature", type=float, default=DEFAULT_SAMPLING["temperature"])
    samp.add_argument("--top-p", type=float, default=DEFAULT_SAMPLING["top_p"])
    samp.add_argument("--max-tokens", type=int, default=DEFAULT_SAMPLING["max_tokens"])
    eng = parser.add_argument_group("vLLM engine")
    eng.add_argument("--max-num-seqs", type=int, default=256)
    eng.add_argument("--tensor-parallel-size", type=int, default=1)
    eng.add_argument("--max-model-len", type=int, default=8192)
    eng.add_argument("--gpu-memory-utilization", type=float, default=0.9)
    eng.add_argument("--images-per-prompt", type=int, default=None, help="default: 1 for vision_llm, else 0")
    eng.add_argument("--trust-remote-code", action="store_true", help="needed by some VLMs (InternVL)")
    eng.add_argument("--dtype", default="auto")
    # A chunk is what a killed pod can lose; the engine drains each chunk's tail before the next,
    # so keep it several times --max-num-seqs.
    eng.add_argument("--chunk-size", type=int, default=2048, help="requests per engine call (and per checkpoint flush)")


def _resolve(args: argparse.Namespace) -> tuple[Path, Path, str]:
    """(batch file, checkpoint folder, served model name) from the arguments."""
    partition = args.route is not None and args.content_type is not None
    if (args.route is None) != (args.content_type is None):
        raise BulkInputError("--route and --content-type go together")
    if not partition and (args.batch is None or args.checkpoint_dir is None):
        raise BulkInputError("give --route and --content-type, or --batch FILE and --checkpoint-dir DIR")
    if args.temperature < 0 or not 0 < args.top_p <= 1 or args.max_tokens < 1 or args.chunk_size < 1:
        raise BulkInputError("sampling flags out of range: need --temperature >= 0, 0 < --top-p <= 1, "
                             "--max-tokens >= 1, --chunk-size >= 1")
    home = rn_home(args.home)
    batch = args.batch or batch_path(home, args.route, args.content_type)
    ckpt = args.checkpoint_dir or checkpoint_dir_for(home, args.route, args.content_type)
    model = args.served_model_name or (os.environ.get(MODEL_ENV[args.route], "") if args.route else "")
    if not model:
        env = f" or set {MODEL_ENV[args.route]}" if args.route else ""
        raise BulkInputError(f"--served-model-name is required{env}: it must equal the model name of the route's "
                             "LLM resource, which is part of the checkpoint key")
    return batch, ckpt, model


def _engine_from_args(args: argparse.Namespace) -> OfflineEngine:
    if not args.model_path:
        raise BulkInputError("--model-path is required (weights folder or model id for vLLM)")
    images = args.images_per_prompt if args.images_per_prompt is not None else int(args.route == "vision_llm")
    return VLLMOfflineEngine(
        args.model_path,
        max_num_seqs=args.max_num_seqs,
        tensor_parallel_size=args.tensor_parallel_size,
        max_model_len=args.max_model_len,
        gpu_memory_utilization=args.gpu_memory_utilization,
        images_per_prompt=images,
        trust_remote_code=args.trust_remote_code,
        dtype=args.dtype,
    )


def main(
    argv: Sequence[str] | None = None,
    engine_factory: Callable[[argparse.Namespace], OfflineEngine] | None = None,
) -> int:
    """CLI entry point; `engine_factory` replaces vLLM (tests). Returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m routenator_dagster.bulk_generate",
                                     description="Answer one LLM partition with vLLM's offline engine into its checkpoint.")
    add_arguments(parser)
    return run_from_args(parser.parse_args(argv), engine_factory)


def run_from_args(
    args: argparse.Namespace,
    engine_factory: Callable[[argparse.Namespace], OfflineEngine] | None = None,
) -> int:
    """Run one bulk job from parsed arguments (also `routenator bulk-generate`)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    batch_file: Path | None = None
    try:
        batch_file, ckpt, model = _resolve(args)
        batch = read_batch(batch_file, args.route, args.content_type)
        if batch.height == 0:
            log.info("batch %s is empty: nothing to generate", batch_file)
            stats: dict[str, Any] = {"requests": 0, "not_sendable": 0, "from_checkpoint": 0, "generated": 0, "failed": 0}
        else:
            engine = (engine_factory or _engine_from_args)(args)
            from tqdm import tqdm

            bar = tqdm(total=None, unit="req", desc=f"bulk {batch_file.stem}")

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            sampling = {"temperature": args.temperature, "top_p": args.top_p, "max_tokens": args.max_tokens}
            try:
                stats = run_bulk(batch, ckpt, engine, model, sampling, chunk_size=args.chunk_size, progress=progress)
            finally:
                bar.close()
    except BulkInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BatchError as exc:
        print(f"error: batch file {batch_file}: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        if str(exc) != GPU_IMAGE_HINT:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 3
    stats_out = {**stats, "batch": str(batch_file), "checkpoint_dir": str(ckpt), "model": model}
    log.info("bulk generation done: %s", stats_out)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(stats_out, indent=1, sort_keys=True), encoding="utf-8")
    if stats["failed"]:
        # Not checkpointed: a rerun tries them again; synthetic_queries counts them as not_in_bulk_results.
        log.warning("%d request(s) got no answer from the engine", stats["failed"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
