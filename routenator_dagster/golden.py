"""Golden evaluation sets: JSON Lines of hand-labelled queries (labels as in docs/labelling.md)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from routenator_dagster.kg_files import check_field_sizes, decode_utf8, max_field_chars
from routenator_dagster.labels import CONTENT_TYPES, FUNCTIONS
from routenator_dagster.paths import SEED_DIR

DEFAULT_GOLDEN: Path = SEED_DIR / "golden" / "golden_v1.jsonl"
REQUIRED_KEYS: tuple[str, ...] = ("query", "function", "content_type", "extracted_prompt")
GOLDEN_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Utf8,
    "query": pl.Utf8,
    "function": pl.Utf8,
    "content_type": pl.Utf8,
    "extracted_prompt": pl.Utf8,
}


class GoldenFormatError(ValueError):
    """A golden file line that breaks the contract; the message names file, line and field."""


def _validate(path: Path, lineno: int, obj: object) -> dict[str, str]:
    where = f"{path}:{lineno}"
    if not isinstance(obj, dict):
        raise GoldenFormatError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    missing = [k for k in REQUIRED_KEYS if k not in obj]
    if missing:
        raise GoldenFormatError(f"{where}: missing field(s) {missing}")
    extra = sorted(set(obj) - set(REQUIRED_KEYS) - {"id"})
    if extra:
        raise GoldenFormatError(f"{where}: unexpected field(s) {extra}; allowed: {list(REQUIRED_KEYS)} and 'id'")
    for key in REQUIRED_KEYS:
        if not isinstance(obj[key], str) or not obj[key].strip():
            raise GoldenFormatError(f"{where}: field '{key}' must be a non-empty string")
    if obj["function"] not in FUNCTIONS:
        raise GoldenFormatError(f"{where}: field 'function' is {obj['function']!r}; expected one of {FUNCTIONS}")
    if obj["content_type"] not in CONTENT_TYPES:
        raise GoldenFormatError(
            f"{where}: field 'content_type' is {obj['content_type']!r}; expected one of {CONTENT_TYPES}"
        )
    row = {k: obj[k] for k in REQUIRED_KEYS}
    ident = obj.get("id")
    if ident is not None and not isinstance(ident, (str, int)):
        raise GoldenFormatError(f"{where}: field 'id' must be a string or integer")
    row["id"] = str(ident) if ident is not None else f"line{lineno}"
    return row


def load_golden(path: str | Path = DEFAULT_GOLDEN, max_chars: int | None = None) -> pl.DataFrame:
    """Read and validate a golden set; raises GoldenFormatError naming file, line and field.

    The file must be UTF-8 (a bad byte is reported with its offset and line) and no field may
    exceed ``max_chars`` (default `kg_files.max_field_chars()`)."""
    path = Path(path)
    limit = max_field_chars(max_chars)
    if not path.is_file():
        raise FileNotFoundError(f"golden set {path} does not exist")
    text = decode_utf8(path.read_bytes(), str(path), GoldenFormatError)
    rows: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    # split on "\n" only: splitlines() would also cut at U+2028 and friends inside a JSON string
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldenFormatError(f"{path}:{lineno}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if isinstance(obj, dict):
            check_field_sizes([(f"line {lineno}", obj)], str(path), GoldenFormatError, limit)
        row = _validate(path, lineno, obj)
        if row["id"] in seen:
            raise GoldenFormatError(f"{path}:{lineno}: field 'id' {row['id']!r} repeats line {seen[row['id']]}")
        seen[row["id"]] = lineno
        rows.append(row)
    if not rows:
        raise GoldenFormatError(f"{path}: no queries in the file")
    return pl.DataFrame(rows, schema=GOLDEN_SCHEMA)
