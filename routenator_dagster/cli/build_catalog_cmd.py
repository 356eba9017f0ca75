"""`routenator build-catalog`: write the seed content catalog (and optionally its previews)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path,
                        help="output file: .jsonl, .csv (list cells as JSON) or .parquet")
    parser.add_argument("--n", type=int, default=6000, help="number of assets (default 6000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--graph", type=Path, default=None,
                        help="folder with nodes.csv and relationships.csv (default: the seed graph)")
    parser.add_argument("--vocabulary", type=Path, default=None,
                        help="catalog vocabulary YAML (default: the shipped one)")
    parser.add_argument("--previews", type=Path, default=None,
                        help="also render template previews (PNG) into this folder")
    parser.add_argument("--preview-limit", type=int, default=None,
                        help="render at most this many previews")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from routenator_dagster.catalog_builder import (
        KG_SEED_DIR,
        CatalogBuildError,
        build_seed_catalog,
        read_graph_csvs,
        write_catalog,
    )

    graph_dir = args.graph or KG_SEED_DIR
    try:
        nodes, edges = read_graph_csvs(graph_dir)
        with tqdm(total=args.n, desc="catalog", unit="asset") as bar:
            def step(done: int, total: int) -> None:
                bar.update(done - bar.n)

            catalog = build_seed_catalog(nodes, edges, n_assets=args.n, seed=args.seed,
                                         vocabulary_path=args.vocabulary, progress=step)
        path = write_catalog(catalog, args.out)
    except (OSError, CatalogBuildError) as exc:
        print(f"routenator build-catalog: {exc}", file=sys.stderr)
        return 2
    counts = catalog.group_by("content_type").len().sort("content_type")
    summary = ", ".join(f"{ct}={n}" for ct, n in counts.iter_rows())
    print(f"routenator build-catalog: wrote {catalog.height} assets to {path} ({summary})",
          file=sys.stderr)

    if args.previews is not None:
        from routenator_dagster.previews import PreviewError, render_previews

        with tqdm(desc="previews", unit="png") as bar:
            def tick(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            try:
                previews = render_previews(catalog, args.previews, limit=args.preview_limit,
                                           progress=tick)
            except (OSError, PreviewError) as exc:
                print(f"routenator build-catalog: {exc}", file=sys.stderr)
                return 2
        print(f"routenator build-catalog: {previews.height} previews in {args.previews}",
              file=sys.stderr)
    return 0
