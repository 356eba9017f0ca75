"""Markdown tables for asset metadata, shared by every asset module."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import polars as pl


def md_table(rows: list[dict[str, Any]] | list[tuple] | list[list], header: list[str] | None = None, limit: int = 50) -> str:
    """A markdown table from dicts (keys as header) or sequences (with ``header``)."""
    if not rows:
        return "_none_"
    if isinstance(rows[0], dict):
        header = list(rows[0])
        rows = [tuple(r.get(h) for h in header) for r in rows]
    cols = header or []
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows[:limit]:
        cells = ("" if c is None else str(c).replace("|", "\\|").replace("\n", " ") for c in r)
        lines.append("| " + " | ".join(cells) + " |")
    if len(rows) > limit:
        lines.append(f"\n_{len(rows) - limit} more rows_")
    return "\n".join(lines)


def frame_md(frame: pl.DataFrame, limit: int = 60) -> str:
    """A polars frame as a markdown table (first ``limit`` rows)."""
    return md_table(list(frame.iter_rows()), frame.columns, limit)


def image_md(path: str | Path, alt: str) -> str:
    """A PNG as markdown the UI renders: a data URI, since the browser cannot open the server's files."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f"![{alt}](data:image/png;base64,{data})"
