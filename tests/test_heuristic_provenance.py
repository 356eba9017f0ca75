"""Heuristic rows over the shipped seed graph and catalog: every row is built from one connected
KG path or one catalog asset, lists exactly the sources that show in it, and combines nothing
that contradicts itself."""

from __future__ import annotations

import re
from collections import defaultdict

import polars as pl
import pytest

from routenator_dagster.batching import build_batches
from routenator_dagster.catalog_builder import build_seed_catalog, gerund
from routenator_dagster.generation_context import GenerationContext
from routenator_dagster.kg_files import read_seed_graph
from routenator_dagster.router import build_routing_plan
from routenator_dagster.routes.compatibility import clash
from routenator_dagster.routes.heuristic import run_heuristic_batch
from routenator_dagster.targets import load_targets

N = 20_000


@pytest.fixture(scope="module")
def graph():
    return read_seed_graph()


@pytest.fixture(scope="module")
def catalog(graph):
    return build_seed_catalog(*graph)


@pytest.fixture(scope="module")
def rows(graph, catalog):
    targets = load_targets()
    ctx = GenerationContext.from_tables(*graph, catalog).with_keyword_targets(targets.keyword_presence,
                                                                               targets.keyword_positions)
    plan, _ = build_routing_plan(targets, N, {"heuristic": 1.0}, {"heuristic"}, seed=11)
    out = run_heuristic_batch(build_batches(plan, ctx, seed=11, targets=targets), ctx, workers=1)
    return out.filter(pl.col("status") == "ok")


def _shows(name: str, text: str) -> bool:
    return re.search(r"(?<![a-z0-9])" + re.escape(name) + r"(?:s|es)?(?![a-z0-9])", text) is not None


@pytest.fixture(scope="module")
def names(graph):
    nodes = graph[0]
    return {i: (n.lower(), lb) for i, n, lb in nodes.select("id", "name", "label").iter_rows()}


def _shown(nid: str, text: str, names) -> bool:
    name, label = names[nid]
    return _shows(name, text) or (label == "Action" and _shows(gerund(name), text))


def test_almost_every_row_shows_a_source_it_lists(rows, names, catalog):
    words = {a: {k.lower() for k in kws or []} | {w for w in re.findall(r"[a-z0-9']+", t.lower()) if len(w) > 2}
             for a, t, kws in catalog.select("asset_id", "title", "keywords").iter_rows()}
    hit = 0
    for q, p, nodes, asset in rows.select("query", "extracted_prompt", "source_nodes", "asset_id").iter_rows():
        text = f"{q}\n{p}".lower()
        if any(_shown(n, text, names) for n in nodes) or (asset and any(_shows(w, text) for w in words[asset])):
            hit += 1
    assert rows.height > 0.97 * N
    assert hit >= 0.98 * rows.height, hit / rows.height


def test_every_listed_node_shows_in_the_row(rows, names):
    bad = [(q, n) for q, p, nodes in rows.select("query", "extracted_prompt", "source_nodes").iter_rows()
           for n in nodes if not _shown(n, f"{q}\n{p}".lower(), names)]
    assert not bad, bad[:5]


def test_listed_nodes_lie_on_one_path_of_the_graph(rows, graph, names):
    """Listed nodes are joined by edges that exist, through at most the path's intent and scene
    object when the row does not name them (a design type and an action are joined by both)."""
    adj: dict[str, set[str]] = defaultdict(set)
    for s, d in graph[1].select("source", "target").iter_rows():
        adj[s].add(d)
        adj[d].add(s)

    def connected(group: set[str]) -> bool:
        start = next(iter(group))
        seen, todo = {start}, [start]
        while todo:
            for m in adj[todo.pop()] & group:
                if m not in seen:
                    seen.add(m)
                    todo.append(m)
        return seen == group

    checked = 0
    for nodes in rows["source_nodes"]:
        group = set(nodes)
        if len(group) < 2:
            continue
        checked += 1
        if connected(group):
            continue
        near = {m for n in group for m in adj[n]}
        hubs = {m for m in near | {x for n in near for x in adj[n]} if names[m][1] == "UserIntent"}

        def via(h: str) -> set[str]:
            return group | {h} | {o for o in adj[h] if names[o][1] == "SceneObject" and adj[o] & group}

        assert any(connected(via(h)) for h in hubs), [names[n][0] for n in group]
    assert checked > 0.1 * rows.height


def test_asset_ids_only_on_catalog_families(rows):
    with_asset = rows.filter(pl.col("asset_id").is_not_null())
    assert with_asset.height > 0
    assert with_asset["template_id"].str.contains("metadata").all()


def test_no_row_combines_contradictions(rows):
    bad = [q for q in rows["query"] if clash(q)]
    assert not bad, bad[:5]
