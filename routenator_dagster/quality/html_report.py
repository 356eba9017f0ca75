"""A standalone HTML report: tables plus figures embedded as base64, so the file opens anywhere."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any
from routenator_dagster.atomic import write_text_atomic


def _table(title: str, rows: list[tuple[Any, ...]], header: tuple[str, ...]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<h2>{html.escape(title)}</h2><table><tr>{head}</tr>{body}</table>"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return "" if v is None else str(v)


def render(figures: dict[str, Any], images: dict[str, Path], title: str = "RouteNator dataset quality report") -> str:
    wc = figures.get("word_counts", {})
    sections = [
        _table("Rows", [(k, v) for k, v in figures.get("rows_by_function", {}).items()] + [("total", figures.get("rows"))], ("function", "rows")),
        _table("Word counts", [(k, s["n"], s["mean"], s["median"], s["q1"], s["q3"], s["iqr"], s["max"]) for k, s in wc.items()],
               ("function", "n", "mean", "median", "q1", "q3", "iqr", "max")),
        _table("Content types", [(ct, figures.get("content_type_shares", {}).get(ct, 0.0), t)
                                 for ct, t in figures.get("content_type_shares_target", {}).items()], ("content type", "share", "target")),
        _table("Alignment (total-variation distance)", list(figures.get("tv_distance", {}).items()), ("dimension", "tv")),
        _table("Rejections by reason", list(figures.get("rejected_by_reason", {}).items()), ("reason", "rows")),
    ]
    if "variants" in figures:
        sections.append(_table("Variants: words per query", [
            (name, v.get("overall", v).get("mean"), v.get("overall", v).get("median")) for name, v in figures["variants"].items()
        ], ("variant", "mean", "median")))
    if figures.get("variant_side_by_side"):
        from routenator_dagster.quality.variants import side_by_side_rows

        header, rows = side_by_side_rows(figures["variant_side_by_side"])
        sections.append(_table("Dataset variants side by side (paper 3.1 templates vs router)", rows, tuple(header)))
    for name, path in images.items():
        data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
        sections.append(f'<h2>{html.escape(name)}</h2><img alt="{html.escape(name)}" src="data:image/png;base64,{data}">')
    raw = html.escape(json.dumps(figures, indent=1, default=str))
    style = "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}img{max-width:100%}"
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>{style}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{''.join(sections)}<h2>All figures</h2><pre>{raw}</pre></body></html>"
    )


def write(path: Path, figures: dict[str, Any], images: dict[str, Path]) -> Path:
    return write_text_atomic(path, render(figures, images))
