"""The paper's figures 3-6 as PNGs, one panel per dataset variant side by side (matplotlib, Agg)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers and in pods
import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402

from routenator_dagster.labels import CONTENT_TYPES, FUNCTIONS  # noqa: E402
from routenator_dagster.quality.metrics import keyword_positions, shares, with_word_counts  # noqa: E402
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


def word_count_boxplots(variants: dict[str, pl.DataFrame], path: Path, reference: dict | None = None) -> Path:
    """Figure 3: words per query, per function, per variant; the reference median as a line."""
    fig, axes = _panels(len(variants), "Words per query")
    for ax, (name, df) in zip(axes, variants.items()):
        wc = with_word_counts(df)
        data = [wc.filter(pl.col("function") == fn)["n_words"].to_list() or [0] for fn in FUNCTIONS]
        ax.boxplot(data, tick_labels=list(FUNCTIONS), showmeans=True)
        if reference and reference.get("median") is not None:
            ax.axhline(reference["median"], color="grey", linestyle="--", linewidth=1, label="reference median")
            ax.legend(fontsize=7)
        ax.set_title(name)
    axes[0].set_ylabel("words")
    return _save(fig, path)


def content_type_bars(variants: dict[str, pl.DataFrame], target: dict[str, float], path: Path) -> Path:
    """Figure 4: content-type shares per variant beside the target."""
    fig, axes = _panels(len(variants), "Content-type shares")
    for ax, (name, df) in zip(axes, variants.items()):
        s = shares(df, "content_type")
        x = range(len(CONTENT_TYPES))
        ax.bar([i - 0.2 for i in x], [s.get(ct, 0.0) for ct in CONTENT_TYPES], width=0.4, label="data")
        ax.bar([i + 0.2 for i in x], [target.get(ct, 0.0) for ct in CONTENT_TYPES], width=0.4, label="target", alpha=0.6)
        ax.set_xticks(list(x), CONTENT_TYPES, rotation=45, ha="right", fontsize=7)
        ax.set_title(name)
        ax.legend(fontsize=7)
    return _save(fig, path)


def keyword_position_histograms(variants: dict[str, pl.DataFrame], path: Path) -> Path:
    """Figure 5: normalized position of the content-type word (0 = first word, 1 = last)."""
    fig, axes = _panels(len(variants), "Content-type keyword position")
    for ax, (name, df) in zip(axes, variants.items()):
        pos = keyword_positions(df)["position"].drop_nulls().to_list()
        ax.hist(pos, bins=10, range=(0, 1))
        ax.set_title(f"{name} (n={len(pos)})")
        ax.set_xlabel("position")
    return _save(fig, path)


def length_histograms(variants: dict[str, pl.DataFrame], path: Path) -> Path:
    """Figure 6: Search vs Generate word-count distributions."""
    fig, axes = _panels(len(variants), "Search vs Generate length")
    for ax, (name, df) in zip(axes, variants.items()):
        wc = with_word_counts(df)
        for fn in FUNCTIONS:
            ax.hist(wc.filter(pl.col("function") == fn)["n_words"].to_list(), bins=range(1, 42), alpha=0.6, label=fn)
        ax.set_title(name)
        ax.set_xlabel("words")
        ax.legend(fontsize=7)
    return _save(fig, path)


def all_figures(variants: dict[str, pl.DataFrame], ct_target: dict[str, float], folder: Path, reference: dict | None = None,
                reference_sample: pl.DataFrame | None = None) -> dict[str, Path]:
    """Write the four figures into ``folder``; name -> PNG path. A reference sample of real queries
    (no labels) joins the word-count panels only."""
    lengths = dict(variants) if reference_sample is None else {**variants, "reference sample": reference_sample}
    return {
        "word_counts": word_count_boxplots(lengths, folder / "fig3_word_counts.png", reference),
        "content_types": content_type_bars(variants, ct_target, folder / "fig4_content_types.png"),
        "keyword_positions": keyword_position_histograms(variants, folder / "fig5_keyword_positions.png"),
        "lengths": length_histograms(variants, folder / "fig6_lengths.png"),
    }


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
