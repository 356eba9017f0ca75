"""Build the seed content catalog from the knowledge graph.

Each asset is one walk through the graph: a content type (by the shares in
seed_data/catalog_vocabulary.yaml), a design type of that content type, an intent that uses it,
scene objects the intent features and what they do, a style that suits the design, the intent's
colours. Words from the vocabulary file turn the walk into a human-like title, keywords and topics.
The same graph, size and seed always give the same catalog.

``gentech`` (AI-generated) is only meaningful for photos: about a third of photos carry it, every
other content type is False.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from routenator_dagster.labels import CATALOG_CONTENT_TYPES
from routenator_dagster.paths import SEED_DIR
from routenator_dagster.schema import CATALOG_SCHEMA, conform

DEFAULT_VOCABULARY_PATH = SEED_DIR / "catalog_vocabulary.yaml"
KG_SEED_DIR = SEED_DIR / "kg"
PLACEHOLDERS = frozenset({
    "intent", "design", "object", "object2", "objects", "scene", "action", "person", "color",
    "color2", "style", "adj", "shot", "mood", "instrument", "instrument2", "genre", "effect",
    "font_class", "copy_kind",
})
# Intent categories whose names are proper nouns (kept capitalised inside sentence-case titles).
_PROPER_CATEGORIES = frozenset({"holiday", "observance"})
_SMALL_WORDS = frozenset({"a", "an", "and", "at", "for", "in", "of", "on", "the", "to", "with",
                          "de", "del", "la", "los", "al"})
_MAX_TITLE_RETRIES = 8


class CatalogBuildError(ValueError):
    """The graph or the vocabulary cannot make a catalog; the message says where and why."""


# ---- vocabulary --------------------------------------------------------------------------------
def load_catalog_vocabulary(path: Path | None = None) -> dict[str, Any]:
    """Read and validate the catalog vocabulary YAML (errors name the file and the field)."""
    path = Path(path) if path is not None else DEFAULT_VOCABULARY_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogBuildError(f"{path}: cannot read catalog vocabulary: {exc}") from exc
    if not isinstance(raw, dict):
        raise CatalogBuildError(f"{path}: expected a mapping at the top level")

    def need(key: str, kind: type) -> Any:
        if key not in raw:
            raise CatalogBuildError(f"{path}: missing field {key!r}")
        if not isinstance(raw[key], kind):
            raise CatalogBuildError(f"{path}: field {key!r} must be a {kind.__name__}")
        return raw[key]

    shares = need("content_type_shares", dict)
    if set(shares) != set(CATALOG_CONTENT_TYPES):
        raise CatalogBuildError(
            f"{path}: content_type_shares must name exactly {list(CATALOG_CONTENT_TYPES)}, "
            f"got {sorted(shares)}")
    if any(not isinstance(v, (int, float)) or v <= 0 for v in shares.values()):
        raise CatalogBuildError(f"{path}: content_type_shares values must be positive numbers")
    prefixes = need("id_prefix", dict)
    missing = set(CATALOG_CONTENT_TYPES) - set(prefixes)
    if missing:
        raise CatalogBuildError(f"{path}: id_prefix lacks {sorted(missing)}")
    if len(set(prefixes.values())) != len(prefixes):
        raise CatalogBuildError(f"{path}: id_prefix values must be distinct")
    locales = need("locales", dict)
    if not locales or any(not isinstance(v, (int, float)) or v <= 0 for v in locales.values()):
        raise CatalogBuildError(f"{path}: locales must map locale -> positive share")
    for key in ("layouts", "people", "shots", "self_actions"):
        if not need(key, list):
            raise CatalogBuildError(f"{path}: field {key!r} must not be empty")
    for key in ("adjectives", "object_adjectives", "audio", "text", "title_patterns",
                "design_patterns", "layouts_by_design", "ctr", "palette_size", "keywords",
                "gentech_share", "culture_locales"):
        need(key, dict)
    patterns = raw["title_patterns"]
    for ct in CATALOG_CONTENT_TYPES:
        if not patterns.get(ct):
            raise CatalogBuildError(f"{path}: title_patterns has no patterns for {ct!r}")
        if not raw["adjectives"].get(ct):
            raise CatalogBuildError(f"{path}: adjectives has none for {ct!r}")
    for where, group in (("title_patterns", patterns), ("design_patterns", raw["design_patterns"])):
        for key, items in group.items():
            for pattern in items:
                unknown = set(re.findall(r"{(\w+)}", pattern)) - PLACEHOLDERS
                if unknown:
                    raise CatalogBuildError(
                        f"{path}: {where}[{key!r}] pattern {pattern!r} uses unknown "
                        f"placeholder(s) {sorted(unknown)}")
    for layout_list in raw["layouts_by_design"].values():
        bad = set(layout_list) - set(raw["layouts"])
        if bad:
            raise CatalogBuildError(f"{path}: layouts_by_design names unknown layouts {sorted(bad)}")
    return raw


# ---- the graph, indexed for walks --------------------------------------------------------------
@dataclass
class _Graph:
    nodes: dict[str, dict[str, Any]]
    out: dict[tuple[str, str], list[tuple[str, float]]] = field(default_factory=dict)
    incoming: dict[tuple[str, str], list[tuple[str, float]]] = field(default_factory=dict)
    designs_by_type: dict[str, list[str]] = field(default_factory=dict)

    def targets(self, source: str, rel: str) -> list[tuple[str, float]]:
        return self.out.get((source, rel), [])

    def sources(self, target: str, rel: str) -> list[tuple[str, float]]:
        return self.incoming.get((target, rel), [])

    def name(self, node_id: str) -> str:
        return str(self.nodes[node_id]["name"])

    def props(self, node_id: str) -> dict[str, Any]:
        return self.nodes[node_id]["props"]


def _index_graph(nodes: pl.DataFrame, edges: pl.DataFrame) -> _Graph:
    for frame, what, cols in ((nodes, "nodes", ("id", "label", "name", "content_type", "weight",
                                                "props")),
                              (edges, "edges", ("source", "type", "target", "weight"))):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise CatalogBuildError(f"graph {what} table lacks column(s) {missing}")
    node_map: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(nodes.with_columns(pl.col("weight").cast(pl.Float64)).iter_rows(
            named=True)):
        try:
            props = json.loads(row["props"] or "{}")
        except json.JSONDecodeError as exc:
            raise CatalogBuildError(
                f"graph nodes row {i} ({row['id']}): props is not JSON: {exc}") from exc
        if not isinstance(props, dict):
            raise CatalogBuildError(f"graph nodes row {i} ({row['id']}): props is not an object")
        weight = row["weight"]
        if weight is None or not 0 < weight <= 1:
            raise CatalogBuildError(f"graph nodes row {i} ({row['id']}): weight {weight!r} "
                                    "outside (0, 1]")
        node_map[row["id"]] = {**row, "props": props, "content_type": row["content_type"] or None}
    graph = _Graph(nodes=node_map)
    out: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    incoming: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    for i, row in enumerate(edges.with_columns(pl.col("weight").cast(pl.Float64)).iter_rows(
            named=True)):
        for end in ("source", "target"):
            if row[end] not in node_map:
                raise CatalogBuildError(f"graph edges row {i}: {end} {row[end]!r} is not a node")
        out[(row["source"], row["type"])].append((row["target"], float(row["weight"])))
        incoming[(row["target"], row["type"])].append((row["source"], float(row["weight"])))
    # Sorted adjacency so the walk does not depend on the row order of the input tables.
    graph.out = {k: sorted(v) for k, v in out.items()}
    graph.incoming = {k: sorted(v) for k, v in incoming.items()}
    by_type: dict[str, list[str]] = defaultdict(list)
    for node_id in sorted(node_map):
        node = node_map[node_id]
        if node["label"] == "DesignType" and node["content_type"]:
            if graph.sources(node_id, "USES_DESIGN"):
                by_type[node["content_type"]].append(node_id)
    for ct in CATALOG_CONTENT_TYPES:
        if not by_type.get(ct):
            raise CatalogBuildError(
                f"graph has no DesignType of content type {ct!r} used by any intent")
    graph.designs_by_type = dict(by_type)
    return graph


# ---- words -------------------------------------------------------------------------------------
def gerund(phrase: str) -> str:
    """'cut the cake' -> 'cutting the cake'; 'tie the bow' -> 'tying the bow'."""
    verb, _, rest = phrase.partition(" ")
    head, dash, last = verb.rpartition("-")
    word = last if dash else verb
    vowels = "aeiou"
    if word.endswith("ie"):
        ing = word[:-2] + "ying"
    elif word.endswith("e") and not word.endswith(("ee", "ye", "oe")) and len(word) > 2:
        ing = word[:-1] + "ing"
    elif (len(word) >= 3 and word[-1] not in vowels + "wxy" and word[-2] in vowels
          and word[-3] not in vowels and len(re.findall(r"[aeiou]+", word)) == 1):
        ing = word + word[-1] + "ing"
    else:
        ing = word + "ing"
    verb_ing = f"{head}-{ing}" if dash else ing
    return f"{verb_ing} {rest}".strip()


def _title_case(text: str) -> str:
    words = text.split(" ")
    out = []
    for i, w in enumerate(words):
        if any(c.isupper() for c in w) or (i > 0 and w in _SMALL_WORDS):
            out.append(w)
        else:
            out.append(w[:1].upper() + w[1:])
    return " ".join(out)


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _weighted(rng: random.Random, items: list[tuple[str, float]]) -> str:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items], k=1)[0]


def _sample(rng: random.Random, items: list[tuple[str, float]], k: int) -> list[str]:
    """Up to k distinct items, drawn by weight without replacement."""
    pool = list(items)
    picked: list[str] = []
    while pool and len(picked) < k:
        choice = _weighted(rng, pool)
        picked.append(choice)
        pool = [p for p in pool if p[0] != choice]
    return picked


def _counts(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Largest-remainder split of ``total`` by ``shares`` (deterministic)."""
    norm = sum(shares.values())
    exact = {k: total * v / norm for k, v in shares.items()}
    counts = {k: int(v) for k, v in exact.items()}
    rest = total - sum(counts.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - counts[k]), k))[:rest]:
        counts[k] += 1
    return counts


# ---- one asset ---------------------------------------------------------------------------------
class _Walker:
    def __init__(self, graph: _Graph, vocab: dict[str, Any], rng: random.Random) -> None:
        self.g = graph
        self.v = vocab
        self.rng = rng
        self.colors = sorted(n for n, d in graph.nodes.items() if d["label"] == "Color")
        self.self_actions = tuple(vocab["self_actions"])

    def _intent_text(self, intent: str) -> str:
        name = self.g.name(intent)
        props = self.g.props(intent)
        proper = props.get("category") in _PROPER_CATEGORIES or bool(props.get("culture"))
        return name if proper else name.lower()

    def _scene(self, obj: str) -> tuple[str, str, str | None]:
        """(scene phrase, gerund action or '', person used or None)."""
        rng = self.rng
        name = self.g.name(obj)
        actions = self.g.targets(obj, "PERFORMS")
        if not actions:
            return name, "", None
        action = self.g.name(_weighted(rng, actions))
        ing = gerund(action)
        obj_words = [w for w in re.findall(r"[a-z]+", name.lower()) if len(w) >= 3]
        act_words = re.findall(r"[a-z]+", action.lower())
        mentions = any(a.startswith(o) for o in obj_words for a in act_words)
        kind = self.g.props(obj).get("kind", "object")
        by_object = not mentions and (kind in ("animal", "person")
                                      or action.startswith(self.self_actions))
        if by_object:
            adjs = self.v["object_adjectives"].get(kind) or [""]
            adj = rng.choice(adjs) if rng.random() < 0.5 else ""
            return f"{adj} {name} {ing}".strip(), ing, None
        person = rng.choice(self.v["people"])
        return f"{person} {ing}", ing, person

    def draw(self, ct: str) -> dict[str, Any]:
        rng, g, v = self.rng, self.g, self.v
        designs = [(d, g.nodes[d]["weight"]) for d in g.designs_by_type[ct]]
        design = _weighted(rng, designs)
        intents = [(i, w * g.nodes[i]["weight"]) for i, w in g.sources(design, "USES_DESIGN")]
        intent = _weighted(rng, intents)
        objects = _sample(rng, g.targets(intent, "FEATURES"), 3)
        suits = {s for s, _ in g.sources(design, "SUITS")}
        intent_styles = g.targets(intent, "HAS_STYLE")
        # A style that suits both; else the intent's own look beats a generic one for the design.
        styles = ([s for s in intent_styles if s[0] in suits] or intent_styles
                  or g.sources(design, "SUITS"))
        style = _weighted(rng, styles) if styles else None
        pal_min, pal_max = int(v["palette_size"]["min"]), int(v["palette_size"]["max"])
        n_colors = rng.randint(pal_min, pal_max)
        colors = _sample(rng, g.targets(intent, "HAS_COLOR"), n_colors)
        while len(colors) < n_colors:
            extra = rng.choice(self.colors)
            if extra not in colors:
                colors.append(extra)
        audience = g.targets(intent, "FOR_AUDIENCE")

        scene, action_ing, person = self._scene(objects[0]) if objects else ("", "", None)
        obj_names = [g.name(o) for o in objects] or [g.name(design)]
        instruments = rng.sample(v["audio"]["instruments"], 2)
        values = {
            "intent": self._intent_text(intent),
            "design": g.name(design),
            "object": obj_names[0],
            "object2": obj_names[1] if len(obj_names) > 1 else obj_names[0],
            "objects": _join(obj_names),
            "scene": scene,
            "action": action_ing,
            "person": person or rng.choice(v["people"]),
            "color": g.name(colors[0]),
            "color2": g.name(colors[1]),
            "style": g.name(style) if style else rng.choice(v["adjectives"][ct]),
            "adj": rng.choice(v["adjectives"][ct]),
            "shot": rng.choice(v["shots"]),
            "mood": rng.choice(v["audio"]["moods"]),
            "instrument": instruments[0],
            "instrument2": instruments[1],
            "genre": rng.choice(v["audio"]["genres"]),
            "effect": rng.choice(v["text"]["effects"]),
            "font_class": rng.choice(v["text"]["font_classes"]),
            "copy_kind": rng.choice(v["text"]["copy_kinds"]),
        }
        patterns = v["design_patterns"].get(g.name(design)) or v["title_patterns"][ct]
        pattern = rng.choice(patterns)
        title = re.sub(r"\s+", " ", pattern.format_map(values)).strip()
        # "3D 3D render": a style word that repeats the design name reads as a typo.
        title = re.sub(r"\b(\w+) \1\b", r"\1", title, flags=re.IGNORECASE)
        title = _title_case(title) if ct == "Template" else _sentence_case(title)

        # Keywords: what the title shows first, then the rest of the walk.
        used = re.findall(r"{(\w+)}", pattern)
        kw_for = {"scene": obj_names[:1], "objects": obj_names, "person": [values["person"]]}
        words: list[str] = []
        for key in used:
            if key in ("adj", "shot", "action", "copy_kind"):
                continue
            words.extend(kw_for.get(key, [values[key]]))
        props = g.props(intent)
        words += [g.name(intent), g.name(design), *obj_names[:2]]
        words += [g.name(style)] if style else []
        words += props.get("aliases", [])[:1]
        words += [props.get("category", ""), props.get("season", "")]
        words += [g.name(a) for a, _ in audience[:1]]
        keywords = _clean_keywords(words, int(v["keywords"]["max"]))
        if len(keywords) < int(v["keywords"]["min"]):
            keywords = _clean_keywords(keywords + [ct, g.name(colors[0]), *obj_names],
                                       int(v["keywords"]["max"]))

        topics = _clean_keywords([props.get("category", ""), g.name(intent),
                                  props.get("season", ""), props.get("culture", "")], 4)

        culture = props.get("culture")
        culture_locale = v["culture_locales"].get(culture) if culture else None
        if culture_locale and rng.random() < float(v["culture_locale_share"]):
            locale = culture_locale
        else:
            locale = rng.choices(list(v["locales"]), weights=list(v["locales"].values()))[0]
        ctr_cfg = v["ctr"]
        popularity = 0.6 + 0.8 * g.nodes[intent]["weight"]
        ctr = min(float(ctr_cfg["max"]),
                  rng.betavariate(float(ctr_cfg["alpha"]), float(ctr_cfg["beta"])) * popularity)
        gentech = rng.random() < float(v["gentech_share"].get(ct, 0.0))
        layout = None
        if ct == "Template":
            layout = rng.choice(v["layouts_by_design"].get(g.name(design)) or v["layouts"])
        return {
            "content_type": ct,
            "title": title,
            "keywords": keywords,
            "topics": topics,
            "gentech": gentech,
            "locale": locale,
            "aspect_ratio": g.props(design).get("aspect_ratio"),
            "ctr": round(ctr, 4),
            "design_type": g.name(design),
            "layout": layout,
            "palette": [str(g.props(c)["hex"]) for c in colors],
        }


def _clean_keywords(words: list[str], limit: int) -> list[str]:
    out: list[str] = []
    for w in words:
        w = re.sub(r"^(a|an|the) ", "", str(w).strip().lower())
        if w and w not in out:
            out.append(w)
    return out[:limit]


# ---- public ------------------------------------------------------------------------------------
def build_seed_catalog(
    nodes: pl.DataFrame,
    edges: pl.DataFrame,
    n_assets: int = 6000,
    seed: int = 7,
    vocabulary_path: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pl.DataFrame:
    """A catalog of ``n_assets`` rows (schema.CATALOG_SCHEMA) walked from the graph."""
    if n_assets < len(CATALOG_CONTENT_TYPES):
        raise CatalogBuildError(
            f"n_assets={n_assets}: need at least one asset per content type "
            f"({len(CATALOG_CONTENT_TYPES)})")
    vocab = load_catalog_vocabulary(vocabulary_path)
    graph = _index_graph(nodes, edges)
    rng = random.Random(seed)
    walker = _Walker(graph, vocab, rng)
    counts = _counts(n_assets, vocab["content_type_shares"])
    rows: list[dict[str, Any]] = []
    seen_titles: set[str] = set()
    for ct in CATALOG_CONTENT_TYPES:
        for k in range(counts[ct]):
            row = walker.draw(ct)
            for _ in range(_MAX_TITLE_RETRIES):  # prefer distinct titles; accept a repeat if rare
                if row["title"] not in seen_titles:
                    break
                row = walker.draw(ct)
            seen_titles.add(row["title"])
            row["asset_id"] = f"{vocab['id_prefix'][ct]}-{k + 1:06d}"
            rows.append(row)
            if progress is not None and (len(rows) % 250 == 0 or len(rows) == n_assets):
                progress(len(rows), n_assets)
    return conform(pl.DataFrame(rows, schema=CATALOG_SCHEMA), CATALOG_SCHEMA)


def read_graph_csvs(folder: Path = KG_SEED_DIR) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The shipped seed graph CSVs as typed frames (a minimal reader for the catalog CLI/tests;
    the validating loader lives with the knowledge-graph code)."""
    nodes = pl.read_csv(folder / "nodes.csv", infer_schema_length=0).with_columns(
        pl.col("weight").cast(pl.Float64),
        pl.when(pl.col("content_type") == "").then(None).otherwise(pl.col("content_type"))
        .alias("content_type"))
    edges = pl.read_csv(folder / "relationships.csv", infer_schema_length=0).with_columns(
        pl.col("weight").cast(pl.Float64))
    return nodes, edges


def write_catalog(catalog: pl.DataFrame, path: Path) -> Path:
    """Write by extension: .jsonl, .csv (list cells as JSON arrays) or .parquet."""
    path = Path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        catalog.write_parquet(path)
    elif suffix == ".jsonl":
        catalog.write_ndjson(path)
    elif suffix == ".csv":
        list_cols = [c for c, t in catalog.schema.items() if isinstance(t, pl.List)]
        flat = catalog.with_columns(
            pl.col(c).map_elements(lambda v: json.dumps(list(v), ensure_ascii=False),
                                   return_dtype=pl.Utf8) for c in list_cols)
        flat.write_csv(path)
    else:
        raise CatalogBuildError(f"{path}: unknown extension {suffix!r}; use .jsonl, .csv or .parquet")
    return path
