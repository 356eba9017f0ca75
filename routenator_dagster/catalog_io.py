"""Read and validate a content catalog (JSON Lines, CSV or Parquet) into CATALOG_SCHEMA.

Errors name the file, the row (1-based data row, or the line for JSON Lines) and the field.
Titles and keywords are plain data: nothing in them is ever interpreted.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import polars as pl

from routenator_dagster.kg_files import Record, check_columns, frame_records, is_tabular, read_records
from routenator_dagster.labels import CATALOG_CONTENT_TYPES
from routenator_dagster.schema import CATALOG_REQUIRED, CATALOG_SCHEMA

_LIST_FIELDS: tuple[str, ...] = tuple(k for k, t in CATALOG_SCHEMA.items() if isinstance(t, pl.List))
_TEXT_FIELDS: tuple[str, ...] = ("locale", "aspect_ratio", "design_type", "layout")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_RATIO = re.compile(r"^\d+(\.\d+)?:\d+(\.\d+)?$")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_MAX_REPORTED = 20


class CatalogError(ValueError):
    """The catalog is unreadable or invalid; the message names file, row and field."""


def _list_cell(value: Any) -> list[Any] | None:
    """A list from a JSON array, a `;`-separated CSV cell, or a list; None when not a list."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                return None
            return parsed if isinstance(parsed, list) else None
        return [part.strip() for part in text.split(";") if part.strip()]
    return None


def _bool_cell(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    return None


def _validate_row(where: str, rec: dict[str, Any], errs: list[str]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    before = len(errs)
    for field in CATALOG_REQUIRED:
        if rec.get(field) is None or (isinstance(rec.get(field), str) and not rec[field].strip() and field != "keywords"):
            errs.append(f"{where}: field '{field}': required but missing or empty")
    asset_id, title = rec.get("asset_id"), rec.get("title")
    for field, value in (("asset_id", asset_id), ("title", title)):
        if value is not None and not isinstance(value, str):
            errs.append(f"{where}: field '{field}': expected text, got {type(value).__name__}")
    out["asset_id"] = asset_id.strip() if isinstance(asset_id, str) else asset_id
    out["title"] = title
    ct = rec.get("content_type")
    if ct is not None and ct not in CATALOG_CONTENT_TYPES:
        errs.append(f"{where}: field 'content_type': {ct!r} is not one of {list(CATALOG_CONTENT_TYPES)}")
    out["content_type"] = ct
    if rec.get("gentech") is not None:
        gentech = _bool_cell(rec["gentech"])
        if gentech is None:
            errs.append(f"{where}: field 'gentech': {rec['gentech']!r} is not true/false")
        out["gentech"] = gentech
    for field in _LIST_FIELDS:
        if field == "keywords" and rec.get(field) is None:
            continue  # reported above as missing
        items = _list_cell(rec.get(field))
        if items is None or not all(isinstance(x, str) for x in items):
            errs.append(f"{where}: field '{field}': expected a list of strings (JSON array or ';'-separated), "
                        f"got {rec.get(field)!r}")
            continue
        out[field] = [x.strip() for x in items if x.strip()]
    for colour in out.get("palette") or []:
        if not _COLOUR.match(colour):
            errs.append(f"{where}: field 'palette': {colour!r} is not a colour like '#1a2b3c'")
    ctr = rec.get("ctr")
    if ctr is not None and ctr != "":
        try:
            value = float(ctr) if not isinstance(ctr, bool) else math.nan
        except (TypeError, ValueError):
            value = math.nan
        if not 0.0 <= value <= 1.0:  # NaN fails too
            errs.append(f"{where}: field 'ctr': {ctr!r} is not a number in [0, 1]")
        out["ctr"] = value
    for field in _TEXT_FIELDS:
        value = rec.get(field)
        if value is not None and not isinstance(value, str):
            errs.append(f"{where}: field '{field}': expected text, got {type(value).__name__}")
        out[field] = value if value != "" else None
    if out.get("aspect_ratio") is not None and not _RATIO.match(str(out["aspect_ratio"])):
        errs.append(f"{where}: field 'aspect_ratio': {out['aspect_ratio']!r} is not 'W:H'")
    return out if len(errs) == before else None


def _validate_records(records: list[Record], source: str) -> pl.DataFrame:
    errs: list[str] = []
    rows: list[dict[str, Any]] = []
    first_seen: dict[str, str] = {}
    for where, rec in records:
        at = f"{source}: {where}"
        row = _validate_row(at, rec, errs)
        if row is None:
            continue
        if row["asset_id"] in first_seen:
            errs.append(f"{at}: field 'asset_id': duplicate {row['asset_id']!r} (also at {first_seen[row['asset_id']]})")
            continue
        first_seen[row["asset_id"]] = where
        rows.append(row)
    if errs:
        shown = errs[:_MAX_REPORTED]
        more = f"\n... and {len(errs) - len(shown)} more problem(s)" if len(errs) > len(shown) else ""
        head = f"{len(errs)} problem(s) in the catalog:\n" if len(errs) > 1 else ""
        raise CatalogError(head + "\n".join(shown) + more)
    if not rows:
        raise CatalogError(f"{source}: empty catalog (no rows)")
    return pl.DataFrame(rows, schema=CATALOG_SCHEMA)


def validate_catalog(df: pl.DataFrame, source: str = "<catalog>") -> pl.DataFrame:
    """Check a catalog table; return it in CATALOG_SCHEMA order and dtypes or raise CatalogError."""
    if df.height == 0:
        raise CatalogError(f"{source}: empty catalog (no rows)")
    missing = [c for c in CATALOG_REQUIRED if c not in df.columns]
    if missing:
        raise CatalogError(f"{source}: missing required column(s) {missing}")
    return _validate_records(frame_records(df), source)


def load_catalog(path: str | Path, max_chars: int | None = None) -> pl.DataFrame:
    """A catalog file (.jsonl, .csv or .parquet) validated into CATALOG_SCHEMA. Every field is
    bounded by ``max_chars`` (default `kg_files.max_field_chars()`, 10,000 characters), so an
    oversized title never reaches a prompt."""
    path = Path(path)
    records = read_records(path, CatalogError, max_chars)
    check_columns(records, str(path), CatalogError, tuple(CATALOG_SCHEMA), CATALOG_REQUIRED, tabular=is_tabular(path))
    return _validate_records(records, str(path))
