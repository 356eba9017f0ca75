"""What a heuristic row was built from, and only that.

A request arrives with one sampled KG path (intent, design type, scene objects, action, style,
colour, audience) and, for the catalog families, one asset. Two things keep the provenance
honest:

- ``connected_path`` drops the parts of the path that no edge joins to its intent before any text
  is composed, so a row never puts together nodes the graph does not relate (a design type the
  intent does not use, a style neither the intent nor the design type has);
- ``shown_nodes`` / ``shown_asset`` list afterwards only the nodes and the asset whose words show
  in the query or its extracted prompt, so a reader can check every listed source in the row.
"""

from __future__ import annotations

import functools
import re

from routenator_dagster.catalog_builder import gerund
from routenator_dagster.generation_context import GenerationContext

# variable key -> (node label, relationship from the intent that licenses it)
_FROM_INTENT: dict[str, tuple[str, str]] = {
    "design_type": ("DesignType", "USES_DESIGN"),
    "style": ("Style", "HAS_STYLE"),
    "color": ("Color", "HAS_COLOR"),
    "audience": ("Audience", "FOR_AUDIENCE"),
}


def _has_edge(ctx: GenerationContext, src: str, rel: str, dst: str) -> bool:
    pool = ctx.out_edges.get((src, rel))
    return bool(pool) and dst in pool.items


def connected_path(ctx: GenerationContext, variables: dict[str, str], nodes: list[str]) -> tuple[dict[str, str], list[str]]:
    """The request's variables and nodes without the parts no edge joins to the path's intent.

    A style is kept when the intent has it or the kept design type suits it; scene objects when
    the intent features them; the action when the first scene object performs it."""
    if not nodes:
        return variables, nodes
    by_label: dict[str, list[str]] = {}
    for n in nodes:
        by_label.setdefault(ctx.labels.get(n, ""), []).append(n)
    intent = (by_label.get("UserIntent") or [None])[0]
    keep: list[str] = []
    out = dict(variables)
    if intent is not None:
        keep.append(intent)
    design = (by_label.get("DesignType") or [None])[0]
    if design is not None and not (intent and _has_edge(ctx, intent, "USES_DESIGN", design)):
        out.pop("design_type", None)
        design = None
    for key, (label, rel) in _FROM_INTENT.items():
        found = (by_label.get(label) or [None])[0]
        if key == "design_type":
            if design is not None:
                keep.append(design)
            continue
        if found is None:
            continue
        ok = bool(intent) and _has_edge(ctx, intent, rel, found)
        if not ok and key == "style" and design is not None:
            ok = _has_edge(ctx, found, "SUITS", design)
        if ok:
            keep.append(found)
        else:
            out.pop(key, None)
    objects = [o for o in by_label.get("SceneObject", []) if intent and _has_edge(ctx, intent, "FEATURES", o)]
    if len(objects) != len(by_label.get("SceneObject", [])):
        if objects:
            out["scene_objects"] = ", ".join(ctx.names[o] for o in objects)
        else:
            out.pop("scene_objects", None)
    keep.extend(objects)
    action = (by_label.get("Action") or [None])[0]
    if action is not None and objects and _has_edge(ctx, objects[0], "PERFORMS", action):
        keep.append(action)
    elif action is not None:
        out.pop("actions", None)
    return out, keep


@functools.lru_cache(maxsize=16384)
def _name_re(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])" + re.escape(name) + r"(?:s|es)?(?![a-z0-9])")


def shows(name: str, text: str) -> bool:
    """Whether ``name`` (lowercase) appears as whole words in lowercase ``text``."""
    return bool(name) and name in text and _name_re(name).search(text) is not None


def shown_nodes(ctx: GenerationContext, nodes: list[str], query: str, prompt: str) -> list[str]:
    """The nodes among ``nodes`` whose name shows in the query or the extracted prompt."""
    text = f"{query}\n{prompt}".lower()
    return [n for n in nodes if shows(ctx.names.get(n, ""), text)
            or (ctx.labels.get(n) == "Action" and shows(_gerund(ctx.names.get(n, "")), text))]


@functools.lru_cache(maxsize=16384)
def _gerund(action: str) -> str:
    """Actions show as "-ing" phrases ("a llama blowing out the candles")."""
    return gerund(action) if action else ""


_STOP = frozenset("a an the of for with in on and or to at by".split())


def asset_words(variables: dict[str, str]) -> set[str]:
    """The catalog asset's keywords and title content words (lowercase)."""
    words = {k.strip().lower() for k in (variables.get("keywords") or "").split(", ") if k.strip()}
    words |= {w for w in re.findall(r"[a-z0-9']+", (variables.get("title") or "").lower()) if w not in _STOP and len(w) > 2}
    return words


def shown_asset(variables: dict[str, str], query: str, prompt: str) -> bool:
    """Whether a keyword or title word of the request's catalog asset shows in the row."""
    text = f"{query}\n{prompt}".lower()
    return any(shows(w, text) for w in asset_words(variables))
