"""The heuristic route's template families (paper 3.1): which ones serve a cell, with what weight.

A family turns one request (function, content type, word range, where the type word should sit,
KG/catalog variables) into ``(query, extracted_prompt)`` following the labelling rules of docs/labelling.md,
or None when it could not fit the word range. Search prompts are the 1-5 content keywords of the
subject (bare type words dropped, subtype words kept); Generate prompts are the specification
without the request wrapper. Every prompt word is taken from the query, so prompts are grounded.
"""

from __future__ import annotations

from routenator_dagster.routes.template_parts import (
    Family,
    Request,
)
from routenator_dagster.routes.search_templates import (
    search_bare_topic,
    search_chatty,
    search_distractor_type,
    search_implied_type,
    search_kg_path,
    search_make_generic,
    search_metadata,
)
from routenator_dagster.routes.generate_templates import (
    generate_brief,
    generate_distractor_type,
    generate_find_phrasing,
    generate_kg_spec,
    generate_metadata_title,
    generate_oneoff_short,
    generate_oneoff_tiny,
    generate_unusual_scene,
)

__all__ = ["FAMILIES", "FAMILY_WEIGHTS", "EXCLUDED", "TEMPLATE_FAMILY_NAME", "Family", "Request", "template_ids"]

FAMILIES: dict[str, tuple[str, Family, int, int]] = {
    # id -> (function, builder, min feasible words, max feasible words)
    "h.search.bare_topic.v1": ("Search", search_bare_topic, 1, 4),
    "h.search.kg_path.v1": ("Search", search_kg_path, 3, 10),
    "h.search.metadata.v1": ("Search", search_metadata, 4, 10),
    "h.search.make_generic.v1": ("Search", search_make_generic, 3, 8),
    "h.search.implied_type.v1": ("Search", search_implied_type, 4, 12),
    "h.search.distractor_type.v1": ("Search", search_distractor_type, 7, 14),
    "h.search.chatty.v1": ("Search", search_chatty, 11, 25),
    "h.generate.kg_spec.v1": ("Generate", generate_kg_spec, 7, 40),
    "h.generate.oneoff_short.v1": ("Generate", generate_oneoff_short, 3, 9),
    "h.generate.oneoff_tiny.v1": ("Generate", generate_oneoff_tiny, 2, 5),
    "h.generate.unusual_scene.v1": ("Generate", generate_unusual_scene, 4, 30),
    "h.generate.find_phrasing.v1": ("Generate", generate_find_phrasing, 5, 25),
    "h.generate.metadata_title.v1": ("Generate", generate_metadata_title, 9, 30),
    "h.generate.distractor_type.v1": ("Generate", generate_distractor_type, 9, 30),
    "h.generate.brief.v1": ("Generate", generate_brief, 16, 40),
}

# Relative weights; a family is only drawn where its feasible range overlaps the bucket.
FAMILY_WEIGHTS: dict[str, float] = {
    "h.search.bare_topic.v1": 3.0,
    "h.search.kg_path.v1": 3.0,
    "h.search.metadata.v1": 1.2,
    "h.search.make_generic.v1": 2.5,
    "h.search.implied_type.v1": 1.0,
    "h.search.distractor_type.v1": 1.2,
    "h.search.chatty.v1": 3.0,
    "h.generate.kg_spec.v1": 3.0,
    "h.generate.oneoff_short.v1": 2.0,
    "h.generate.oneoff_tiny.v1": 2.5,
    "h.generate.unusual_scene.v1": 1.0,
    "h.generate.find_phrasing.v1": 0.8,
    "h.generate.metadata_title.v1": 0.8,
    "h.generate.distractor_type.v1": 1.1,
    "h.generate.brief.v1": 1.5,
}

# Families a content type does not use (no way to express it, or nothing to distract from).
_NO_SCENE = frozenset({"h.generate.unusual_scene.v1", "h.generate.metadata_title.v1"})
_NO_MAKE = frozenset({"h.search.make_generic.v1"})
EXCLUDED: dict[str, frozenset[str]] = {
    "Any": frozenset({"h.search.implied_type.v1", "h.search.distractor_type.v1", "h.generate.distractor_type.v1",
                      "h.search.metadata.v1"}) | _NO_SCENE | _NO_MAKE,
    "Audio": _NO_SCENE | _NO_MAKE,
    "Text": _NO_SCENE,
    "Template": frozenset({"h.generate.unusual_scene.v1"}),
    "Photo": _NO_MAKE,
    "Video": _NO_MAKE,
}

TEMPLATE_FAMILY_NAME: dict[str, str] = {tid: tid.split(".")[2] for tid in FAMILIES}


def template_ids(function: str, content_type: str, min_w: int, max_w: int) -> tuple[list[str], list[float]]:
    """Families that can serve a cell, with their weights."""
    ids, weights = [], []
    for tid, (fn, _, lo, hi) in FAMILIES.items():
        if fn != function or tid in EXCLUDED.get(content_type, ()):
            continue
        mid = (min_w + max_w) // 2
        if lo > mid or hi < mid:  # the family must reach the middle of the bucket, not just touch it
            continue
        ids.append(tid)
        weights.append(FAMILY_WEIGHTS[tid])
    return ids, weights
