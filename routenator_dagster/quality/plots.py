"""The paper's figures 3-6 as PNGs, one panel per dataset variant side by side, each against its
target; plus the route / template-family mix and the rejection reasons (matplotlib, Agg)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers and in pods
import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402

from routenator_dagster.labels import CONTENT_TYPES, FUNCTIONS  # noqa: E402
from routenator_dagster.quality.metrics import keyword_positions, shares, target_word_shares, with_word_counts  # noqa: E402
from routenator_dagster.targets import PopulationTargets  # noqa: E402
from routenator_dagster.atomic import atomic_path  # noqa: E402


def _panels(n: int, title: str):
    fig, axes = plt.subplots(1, max(n, 1), figsize=(4.2 * max(n, 1), 3.6), squeeze=False, sharey=True)
    fig.suptitle(title)
    return fig, axes[0]


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=90, format="png")
    plt.close(fig)
    return path


def _function_box_data(df: pl.DataFrame) -> list[tuple[int, str, list[int]]]:
    """(position, function, word counts) for the functions that have rows in ``df``."""
    wc = with_word_counts(df)
    out = []
    for i, fn in enumerate(FUNCTIONS, start=1):
        vals = wc.filter(pl.col("function") == fn)["n_words"].to_list() if "function" in wc.columns else []
        if vals:
            out.append((i, fn, vals))
    return out


MARK_STYLES = {
    "reference_median": {"color": "black", "ls": "--", "lw": 1.2, "label": "real-traffic median"},
    "target_median": {"color": "tab:red", "ls": ":", "lw": 1.6, "label": "length-target median"},
}


def box_marks(boxes: list[tuple[int, str, list[int]]], refs: dict[str, dict]) -> list[tuple[float, float, float, str]]:
    """(y, x from, x to, kind) of the horizontal marks: each spans its own function's box only,
    and a function gets only the references it has (the real-traffic one is Search's)."""
    out = []
    for pos, fn, _ in boxes:
        for kind in MARK_STYLES:
            y = refs.get(fn, {}).get(kind)
            if y is not None:
                out.append((float(y), pos - 0.35, pos + 0.35, kind))
    return out


def word_count_boxplots(variants: dict[str, pl.DataFrame], path: Path, refs: dict[str, dict] | None = None) -> Path:
    """Figure 3: words per query, per function, per variant. Each function's box carries its own
    marks only: the real-traffic reference median (Search) and the median its length-bucket
    target implies; a variant without rows of a function has no box there."""
    refs = refs or {}
    fig, axes = _panels(len(variants), "Words per query (each function against its own target)")
    for ax, (name, df) in zip(axes, variants.items()):
        boxes = _function_box_data(df)
        if boxes:
            ax.boxplot([b[2] for b in boxes], positions=[b[0] for b in boxes], tick_labels=[b[1] for b in boxes], showmeans=True, widths=0.5)
        for y, lo, hi, kind in box_marks(boxes, refs):
            style = MARK_STYLES[kind]
            ax.hlines(y, lo, hi, colors=style["color"], linestyles=style["ls"], linewidth=style["lw"], label=style["label"])
        ax.set_xlim(0.4, len(FUNCTIONS) + 0.6)
        handles, labels = ax.get_legend_handles_labels()
        uniq = dict(zip(labels, handles))
        if uniq:
            ax.legend(uniq.values(), uniq.keys(), fontsize=7)
        ax.set_title(name)
    axes[0].set_ylabel("words")
    return _save(fig, path)


def content_type_bars(variants: dict[str, pl.DataFrame], target: dict[str, float], path: Path) -> Path:
    """Figure 4: content-type shares per variant beside the target."""
    fig, axes = _panels(len(variants), "Content-type shares vs target")
    for ax, (name, df) in zip(axes, variants.items()):
        s = shares(df, "content_type")
        x = range(len(CONTENT_TYPES))
        ax.bar([i - 0.2 for i in x], [s.get(ct, 0.0) for ct in CONTENT_TYPES], width=0.4, label="data")
        ax.bar([i + 0.2 for i in x], [target.get(ct, 0.0) for ct in CONTENT_TYPES], width=0.4, label="target", alpha=0.6)
        ax.set_xticks(list(x), CONTENT_TYPES, rotation=45, ha="right", fontsize=7)
        ax.set_title(name)
        ax.legend(fontsize=7)
    axes[0].set_ylabel("share of rows")
    return _save(fig, path)


def keyword_target_per_decile(targets: PopulationTargets) -> list[float]:
    """The keyword-position target as a share per tenth of the position range (a bin's target
    share spread evenly over its width), so it sits on the same scale as a 10-bin histogram."""
    out = []
    for i in range(10):
        mid = (i + 0.5) / 10
        for b, (lo, hi) in targets.keyword_bins.items():
            if lo <= mid < hi or (hi >= 1.0 and mid >= lo):
                out.append(targets.keyword_positions.get(b, 0.0) * 0.1 / (hi - lo))
                break
        else:
            out.append(0.0)
    return out


def keyword_position_histograms(variants: dict[str, pl.DataFrame], path: Path, targets: PopulationTargets | None = None) -> Path:
    """Figure 5: normalized position of the content-type word (0 = first word, 1 = last), as a
    share of the rows that name it, with the target spread (start / middle / end) as a step line."""
    fig, axes = _panels(len(variants), "Content-type keyword position vs target")
    target = keyword_target_per_decile(targets) if targets is not None else None
    edges = [i / 10 for i in range(11)]
    for ax, (name, df) in zip(axes, variants.items()):
        pos = keyword_positions(df)["position"].drop_nulls().to_list() if "content_type" in df.columns else []
        if pos:
            ax.hist(pos, bins=edges, weights=[1 / len(pos)] * len(pos), label="data")
        if target is not None:
            ax.stairs(target, edges, color="tab:red", linewidth=1.6, label="target")
            for b, (lo, hi) in targets.keyword_bins.items():
                if 0 < lo < 1:
                    ax.axvline(lo, color="grey", linewidth=0.6, linestyle=":")
        ax.set_title(f"{name} (n={len(pos)})")
        ax.set_xlabel("position (0 = first word)")
        ax.legend(fontsize=7)
    axes[0].set_ylabel("share of named rows")
    return _save(fig, path)


def length_histograms(variants: dict[str, pl.DataFrame], path: Path, targets: PopulationTargets | None = None) -> Path:
    """Figure 6: Search vs Generate word-count distributions (share of each function's rows per
    word count), each with its own length-bucket target as a step line."""
    fig, axes = _panels(len(variants), "Search vs Generate length vs target")
    colours = dict(zip(FUNCTIONS, ("tab:blue", "tab:orange")))
    top = max((t.max_words(fn) for t in [targets] if t is not None for fn in FUNCTIONS), default=40)
    edges = list(range(1, top + 2))
    for ax, (name, df) in zip(axes, variants.items()):
        for _, fn, vals in _function_box_data(df):
            ax.hist(vals, bins=edges, weights=[1 / len(vals)] * len(vals), alpha=0.5, label=fn, color=colours.get(fn))
            if targets is not None:
                tw = target_word_shares(targets, fn)
                ax.stairs([tw.get(w, 0.0) for w in edges[:-1]], edges, color=colours.get(fn), linewidth=1.4, label=f"{fn} target")
        ax.set_title(name)
        ax.set_xlabel("words")
        ax.legend(fontsize=7)
    axes[0].set_ylabel("share of the function's rows")
    return _save(fig, path)


def route_mix_bars(mix: list[dict], path: Path, top: int = 25) -> Path:
    """Kept rows per (route, template family), largest first (the ``top`` largest), one colour per route."""
    rows = sorted(mix, key=lambda m: (-m["rows"], m["route"], m["template_family"]))[:top][::-1]  # largest at the top
    routes = sorted({m["route"] for m in mix})
    colours = {r: f"C{i}" for i, r in enumerate(routes)}
    fig, ax = plt.subplots(figsize=(7, 0.3 * max(len(rows), 1) + 1.6))
    labels = [f"{m['template_family']} ({m['route']})" if len(routes) > 1 else m["template_family"] for m in rows]
    ax.barh(range(len(rows)), [m["rows"] for m in rows], color=[colours[m["route"]] for m in rows])
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    for i, m in enumerate(rows):
        ax.text(m["rows"], i, f" {m['rows']} ({m['share']:.1%})", va="center", fontsize=7)
    if not rows:
        ax.text(0.5, 0.5, "no rows", ha="center", va="center", transform=ax.transAxes)
    for r in routes:
        ax.barh([0], [0], color=colours[r], label=r)  # legend entries only
    ax.set_xlabel("rows kept")
    ax.set_title("Template families by route" if len(routes) > 1 else f"Template families (route: {routes[0] if routes else 'none'})")
    if len(routes) > 1:
        ax.legend(fontsize=7, title="route", title_fontsize=7, loc="lower right")
    ax.margins(x=0.15)
    return _save(fig, path)


def rejection_bars(rejections: pl.DataFrame | None, path: Path, top: int = 15) -> Path:
    """Rejected rows per reason (the ``top`` most frequent), stacked by route."""
    rej = rejections if rejections is not None and rejections.height else pl.DataFrame(schema={"route": pl.Utf8, "reason": pl.Utf8})
    by = rej.group_by("reason").len().sort(["len", "reason"], descending=[True, False]).head(top)
    reasons = [str(r) for r in by["reason"].to_list()][::-1]  # largest at the top
    routes = sorted({str(r) for r in rej["route"].to_list()}) if rej.height else []
    fig, ax = plt.subplots(figsize=(7, 0.35 * max(len(reasons), 1) + 1.6))
    left = [0] * len(reasons)
    for route in routes:
        sub = dict(rej.filter(pl.col("route").cast(pl.Utf8).fill_null("None") == route).group_by("reason").len().iter_rows())
        vals = [sub.get(r, 0) for r in reasons]
        ax.barh(reasons, vals, left=left, label=route)
        left = [a + b for a, b in zip(left, vals)]
    for i, total in enumerate(left):
        ax.text(total, i, f" {total}", va="center", fontsize=7)
    if not reasons:
        ax.text(0.5, 0.5, "no rejections", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("rows rejected")
    ax.set_title("Rejections by reason and route")
    if routes:
        ax.legend(fontsize=7, title="route", title_fontsize=7, loc="lower right")
    ax.tick_params(axis="y", labelsize=7)
    return _save(fig, path)


def all_figures(variants: dict[str, pl.DataFrame], ct_target: dict[str, float], folder: Path, refs: dict[str, dict] | None = None,
                reference_sample: pl.DataFrame | None = None, targets: PopulationTargets | None = None,
                route_mix: list[dict] | None = None, rejections: pl.DataFrame | None = None) -> dict[str, Path]:
    """Write the report's figures into ``folder``; name -> PNG path. A reference sample of real
    queries (Search, no labels) joins the word-count panels only; the route mix and the
    rejection figures are drawn when given."""
    lengths = dict(variants) if reference_sample is None else {**variants, "reference sample": reference_sample}
    out = {
        "word_counts": word_count_boxplots(lengths, folder / "fig3_word_counts.png", refs),
        "content_types": content_type_bars(variants, ct_target, folder / "fig4_content_types.png"),
        "keyword_positions": keyword_position_histograms(variants, folder / "fig5_keyword_positions.png", targets),
        "lengths": length_histograms(variants, folder / "fig6_lengths.png", targets),
    }
    if route_mix is not None:
        out["route_mix"] = route_mix_bars(route_mix, folder / "route_mix.png")
    if rejections is not None:
        out["rejections"] = rejection_bars(rejections, folder / "rejections.png")
    return out


def plot_routing_plan(plan: pl.DataFrame, path: Path) -> Path:
    """Stacked bars: requests per content type, one colour per route."""
    by = (
        plan.group_by("content_type", "route").agg(pl.col("n_requests").sum())
        .pivot(on="route", index="content_type", values="n_requests").fill_null(0).sort("content_type")
    )
    routes = [c for c in by.columns if c != "content_type"]
    fig, ax = plt.subplots(figsize=(8, 4))
    bottom = [0] * by.height
    for r in routes:
        vals = by[r].to_list()
        ax.bar(by["content_type"].to_list(), vals, bottom=bottom, label=r)
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_ylabel("requests")
    ax.set_title("Routing plan: requests per content type and route")
    ax.legend()
    ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=90, format="png")
    plt.close(fig)
    return path
