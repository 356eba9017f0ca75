"""Knowledge assets: the graph snapshot, the content catalog, template previews, population targets."""


from typing import Any

import dagster as dg
import polars as pl

from assets.k8s_tags import CPU_SMALL_TAGS
from assets.metadata import md_table
from resources.knowledge_graph import KnowledgeGraphResource
from routenator_dagster.catalog_builder import build_seed_catalog
from routenator_dagster.catalog_io import load_catalog
from routenator_dagster.kg_files import read_seed_graph
from routenator_dagster.labels import CATALOG_CONTENT_TYPES
from routenator_dagster.paths import rn_home
from routenator_dagster.previews import render_previews
from routenator_dagster.targets import DEFAULT_TARGETS_PATH, parse_targets, read_targets_file

GROUP = "knowledge"


@dg.asset(
    group_name=GROUP,
    kinds={"neo4j", "polars"},
    op_tags=CPU_SMALL_TAGS,
    description=(
        "The knowledge graph (intents, design types, scene objects, actions, styles, colours, "
        "audiences and their relationships) read from Neo4j, or from the shipped seed files when "
        "no server is configured, as node and edge tables. Its data version is a hash of the "
        "graph's content, so downstream data is regenerated only when the graph really changed."
    ),
)
def kg_snapshot(context: dg.AssetExecutionContext, kg: KnowledgeGraphResource) -> dg.Output[dict[str, pl.DataFrame]]:
    source = kg.describe()
    context.log.info(f"reading the knowledge graph from {source}")
    snapshot = kg.read_snapshot()  # any failure raises: nothing is materialized
    labels = snapshot.counts_by_label()
    types = snapshot.counts_by_type()
    context.log.info(f"{snapshot.nodes.height} nodes, {snapshot.edges.height} relationships, hash {snapshot.content_hash[:16]}")
    return dg.Output(
        snapshot.to_tables(),
        data_version=dg.DataVersion(snapshot.content_hash),
        metadata={
            "source": source,
            "content_hash": snapshot.content_hash,
            "nodes": snapshot.nodes.height,
            "relationships": snapshot.edges.height,
            "nodes_by_label": dg.MetadataValue.md(md_table([[k, v] for k, v in labels.items()], ["label", "nodes"])),
            "relationships_by_type": dg.MetadataValue.md(
                md_table([[k, v] for k, v in types.items()], ["type", "relationships"])
            ),
        },
    )


class CatalogConfig(dg.Config):
    path: str | None = None  # a user catalog (.jsonl, .csv, .parquet); default: build the seed catalog
    n_assets: int = 6000  # size of the seed catalog
    seed: int = 7


@dg.asset(
    group_name=GROUP,
    kinds={"polars"},
    op_tags=CPU_SMALL_TAGS,
    description=(
        "The content catalog: one row per asset (template, photo, video, audio, background, design "
        "asset, text) with title, keywords, topics, palette and click-through rate. Loaded from "
        "the file in the run config `path`, or built from the seed graph when none is given."
    ),
)
def content_catalog(context: dg.AssetExecutionContext, config: CatalogConfig) -> dg.Output[pl.DataFrame]:
    if config.path:
        context.log.info(f"loading the catalog from {config.path}")
        catalog = load_catalog(config.path)
        source = config.path
    else:
        nodes, edges = read_seed_graph()
        context.log.info(f"building the seed catalog: {config.n_assets} assets, seed {config.seed}")

        def progress(done: int, total: int) -> None:
            if done == total or done % 1000 == 0:
                context.log.info(f"catalog: {done}/{total} assets")

        catalog = build_seed_catalog(nodes, edges, n_assets=config.n_assets, seed=config.seed, progress=progress)
        source = f"seed catalog (n_assets={config.n_assets}, seed={config.seed})"
    counts = dict(catalog.group_by("content_type").len().iter_rows())
    gentech_share = float(catalog["gentech"].mean() or 0.0)
    preview = catalog.head(8).select("asset_id", "content_type", "title", "keywords")
    return dg.Output(
        catalog,
        metadata={
            "source": source,
            "rows": catalog.height,
            "gentech_share": round(gentech_share, 4),
            "rows_by_content_type": dg.MetadataValue.md(
                md_table([[ct, counts.get(ct, 0)] for ct in CATALOG_CONTENT_TYPES], ["content type", "assets"])
            ),
            "preview": dg.MetadataValue.md(
                md_table([[r[0], r[1], r[2], ", ".join(r[3])] for r in preview.iter_rows()], ["asset_id", "content_type", "title", "keywords"])
            ),
        },
    )


class PreviewConfig(dg.Config):
    limit: int = 300  # templates to render; keeps `make run` fast (the vision route samples these)


@dg.asset(
    group_name=GROUP,
    kinds={"pillow"},
    op_tags=CPU_SMALL_TAGS,
    description=(
        "PNG previews of catalog templates, drawn from their layout, palette and title, for the "
        "vision-to-text route. Files live under RN_HOME/previews; unchanged ones are not redrawn."
    ),
)
def template_previews(
    context: dg.AssetExecutionContext, config: PreviewConfig, content_catalog: pl.DataFrame
) -> dg.Output[pl.DataFrame]:
    out_dir = rn_home() / "previews"

    def progress(done: int, total: int) -> None:
        if done == total or done % 50 == 0:
            context.log.info(f"previews: {done}/{total}")

    previews = render_previews(content_catalog, out_dir, limit=config.limit, progress=progress)
    metadata: dict[str, Any] = {"count": previews.height, "folder": dg.MetadataValue.path(str(out_dir))}
    if previews.height:
        metadata["sample_image"] = dg.MetadataValue.path(previews["path"][0])
    return dg.Output(previews, metadata=metadata)


class TargetsConfig(dg.Config):
    path: str | None = None  # a targets YAML; default: the shipped population_targets.yaml


@dg.asset(
    group_name=GROUP,
    kinds={"yaml"},
    op_tags=CPU_SMALL_TAGS,
    description=(
        "Population targets the generated data must match: the Search/Generate split, content-type "
        "shares, query-length buckets and keyword positions, each with where its numbers come from."
    ),
)
def population_targets(context: dg.AssetExecutionContext, config: TargetsConfig) -> dg.Output[dict[str, Any]]:
    path = config.path or str(DEFAULT_TARGETS_PATH)
    raw = read_targets_file(path)  # errors name the file and the key
    targets = parse_targets(raw, source=path)
    rows = [[f"function: {fn}", f"{share:.3f}"] for fn, share in targets.function_shares.items()]
    for fn, shares in targets.content_type_shares.items():
        rows += [[f"{fn} / {ct}", f"{s:.3f}"] for ct, s in shares.items()]
    for fn, buckets in targets.length_buckets.items():
        rows += [[f"{fn} length {b.name} ({b.min_words}-{b.max_words} words)", f"{b.share:.3f}"] for b in buckets]
    provenance = md_table([[k, v] for k, v in targets.provenance.items()], ["section", "provenance"])
    context.log.info(f"population targets from {path}")
    return dg.Output(
        raw,
        metadata={
            "source": path,
            "targets": dg.MetadataValue.md(md_table(rows, ["target", "share"])),
            "provenance": dg.MetadataValue.md(provenance),
        },
    )
