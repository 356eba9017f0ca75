"""What generators draw from: weighted KG paths and catalog assets, precomputed for fast sampling.

A KG path follows the graph model of schema.RELATIONSHIP_TYPES: a design type of the wanted
content type, an intent that uses it, scene objects the intent features and what they do, and the
intent's style, colour and audience. Catalog assets are drawn by content type, weighted by
click-through rate; Generate for photos draws only AI-generated (gentech) assets (paper 3.1).
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from routenator_dagster.labels import CATALOG_CONTENT_TYPES

VARIABLE_KEYS: tuple[str, ...] = (
    "intent",
    "design_type",
    "scene_objects",
    "actions",
    "style",
    "color",
    "audience",
    "title",
    "keywords",
    "topics",
)


@dataclass(frozen=True)
class _Pool:
    """Items with cumulative weights for rng.choices (or bisect)."""

    items: tuple[Any, ...]
    cum: tuple[float, ...]

    @staticmethod
    def of(pairs: list[tuple[Any, float]]) -> "_Pool":
        pairs = [(i, w) for i, w in pairs if w > 0]
        return _Pool(tuple(i for i, _ in pairs), tuple(itertools.accumulate(w for _, w in pairs)))

    def __bool__(self) -> bool:
        return bool(self.items)

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])] if len(self.items) > 1 else self.items[0]


@dataclass(frozen=True)
class _Asset:
    asset_id: str
    title: str
    keywords: tuple[str, ...]
    topics: tuple[str, ...]
    preview_path: str | None


@dataclass
class GenerationContext:
    """Precomputed sampling pools over the KG and the catalog (build once with from_tables)."""

    names: dict[str, str] = field(default_factory=dict)  # node id -> surface form (lowercase)
    labels: dict[str, str] = field(default_factory=dict)  # node id -> label
    design_types: dict[str, _Pool] = field(default_factory=dict)  # content type -> DesignType ids
    intents: _Pool = field(default_factory=lambda: _Pool((), ()))
    out_edges: dict[tuple[str, str], _Pool] = field(default_factory=dict)  # (node, rel) -> targets
    in_edges: dict[tuple[str, str], _Pool] = field(default_factory=dict)  # (node, rel) -> sources
    assets: dict[tuple[str, bool], _Pool] = field(default_factory=dict)  # (ctype, gentech_only) -> assets
    previews: dict[str, str] = field(default_factory=dict)  # asset id -> preview PNG path
    # The same pools restricted to assets with a rendered preview (the vision route's inputs):
    # previews may cover only part of the catalog (template_previews' limit).
    preview_assets: dict[tuple[str, bool], _Pool] = field(default_factory=dict)
    asset_types: dict[str, str] = field(default_factory=dict)
    # Targets for naming the content type in a query (targets.keyword_positions); the heuristic
    # route reads them per request.
    keyword_presence: float = 0.6
    keyword_positions: dict[str, float] = field(default_factory=lambda: {"start": 0.34, "middle": 0.33, "end": 0.33})

    def with_keyword_targets(self, presence: float, positions: dict[str, float]) -> "GenerationContext":
        """Use the population targets' keyword presence and position shares."""
        self.keyword_presence = float(presence)
        self.keyword_positions = dict(positions)
        return self

    @classmethod
    def from_tables(
        cls,
        nodes: pl.DataFrame,
        edges: pl.DataFrame,
        catalog: pl.DataFrame | None = None,
        previews: pl.DataFrame | None = None,
    ) -> "GenerationContext":
        ctx = cls()
        weights: dict[str, float] = {}
        dt_by_type: dict[str, list[tuple[str, float]]] = {}
        intents: list[tuple[str, float]] = []
        for nid, label, name, ctype, w in nodes.select("id", "label", "name", "content_type", "weight").iter_rows():
            if nid is None or name is None:
                continue
            ctx.names[nid] = str(name).strip().lower()
            ctx.labels[nid] = label
            weights[nid] = float(w) if w is not None and w > 0 else 0.01
            if label == "DesignType" and ctype:
                dt_by_type.setdefault(ctype, []).append((nid, weights[nid]))
            elif label == "UserIntent":
                intents.append((nid, weights[nid]))
        ctx.design_types = {ct: _Pool.of(v) for ct, v in dt_by_type.items()}
        ctx.intents = _Pool.of(intents)
        outs: dict[tuple[str, str], list[tuple[str, float]]] = {}
        ins: dict[tuple[str, str], list[tuple[str, float]]] = {}
        for src, rel, dst, w in edges.select("source", "type", "target", "weight").iter_rows():
            if src not in ctx.names or dst not in ctx.names:
                continue
            ew = float(w) if w is not None and w > 0 else 0.01
            outs.setdefault((src, rel), []).append((dst, ew * weights[dst]))
            ins.setdefault((dst, rel), []).append((src, ew * weights[src]))
        ctx.out_edges = {k: _Pool.of(v) for k, v in outs.items()}
        ctx.in_edges = {k: _Pool.of(v) for k, v in ins.items()}

        if previews is not None and previews.height:
            ctx.previews = {a: str(p) for a, p in previews.select("asset_id", "path").iter_rows() if a and p}
        if catalog is not None and catalog.height:
            groups: dict[tuple[str, bool], list[tuple[_Asset, float]]] = {}
            cols = ["asset_id", "content_type", "title", "keywords", "topics", "gentech", "ctr"]
            cat = catalog.select([c if c in catalog.columns else pl.lit(None).alias(c) for c in cols])
            for aid, ct, title, kws, topics, gentech, ctr in cat.iter_rows():
                if not aid or not ct or not title:
                    continue
                asset = _Asset(
                    aid,
                    str(title).strip(),
                    tuple(k for k in (kws or []) if k),
                    tuple(t for t in (topics or []) if t),
                    ctx.previews.get(aid),
                )
                ctx.asset_types[aid] = ct
                w = 0.05 + float(ctr or 0.0)  # popular assets come up more, none never
                groups.setdefault((ct, False), []).append((asset, w))
                groups.setdefault(("Any", False), []).append((asset, w))
                if gentech:
                    groups.setdefault((ct, True), []).append((asset, w))
            ctx.assets = {k: _Pool.of(v) for k, v in groups.items()}
            ctx.preview_assets = {
                k: pool for k, v in groups.items() if (pool := _Pool.of([(a, w) for a, w in v if a.preview_path]))
            }
        return ctx

    # ---- sampling --------------------------------------------------------------------------
    def _out(self, node: str, rel: str, rng: random.Random) -> str | None:
        pool = self.out_edges.get((node, rel))
        return pool.pick(rng) if pool else None

    def sample_kg_path(self, content_type: str, rng: random.Random) -> tuple[dict[str, str], list[str]]:
        """One intent -> design type / scene objects -> actions, style, colour, audience path."""
        vars_: dict[str, str] = {}
        used: list[str] = []
        dt_pool = self.design_types.get(content_type)
        design = dt_pool.pick(rng) if dt_pool else None
        intent = None
        if design is not None:
            back = self.in_edges.get((design, "USES_DESIGN"))
            intent = back.pick(rng) if back else None
        if intent is None and self.intents:
            intent = self.intents.pick(rng)
        if intent is not None:
            vars_["intent"] = self.names[intent]
            used.append(intent)
        if design is not None:
            vars_["design_type"] = self.names[design]
            used.append(design)
        if intent is not None:
            objs: list[str] = []
            for _ in range(2):
                o = self._out(intent, "FEATURES", rng)
                if o and o not in objs:
                    objs.append(o)
            if objs:
                vars_["scene_objects"] = ", ".join(self.names[o] for o in objs)
                used.extend(objs)
                act = self._out(objs[0], "PERFORMS", rng)
                if act:
                    vars_["actions"] = self.names[act]
                    used.append(act)
            for key, rel in (("style", "HAS_STYLE"), ("color", "HAS_COLOR"), ("audience", "FOR_AUDIENCE")):
                t = self._out(intent, rel, rng)
                if t is None and key == "style" and design is not None:
                    back = self.in_edges.get((design, "SUITS"))
                    t = back.pick(rng) if back else None
                if t:
                    vars_[key] = self.names[t]
                    used.append(t)
        return vars_, used

    def sample_asset(self, function: str, content_type: str, rng: random.Random, with_preview: bool = False) -> _Asset | None:
        gentech_only = function == "Generate" and content_type == "Photo"
        pool = (self.preview_assets if with_preview else self.assets).get((content_type, gentech_only))
        return pool.pick(rng) if pool else None

    def sample_variables(
        self,
        function: str,
        content_type: str,
        rng: random.Random,
        sources: str = "both",
        with_preview: bool = False,
    ) -> tuple[dict[str, str], list[str], str | None]:
        """Variables for one request: KG path (``sources`` "kg"/"both") and catalog asset
        ("asset"/"both"). Keys are VARIABLE_KEYS; absent ones are omitted."""
        vars_: dict[str, str] = {}
        used: list[str] = []
        if sources in ("kg", "both"):
            vars_, used = self.sample_kg_path(content_type, rng)
        asset_id = None
        if sources in ("asset", "both"):
            a = self.sample_asset(function, content_type, rng, with_preview=with_preview)
            if a is not None:
                asset_id = a.asset_id
                vars_["title"] = a.title
                if a.keywords:
                    vars_["keywords"] = ", ".join(a.keywords)
                if a.topics:
                    vars_["topics"] = ", ".join(a.topics)
        return vars_, used, asset_id

    def preview_path(self, asset_id: str | None) -> str | None:
        return self.previews.get(asset_id) if asset_id else None

    def describe(self) -> dict[str, Any]:
        """Sizes of the pools, for asset metadata."""
        return {
            "nodes": len(self.names),
            "design_types_per_type": {ct: len(p.items) for ct, p in self.design_types.items()},
            "intents": len(self.intents.items),
            "assets_per_type": {ct: len(self.assets[(ct, False)].items) for ct in CATALOG_CONTENT_TYPES if (ct, False) in self.assets},
            "gentech_photos": len(self.assets[("Photo", True)].items) if ("Photo", True) in self.assets else 0,
            "previews": len(self.previews),
        }
