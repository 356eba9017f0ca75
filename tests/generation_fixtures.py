"""Small KG, catalog and preview tables in the project's schemas, for generation tests."""

from __future__ import annotations

import polars as pl

from routenator_dagster.schema import CATALOG_SCHEMA, KG_EDGE_SCHEMA, KG_NODE_SCHEMA

_NODES = [
    ("intent:birthday", "UserIntent", "Birthday", None, 1.0),
    ("intent:diwali", "UserIntent", "Diwali", None, 0.7),
    ("intent:wedding", "UserIntent", "Wedding", None, 0.8),
    ("intent:bake_sale", "UserIntent", "Bake Sale", None, 0.4),
    ("design:flyer", "DesignType", "Flyer", "Template", 0.9),
    ("design:invitation", "DesignType", "Invitation", "Template", 0.8),
    ("design:card", "DesignType", "Card", "Template", 0.9),
    ("design:sticker", "DesignType", "Sticker", "Design Asset", 0.5),
    ("design:font", "DesignType", "Font", "Text", 0.5),
    ("design:wallpaper", "DesignType", "Wallpaper", "Background", 0.4),
    ("design:stock_photo", "DesignType", "Stock Photo", "Photo", 0.6),
    ("object:cake", "SceneObject", "Cake", None, 0.9),
    ("object:balloons", "SceneObject", "Balloons", None, 0.8),
    ("object:lamps", "SceneObject", "Oil Lamps", None, 0.6),
    ("object:rings", "SceneObject", "Rings", None, 0.5),
    ("action:cut_cake", "Action", "cutting a cake", None, 0.7),
    ("action:float", "Action", "floating in the sky", None, 0.5),
    ("style:watercolor", "Style", "Watercolor", None, 0.6),
    ("style:minimal", "Style", "Minimalist", None, 0.7),
    ("color:gold", "Color", "Gold", None, 0.6),
    ("color:pastel", "Color", "Pastel Pink", None, 0.5),
    ("audience:kids", "Audience", "Kids", None, 0.6),
]
_EDGES = [
    ("intent:birthday", "USES_DESIGN", "design:flyer", 0.9),
    ("intent:birthday", "USES_DESIGN", "design:card", 1.0),
    ("intent:birthday", "USES_DESIGN", "design:sticker", 0.4),
    ("intent:wedding", "USES_DESIGN", "design:invitation", 1.0),
    ("intent:wedding", "USES_DESIGN", "design:font", 0.6),
    ("intent:diwali", "USES_DESIGN", "design:card", 0.8),
    ("intent:diwali", "USES_DESIGN", "design:wallpaper", 0.5),
    ("intent:bake_sale", "USES_DESIGN", "design:flyer", 1.0),
    ("intent:birthday", "USES_DESIGN", "design:stock_photo", 0.3),
    ("intent:birthday", "FEATURES", "object:cake", 1.0),
    ("intent:birthday", "FEATURES", "object:balloons", 0.9),
    ("intent:diwali", "FEATURES", "object:lamps", 1.0),
    ("intent:wedding", "FEATURES", "object:rings", 1.0),
    ("intent:bake_sale", "FEATURES", "object:cake", 0.8),
    ("object:cake", "PERFORMS", "action:cut_cake", 1.0),
    ("object:balloons", "PERFORMS", "action:float", 1.0),
    ("intent:birthday", "HAS_STYLE", "style:watercolor", 0.7),
    ("intent:wedding", "HAS_STYLE", "style:minimal", 0.8),
    ("intent:birthday", "HAS_COLOR", "color:pastel", 0.8),
    ("intent:diwali", "HAS_COLOR", "color:gold", 0.9),
    ("intent:birthday", "FOR_AUDIENCE", "audience:kids", 0.9),
    ("style:watercolor", "SUITS", "design:invitation", 0.6),
]
_CATALOG = [
    ("a1", "Photo", "Tropical frangipani flowers floating", ["flower", "frangipani", "tropical", "summer"], ["nature"], False, 0.3),
    ("a2", "Photo", "Astronaut cat drinking coffee on the moon", ["cat", "astronaut", "moon", "coffee"], ["space"], True, 0.2),
    ("a3", "Template", "Galaxy Minecraft Server Banner", ["galaxy", "minecraft", "gaming"], ["galactic", "space", "server banner"], False, 0.5),
    ("a4", "Template", "Pastel Birthday Party Invitation", ["birthday", "pastel", "party"], ["birthday"], False, 0.6),
    ("a5", "Video", "Ocean waves at sunrise", ["ocean", "waves", "sunrise"], ["nature"], False, 0.2),
    ("a6", "Audio", "Upbeat ukulele summer tune", ["ukulele", "upbeat", "summer"], ["music"], False, 0.1),
    ("a7", "Background", "Soft marble texture", ["marble", "soft", "white"], ["texture"], False, 0.3),
    ("a8", "Design Asset", "Hand drawn coffee cup icon", ["coffee", "cup", "hand drawn"], ["food"], False, 0.2),
    ("a9", "Text", "Spooky dripping headline effect", ["spooky", "halloween", "dripping"], ["halloween"], False, 0.2),
]


def kg_nodes() -> pl.DataFrame:
    rows = [dict(id=i, label=lb, name=n, content_type=ct, weight=w, props="{}") for i, lb, n, ct, w in _NODES]
    return pl.DataFrame(rows, schema=KG_NODE_SCHEMA)


def kg_edges() -> pl.DataFrame:
    rows = [dict(source=s, type=t, target=d, weight=w) for s, t, d, w in _EDGES]
    return pl.DataFrame(rows, schema=KG_EDGE_SCHEMA)


def catalog() -> pl.DataFrame:
    rows = [
        dict(asset_id=a, content_type=ct, title=t, keywords=k, topics=tp, gentech=g, locale="en-US", aspect_ratio="1:1",
             ctr=c, design_type=None, layout=None, palette=[])
        for a, ct, t, k, tp, g, c in _CATALOG
    ]
    return pl.DataFrame(rows, schema=CATALOG_SCHEMA)


def previews(folder: str = "/nonexistent") -> pl.DataFrame:
    return pl.DataFrame(
        {"asset_id": ["a3", "a4"], "content_type": ["Template", "Template"], "path": [f"{folder}/a3.png", f"{folder}/a4.png"],
         "width": [64, 64], "height": [64, 64]}
    )


def upstream_assets(previews_folder: str = "/nonexistent") -> list:
    """Stand-ins for the knowledge assets (same keys), over the fixture graph and catalog and the
    shipped population targets, for materializing the generation assets in tests."""
    import dagster as dg
    import yaml

    from routenator_dagster.targets import DEFAULT_TARGETS_PATH

    @dg.asset(name="kg_snapshot")
    def kg_snapshot() -> dict:
        return {"nodes": kg_nodes(), "edges": kg_edges()}

    @dg.asset(name="content_catalog")
    def content_catalog() -> pl.DataFrame:
        return catalog()

    @dg.asset(name="template_previews")
    def template_previews() -> pl.DataFrame:
        return previews(previews_folder)

    @dg.asset(name="population_targets")
    def population_targets() -> dict:
        return yaml.safe_load(DEFAULT_TARGETS_PATH.read_text())

    return [kg_snapshot, content_catalog, template_previews, population_targets]
