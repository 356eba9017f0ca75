"""Row builders for the filtering and quality tests: clean rows plus planted defects."""

from __future__ import annotations

import itertools

import polars as pl

from routenator_dagster.schema import SYNTHETIC_SCHEMA, conform

SUBJECTS = ["elephant", "sunset beach", "coffee shop", "mountain lake", "city skyline", "golden retriever",
            "autumn forest", "wedding cake", "space rocket", "tropical fruit", "vintage car", "snowy cabin"]
STYLES = ["watercolor", "minimalist", "retro", "neon", "pastel", "rustic"]
NAMES = ["Priya", "Tom", "Aiko", "Lena", "Omar", "Zoe", "Raul", "Mina"]
TYPES = [("Photo", "photos"), ("Video", "clips"), ("Background", "backgrounds"), ("Audio", "music"),
         ("Design Asset", "icons"), ("Text", "fonts"), ("Template", "templates")]


def row(rid: str, query: str, function: str = "Search", content_type: str = "Photo", prompt: str | None = None,
        route: str = "heuristic", **extra: object) -> dict:
    out = {"request_id": rid, "query": query, "function": function, "content_type": content_type,
           "extracted_prompt": prompt if prompt is not None else query, "route": route, "template_family": "length",
           "template_id": "t1", "length_bucket": "s_3_4", "source_nodes": ["n1"], "seed": 0, "status": "ok"}
    out.update(extra)
    return out


def frame(rows: list[dict]) -> pl.DataFrame:
    return conform(pl.DataFrame(rows, infer_schema_length=None), SYNTHETIC_SCHEMA)


def clean_rows(n: int, prefix: str = "c") -> list[dict]:
    """Distinct, well-formed rows (Search and Generate) that every filter should keep."""
    out = []
    combos = itertools.product(SUBJECTS, STYLES, TYPES)
    for i, (subject, style, (ct, word)) in enumerate(combos):
        if i >= n:
            break
        if i % 2 == 0:
            out.append(row(f"{prefix}{i:05d}", f"{style} {subject} {word}", "Search", ct, f"{style} {subject}"))
        else:
            doc = ("flyer", "poster", "invitation", "banner")[(i // 2) % 4]
            name = NAMES[(i // 7) % len(NAMES)]
            q = f"{style} {doc} for {name} {subject} party"
            out.append(row(f"{prefix}{i:05d}", q, "Generate", "Template", q, length_bucket="g_3_8"))
    return out


def target_shaped_rows(targets, total: int = 2000, seed: int = 0) -> list[dict]:
    """Rows covering every (function, content type, length bucket) cell in proportion to the targets,
    with random distinct words, the type word at the start, middle or end in equal thirds."""
    import math
    import random

    from routenator_dagster.labels import TYPE_WORDS

    rng = random.Random(seed)
    letters = "bcdfghjklmnpqrstvwxz"
    vowels = "aeiou"

    def word() -> str:
        return "".join(rng.choice(letters) + rng.choice(vowels) for _ in range(rng.randint(2, 4)))

    out, k = [], 0
    for (fn, ct, bucket), share in sorted(targets.cell_shares().items()):
        b = next(x for x in targets.length_buckets[fn] if x.name == bucket)
        for _ in range(math.ceil(share * total) + 2):
            n = rng.randint(b.min_words, min(b.max_words, b.min_words + 6))
            words = [word() for _ in range(n)]
            prompt = " ".join(words[:5] if fn == "Search" else words)
            if ct != "Any" and n > 1:
                words[[0, n // 2, n - 1][k % 3]] = TYPE_WORDS[ct][-1]
                prompt = " ".join(w for w in (words[:5] if fn == "Search" else words) if w != TYPE_WORDS[ct][-1])
            route = ("heuristic", "text_llm")[k % 2]
            out.append(row(f"t{k:06d}", " ".join(words), fn, ct, prompt or words[0], route=route, length_bucket=bucket))
            k += 1
    return out
