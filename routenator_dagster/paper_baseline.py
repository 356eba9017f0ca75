"""The paper's section-3.1 heuristic dataset, without the router: the baseline Table 3 compares against.

Three fixed template kinds and nothing more:
- Search from a KG path: a search phrase + a user intent + a design type it uses
  ("show me diwali greeting card"); extracted_prompt = intent + design type.
- Search from catalog metadata: a search phrase + the asset's title (<= 5 words) or its first
  keywords; extracted_prompt = those words.
- Generate from catalog metadata: an action verb + the asset's design type + its title
  ("create a food photo of ..."), or "please generate a template for <title>" for templates;
  extracted_prompt = the title. Photos feed Generate only when the asset is AI-generated (gentech).

No router: assets are drawn uniformly, so content types follow the catalog's own composition;
Search and Generate are a coin flip (the paper's Table 1 split is ~50/50); no length targets, no
type-agnostic (Any) queries, no typos or fillers, and the type word always sits where the template
puts it. The wording is ours.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

import polars as pl

from routenator_dagster.schema import SYNTHETIC_SCHEMA, conform

ROUTE = "paper_3_1"
SEARCH_PHRASES: tuple[str, ...] = ("find me", "search for", "look for", "search", "show me")
ACTION_PHRASES: tuple[str, ...] = ("generate", "create", "make", "please generate", "please create")
TEMPLATE_FOR = "please generate a template for"
SEARCH_PROMPT_MAX_WORDS = 5
_ARTICLES = ("a ", "an ", "the ")


class PaperBaselineError(ValueError):
    """The inputs cannot feed the baseline (names the table and what is missing)."""


@dataclass(frozen=True)
class _Pair:
    intent_id: str
    intent: str
    design_id: str
    design: str
    weight: float


def _kg_pairs(nodes: pl.DataFrame, edges: pl.DataFrame) -> dict[str, list[_Pair]]:
    """Content type -> (intent, design type) pairs joined by USES_DESIGN edges, short enough
    to be a Search prompt."""
    intents = nodes.filter(pl.col("label") == "UserIntent").select(
        pl.col("id").alias("source"), pl.col("name").alias("intent")
    )
    designs = nodes.filter((pl.col("label") == "DesignType") & pl.col("content_type").is_not_null()).select(
        pl.col("id").alias("target"), pl.col("name").alias("design"), "content_type"
    )
    joined = (
        edges.filter(pl.col("type") == "USES_DESIGN")
        .join(intents, on="source", how="inner")
        .join(designs, on="target", how="inner")
        .sort("source", "target")
    )
    out: dict[str, list[_Pair]] = {}
    for r in joined.iter_rows(named=True):
        if len(f"{r['intent']} {r['design']}".split()) > SEARCH_PROMPT_MAX_WORDS:
            continue  # the Search prompt is intent + design type, a few keywords at most
        w = r["weight"] if r["weight"] is not None and r["weight"] > 0 else 1.0
        out.setdefault(r["content_type"], []).append(_Pair(r["source"], r["intent"], r["target"], r["design"], w))
    return out


def _clean(text: str) -> str:
    return " ".join(str(text).lower().split())


def _article(phrase: str) -> str:
    return "an " if phrase[:1] in "aeio" else "a "


def _search_words(title: str, keywords: list[str] | None) -> str:
    """The title when it is short enough, else the leading keywords up to the word budget."""
    title = _clean(title)
    if 0 < len(title.split()) <= SEARCH_PROMPT_MAX_WORDS:
        return title
    words: list[str] = []
    for kw in keywords or []:
        kw_words = _clean(kw).split()
        if not kw_words or any(w in words for w in kw_words):
            continue
        if words and len(words) + len(kw_words) > SEARCH_PROMPT_MAX_WORDS:
            break
        words.extend(kw_words)
    if not words:  # no usable keywords: the head of the title
        words = title.split()
    return " ".join(words[:SEARCH_PROMPT_MAX_WORDS])


def _generate_query(rng: random.Random, title: str, design: str | None, content_type: str) -> tuple[str, str]:
    """(template_id, query) for a Generate request about ``title``."""
    if content_type == "Template" and rng.random() < 1 / 3:
        return "p31_generate_template_for", f"{TEMPLATE_FOR} {title}"
    verb = rng.choice(ACTION_PHRASES)
    if not design or design in title:  # the title already names its design type
        lead = "" if title.startswith(_ARTICLES) else _article(title)
        return "p31_generate_title", f"{verb} {lead}{title}"
    return "p31_generate_design_title", f"{verb} {_article(design)}{design} of {title}"


def generate_paper_baseline(
    nodes: pl.DataFrame, edges: pl.DataFrame, catalog: pl.DataFrame, n: int, seed: int
) -> pl.DataFrame:
    """``n`` rows (SYNTHETIC_SCHEMA, route "paper_3_1") from the section-3.1 templates; see the
    module docstring. Deterministic for a seed."""
    if n < 0:
        raise PaperBaselineError(f"n must be >= 0, got {n}")
    for col in ("asset_id", "content_type", "title", "keywords", "gentech"):
        if col not in catalog.columns:
            raise PaperBaselineError(f"content_catalog: missing column {col!r}")
    assets = catalog.filter(pl.col("title").is_not_null() & (pl.col("title").str.strip_chars() != "")).sort("asset_id")
    if assets.is_empty():
        raise PaperBaselineError("content_catalog: no asset with a title; the baseline draws every row from assets")
    has_design = "design_type" in assets.columns
    rows_all = assets.select(
        "asset_id", "content_type", "title", "keywords", "gentech",
        (pl.col("design_type") if has_design else pl.lit(None, dtype=pl.Utf8)).alias("design_type"),
    ).to_dicts()
    # Generate draws only from eligible assets: photos must be AI-generated (paper 3.1).
    gen_pool = [r for r in rows_all if r["content_type"] != "Photo" or r["gentech"]]
    pairs = _kg_pairs(nodes, edges)
    rng = random.Random(seed)
    sampling = json.dumps({"generator": ROUTE, "seed": seed})
    out: list[dict] = []
    for i in range(n):
        rid = f"{ROUTE}-{seed}-{i:07d}"
        fn = "Search" if rng.random() < 0.5 or not gen_pool else "Generate"
        if fn == "Search":
            asset = rng.choice(rows_all)
            ct = asset["content_type"]
            options = pairs.get(ct, [])
            if options and rng.random() < 0.5:
                pair = rng.choices(options, weights=[p.weight for p in options])[0]
                prompt = f"{_clean(pair.intent)} {_clean(pair.design)}"
                query = f"{rng.choice(SEARCH_PHRASES)} {prompt}"
                out.append(dict(request_id=rid, query=query, function=fn, content_type=ct, extracted_prompt=prompt,
                                template_family="kg", template_id="p31_search_kg",
                                source_nodes=[pair.intent_id, pair.design_id], asset_id=None))
                continue
            prompt = _search_words(asset["title"], asset["keywords"])
            query = f"{rng.choice(SEARCH_PHRASES)} {prompt}"
            out.append(dict(request_id=rid, query=query, function=fn, content_type=ct, extracted_prompt=prompt,
                            template_family="metadata", template_id="p31_search_metadata",
                            source_nodes=[], asset_id=asset["asset_id"]))
        else:
            asset = rng.choice(gen_pool)
            title = _clean(asset["title"])
            design = _clean(asset["design_type"]) if asset["design_type"] else None
            template_id, query = _generate_query(rng, title, design, asset["content_type"])
            out.append(dict(request_id=rid, query=query, function=fn, content_type=asset["content_type"],
                            extracted_prompt=title, template_family="metadata", template_id=template_id,
                            source_nodes=[], asset_id=asset["asset_id"]))
    frame = pl.DataFrame(
        out,
        schema={"request_id": pl.Utf8, "query": pl.Utf8, "function": pl.Utf8, "content_type": pl.Utf8,
                "extracted_prompt": pl.Utf8, "template_family": pl.Utf8, "template_id": pl.Utf8,
                "source_nodes": pl.List(pl.Utf8), "asset_id": pl.Utf8},
    ).with_columns(
        pl.lit(ROUTE).alias("route"),
        pl.lit(sampling).alias("sampling"),
        pl.lit(seed, dtype=pl.Int64).alias("seed"),
        pl.col("query").alias("raw_output"),
        pl.lit("ok").alias("status"),
    )
    return conform(frame, SYNTHETIC_SCHEMA)
