"""A standalone HTML report: tables plus figures embedded as base64, so the file opens anywhere.

Every figure is set against the target it should match: Search lengths against the real-traffic
reference and the Search length buckets, Generate lengths against the Generate buckets (the
reference describes search traffic only), shares and keyword positions against the population
targets. The raw figures stay at the bottom, collapsed.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

from routenator_dagster.atomic import write_text_atomic
from routenator_dagster.labels import FUNCTIONS

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1f2328;line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:1.5em 2em 3em}
h1{font-size:1.6em;margin:.2em 0 .6em}h2{font-size:1.25em;margin:1.8em 0 .5em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
h3{font-size:1.02em;margin:1.2em 0 .4em}
p.note{color:#57606a;font-size:.9em;margin:.3em 0 .8em}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin:.5em 0 1em}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:.6em 1em;min-width:8.5em}
.card .v{font-size:1.35em;font-weight:600}.card .k{color:#57606a;font-size:.8em}
table{border-collapse:collapse;background:#fff;margin:.4em 1.2em .8em 0;font-size:.9em;display:inline-table;vertical-align:top}
th,td{border:1px solid #d0d7de;padding:3px 10px;text-align:right}
th{background:#eef1f4;font-weight:600}td:first-child,th:first-child{text-align:left}
tr:nth-child(even) td{background:#fafbfc}
td.bad{color:#b42318;font-weight:600}td.ok{color:#1a7f37}
figure{margin:.6em 0 1.2em;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:.6em}
figure img{max-width:100%;display:block;margin:0 auto}figcaption{color:#57606a;font-size:.85em;margin-top:.3em}
details{margin-top:2em}summary{cursor:pointer;color:#0969da}pre{background:#fff;border:1px solid #d0d7de;padding:1em;overflow:auto;font-size:.8em}
"""


def fmt(v: Any) -> str:
    """Numbers as a person reads them: floats to 4 decimals (trailing zeros dropped)."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{round(v, 4) + 0.0:g}"  # + 0.0 turns a rounded -0.0 into 0
    return "–" if v is None else str(v)


def table(rows: list[tuple[Any, ...]], header: tuple[str, ...], caption: str | None = None) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(fmt(c))}</td>" for c in r) + "</tr>" for r in rows)
    if not rows:
        body = f"<tr><td colspan='{len(header)}'>none</td></tr>"
    cap = f"<caption style='text-align:left;font-weight:600;padding:.2em 0'>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<tr>{head}</tr>{body}</table>"


def _figure(images: dict[str, Path], name: str, caption: str) -> str:
    path = images.get(name)
    if path is None:
        return ""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return (f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _cards(figures: dict[str, Any]) -> str:
    tv = figures.get("tv_distance", {})
    items = [("rows kept", figures.get("rows")), ("rows rejected", figures.get("rejected_rows"))]
    items += [(f"{fn} rows", figures.get("rows_by_function", {}).get(fn, 0)) for fn in FUNCTIONS]
    items += [("TV function", tv.get("function")), ("TV content type", tv.get("content_type")),
              ("TV keyword position", figures.get("keyword_positions", {}).get("tv_bins")),
              ("duplicates", figures.get("duplicates", {}).get("total"))]
    return "<div class='cards'>" + "".join(
        f"<div class='card'><div class='v'>{html.escape(fmt(v))}</div><div class='k'>{html.escape(k)}</div></div>" for k, v in items
    ) + "</div>"


def length_rows(figures: dict[str, Any]) -> list[tuple[Any, ...]]:
    """One row per function: the data's length figures next to that function's own references."""
    wc, lt = figures.get("word_counts", {}), figures.get("length_targets", {})
    rows = []
    for fn in FUNCTIONS:
        s, t = wc.get(fn, {}), lt.get(fn, {})
        rows.append((fn, s.get("n"), s.get("mean"), s.get("median"), s.get("iqr"), s.get("max"),
                     t.get("reference_mean"), t.get("reference_median"), t.get("target_mean"), t.get("target_median"), t.get("tv_buckets")))
    return rows


LENGTH_HEADER = ("function", "n", "mean", "median", "iqr", "max", "real mean", "real median", "target mean", "target median", "TV buckets")


def bin_order(bins: dict[str, Any]) -> list[str]:
    """start, middle, end first (in reading order), then any other bin by name."""
    known = [b for b in ("start", "middle", "end") if b in bins]
    return known + sorted(b for b in bins if b not in known)


def render(figures: dict[str, Any], images: dict[str, Path], title: str = "RouteNator dataset quality report") -> str:
    lt = figures.get("length_targets", {})
    kp = figures.get("keyword_positions", {})
    parts = [f"<h1>{html.escape(title)}</h1>", _cards(figures)]

    parts.append("<h2>Words per query</h2><p class='note'>Each function against its own references. "
                 "“real” is the real-traffic reference in the population targets; it describes <b>search</b> traffic, "
                 "so only Search is compared with it. “target” is what the function's length buckets imply.</p>")
    parts.append(table(length_rows(figures), LENGTH_HEADER))
    for fn in FUNCTIONS:
        if lt.get(fn, {}).get("reference_source"):
            parts.append(f"<p class='note'>{html.escape(fn)} real-traffic figures from: {html.escape(str(lt[fn]['reference_source']))}</p>")
    for fn in FUNCTIONS:
        t = lt.get(fn, {})
        rows = [(b, t.get("bucket_shares", {}).get(b), share, (t.get("bucket_shares", {}).get(b) or 0.0) - share)
                for b, share in t.get("bucket_shares_target", {}).items()]
        parts.append(table(rows, ("words", "share", "target", "diff"), caption=f"{fn} length buckets"))
    parts.append(_figure(images, "word_counts", "Boxes: quartiles, whiskers, mean (triangle). Dashed black: real-traffic median "
                                                "(Search only). Dotted red: the median the function's length target implies."))
    parts.append(_figure(images, "lengths", "Share of each function's rows per word count; step lines: that function's length target."))

    parts.append("<h2>Content types</h2>")
    ct, ct_t = figures.get("content_type_shares", {}), figures.get("content_type_shares_target", {})
    parts.append(table([(k, ct.get(k, 0.0), t, ct.get(k, 0.0) - t, figures.get("rows_by_content_type", {}).get(k, 0))
                        for k, t in ct_t.items()], ("content type", "share", "target", "diff", "rows")))
    fn_s, fn_t = figures.get("function_shares", {}), figures.get("function_shares_target", {})
    parts.append(table([(k, fn_s.get(k, 0.0), t, fn_s.get(k, 0.0) - t) for k, t in fn_t.items()], ("function", "share", "target", "diff")))
    parts.append(_figure(images, "content_types", "Content-type shares per variant beside the population target."))

    parts.append("<h2>Content-type keyword position</h2><p class='note'>Where the query names its own content type "
                 "(0 = first word, 1 = last), among typed rows (content type other than Any).</p>")
    bins, bins_t = kp.get("bins", {}), kp.get("bins_target", {})
    parts.append(table([("named at all", kp.get("presence"), kp.get("presence_target"))]
                       + [(f"at {b}", bins.get(b), bins_t.get(b)) for b in bin_order(bins_t)], ("figure", "share", "target")))
    parts.append(_figure(images, "keyword_positions", "Bars: share of the rows that name their type, per tenth of the query. "
                                                      "Red steps: the start / middle / end target spread over each bin's width."))

    parts.append("<h2>Route and template-family mix</h2>")
    parts.append(table([(m["route"], m["template_family"], m["rows"], m["share"]) for m in figures.get("route_family_mix", [])],
                       ("route", "template family", "rows", "share")))
    parts.append(_figure(images, "route_mix", "Kept rows per route, stacked by the template family that wrote them."))

    parts.append("<h2>Rejections</h2>")
    rej = sorted(figures.get("rejected_by_reason", {}).items(), key=lambda kv: (-kv[1], kv[0]))
    total = figures.get("rejected_rows") or 0
    parts.append(table([(k, v, v / total if total else None) for k, v in rej], ("reason", "rows", "share")))
    if figures.get("rejected_by_stage"):
        parts.append(table(sorted(figures["rejected_by_stage"].items()), ("stage", "rows")))
    parts.append(_figure(images, "rejections", "Rejected rows per reason, stacked by route."))

    if figures.get("variant_side_by_side"):
        from routenator_dagster.quality.variants import side_by_side_rows

        header, rows = side_by_side_rows(figures["variant_side_by_side"])
        parts.append("<h2>Dataset variants side by side</h2><p class='note'>The paper's plain section-3.1 templates "
                     "(no router) next to the router's data and its heuristic-only / LLM-only parts.</p>")
        parts.append(table(rows, tuple(header)))
    dup = figures.get("duplicates", {})
    parts.append("<h2>Duplicates</h2>" + table([("exact", dup.get("exact")), ("near pairs", dup.get("near_pairs"))], ("kind", "rows")))
    shown = {"word_counts", "lengths", "content_types", "keyword_positions", "route_mix", "rejections"}
    for name in images:
        if name not in shown:
            parts.append(_figure(images, name, name))
    raw = html.escape(json.dumps(figures, indent=1, default=str))
    parts.append(f"<details><summary>All figures as JSON</summary><pre>{raw}</pre></details>")
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><meta name='viewport' content='width=device-width'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body><main>{''.join(parts)}</main></body></html>"
    )


def write(path: Path, figures: dict[str, Any], images: dict[str, Path]) -> Path:
    return write_text_atomic(path, render(figures, images))
