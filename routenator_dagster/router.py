"""The weighted router (paper 3.3-3.4): population targets -> request quotas per route.

A plan cell is (function, content type, length bucket). Its quota is the target share times the
number of requests, made integral by largest remainder (totals exact, every cell within 1 of its
expectation). Each cell's quota is then split across the routes that can serve it, in proportion
to their weights, by seeded systematic rounding: every (cell, route) count is the floor or the
ceiling of its expectation, and it is the ceiling with probability equal to the fractional part,
so the split is unbiased and still sums exactly to the cell quota.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from routenator_dagster.labels import CONTENT_TYPES, FUNCTIONS
from routenator_dagster.schema import ROUTES, ROUTING_PLAN_SCHEMA, conform, empty_frame
from routenator_dagster.targets import PopulationTargets

# A measured acceptance rate below this is treated as this, so one bad run cannot ask for 100x.
ACCEPTANCE_FLOOR = 0.2
ACCEPTANCE_COLUMNS: tuple[str, ...] = ("function", "content_type", "length_bucket", "route", "rate")


@dataclass(frozen=True)
class RouteConfig:
    """What one route serves and how its quota divides among prompt-template families."""

    name: str
    content_types: frozenset[str]
    functions: frozenset[str] = frozenset(FUNCTIONS)
    families: tuple[tuple[str, float], ...] = ()

    def serves(self, function: str, content_type: str) -> bool:
        return function in self.functions and content_type in self.content_types


def default_route_configs(vision_extra_types: bool = False) -> dict[str, RouteConfig]:
    """The shipped routes: heuristic and text LLM serve everything; vision serves templates
    (and, optionally, backgrounds and design assets, whose previews are images too)."""
    vision_types = {"Template"} | ({"Background", "Design Asset"} if vision_extra_types else set())
    return {
        "heuristic": RouteConfig("heuristic", frozenset(CONTENT_TYPES), families=(("heuristic", 1.0),)),
        "text_llm": RouteConfig("text_llm", frozenset(CONTENT_TYPES), families=(("length", 1.0), ("api", 1.0), ("media", 1.0))),
        "vision_llm": RouteConfig("vision_llm", frozenset(vision_types), families=(("api", 1.0), ("media", 1.0))),
    }


def flatten_shares(shares: dict[str, float], temperature: float) -> dict[str, float]:
    """p_i^(1/t), normalized: t=1 is the identity, large t tends to uniform over non-zero types."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    powered = {k: (v ** (1.0 / temperature) if v > 0 else 0.0) for k, v in shares.items()}
    total = sum(powered.values())
    if total <= 0:
        raise ValueError("content-type shares are all zero")
    return {k: v / total for k, v in powered.items()}


def largest_remainder(expected: list[float], total: int, rng: random.Random) -> list[int]:
    """Integers summing to ``total``, each the floor or ceiling of its expectation.

    Ties among equal remainders are broken by a seeded shuffle, so the result is deterministic
    for a seed and not biased towards the first cells.
    """
    floors = [math.floor(x) for x in expected]
    left = total - sum(floors)
    order = list(range(len(expected)))
    rng.shuffle(order)
    order.sort(key=lambda i: expected[i] - floors[i], reverse=True)
    for i in order[:left]:
        floors[i] += 1
    return floors


def systematic_round(expected: list[float], rng: random.Random) -> list[int]:
    """Randomized rounding that keeps the sum: count i is ceil(x_i) with probability frac(x_i).

    Systematic sampling over the fractional parts (Madow): one uniform draw u, then every
    integer crossing of u + cumulative fractions picks one unit.
    """
    floors = [math.floor(x) for x in expected]
    fracs = [x - f for x, f in zip(expected, floors)]
    u = rng.random()
    cum = 0.0
    out = list(floors)
    for i, f in enumerate(fracs):
        before = math.floor(cum - u + 1.0)
        cum += f
        after = math.floor(cum - u + 1.0 + 1e-9)
        out[i] += after - before
    # guard float drift: the sum must equal round(sum(expected))
    target = round(sum(expected))
    diff = target - sum(out)
    if diff:
        order = sorted(range(len(out)), key=lambda i: fracs[i], reverse=diff > 0)
        for i in order[: abs(diff)]:
            out[i] += 1 if diff > 0 else -1
    return out


def _acceptance_lookup(acceptance: pl.DataFrame | None) -> tuple[dict[tuple[str, str, str, str], float], float | None]:
    if acceptance is None or acceptance.height == 0:
        return {}, None
    missing = [c for c in ACCEPTANCE_COLUMNS if c not in acceptance.columns]
    if missing:
        raise ValueError(f"acceptance rates frame lacks columns {missing}; expected {list(ACCEPTANCE_COLUMNS)}")
    rates: dict[tuple[str, str, str, str], float] = {}
    for r in acceptance.select(ACCEPTANCE_COLUMNS).iter_rows():
        if r[4] is None:
            continue
        rates[(r[0], r[1], r[2], r[3])] = min(1.0, max(0.0, float(r[4])))
    mean = sum(rates.values()) / len(rates) if rates else None
    return rates, mean


def build_routing_plan(
    targets: PopulationTargets,
    total_requests: int,
    route_weights: dict[str, float],
    available_routes: set[str],
    seed: int,
    temperature: float = 1.0,
    acceptance: pl.DataFrame | None = None,
    overshoot: float = 1.1,
    route_configs: dict[str, RouteConfig] | None = None,
    unavailable_reasons: dict[str, str] | None = None,
    acceptance_floor: float = ACCEPTANCE_FLOOR,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Quotas per (function, content type, length bucket, route, template family).

    Returns the plan (ROUTING_PLAN_SCHEMA, zero-quota rows dropped) and explanations: disabled
    routes and why, the flattened content-type shares, oversampling factors and uncovered cells.
    """
    if total_requests < 0:
        raise ValueError(f"total_requests must be >= 0, got {total_requests}")
    configs = route_configs or default_route_configs()
    unknown = [r for r in route_weights if r not in configs]
    if unknown:
        raise ValueError(f"route_weights names unknown routes {unknown}; known: {sorted(configs)}")
    rng = random.Random(seed)
    reasons = unavailable_reasons or {}

    disabled: dict[str, str] = {}
    active: dict[str, float] = {}
    for name in configs:
        w = float(route_weights.get(name, 0.0))
        if w < 0:
            raise ValueError(f"route weight for {name} must be >= 0, got {w}")
        if name not in available_routes:
            disabled[name] = reasons.get(name, "backend not configured, so the route cannot run")
        elif w == 0:
            disabled[name] = "weight is 0 in route_weights"
        else:
            active[name] = w

    # 1. cell quotas from the (flattened) targets
    flat = {fn: flatten_shares(targets.content_type_shares[fn], temperature) for fn in FUNCTIONS}
    cells: list[tuple[str, str, str]] = []
    expected: list[float] = []
    for fn in FUNCTIONS:
        p_fn = targets.function_shares.get(fn, 0.0)
        for ct in CONTENT_TYPES:
            p_ct = flat[fn].get(ct, 0.0)
            for b in targets.length_buckets[fn]:
                cells.append((fn, ct, b.name))
                expected.append(total_requests * p_fn * p_ct * b.share)
    cell_n = largest_remainder(expected, total_requests, rng)

    # 2. split each cell over the routes that serve it; 3. oversample by measured acceptance
    rates, mean_rate = _acceptance_lookup(acceptance)
    factors: dict[str, float] = {}
    uncovered: list[dict[str, Any]] = []
    rows: list[tuple[str, str, str, str, str, int]] = []
    for (fn, ct, bucket), n in zip(cells, cell_n):
        if n == 0:
            continue
        serving = [r for r in active if configs[r].serves(fn, ct)]
        if not serving:
            uncovered.append({"function": fn, "content_type": ct, "length_bucket": bucket, "lost": n})
            continue
        wsum = sum(active[r] for r in serving)
        split = systematic_round([n * active[r] / wsum for r in serving], rng)
        for route, k in zip(serving, split):
            if k == 0:
                continue
            if rates or mean_rate is not None:
                rate = rates.get((fn, ct, bucket, route), mean_rate if mean_rate is not None else 1.0)
                factor = overshoot / max(rate, acceptance_floor)
                k = math.ceil(k * factor - 1e-9)
                factors[f"{fn}|{ct}|{bucket}|{route}"] = round(factor, 4)
            fams = configs[route].families or ((route, 1.0),)
            fam_total = sum(s for _, s in fams)
            fam_n = systematic_round([k * s / fam_total for _, s in fams], rng)
            for (fam, _), m in zip(fams, fam_n):
                if m > 0:
                    rows.append((fn, ct, bucket, route, fam, m))

    if rows:
        plan = pl.DataFrame(rows, schema=list(ROUTING_PLAN_SCHEMA), orient="row")
        plan = conform(plan, ROUTING_PLAN_SCHEMA)
    else:
        plan = empty_frame(ROUTING_PLAN_SCHEMA)
    per_route = {r: int(plan.filter(pl.col("route") == r)["n_requests"].sum()) for r in configs}
    explanations: dict[str, Any] = {
        "seed": seed,
        "total_requests": total_requests,
        "planned_requests": int(plan["n_requests"].sum()) if plan.height else 0,
        "disabled_routes": disabled,
        "active_route_weights": {r: w / sum(active.values()) for r, w in active.items()} if active else {},
        "requests_per_route": per_route,
        "temperature": temperature,
        "content_type_shares": flat,
        "oversampling": {
            "applied": bool(factors),
            "overshoot": overshoot,
            "floor": acceptance_floor,
            "factors": factors,
        },
        "uncovered_cells": uncovered,
        "rounding_bound": "each cell within 1 of total*share; each (cell, route) within 1 of cell*weight",
    }
    return plan, explanations


def read_acceptance_rates(path: str | Path) -> pl.DataFrame | None:
    """Acceptance rates written by filtering, or None when there is no feedback yet.

    Prefers the filtering engineer's loader; falls back to reading the parquet file directly.
    """
    p = Path(path)
    try:
        from routenator_dagster.filtering.acceptance import load_acceptance_rates
    except ImportError:
        load_acceptance_rates = None
    if load_acceptance_rates is not None:
        return load_acceptance_rates(p)
    if not p.exists():
        return None
    frame = pl.read_parquet(p)
    missing = [c for c in ACCEPTANCE_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{p}: acceptance rates lack columns {missing}; expected {list(ACCEPTANCE_COLUMNS)}")
    return frame


__all__ = [
    "ACCEPTANCE_COLUMNS",
    "ROUTES",
    "RouteConfig",
    "build_routing_plan",
    "default_route_configs",
    "flatten_shares",
    "largest_remainder",
    "read_acceptance_rates",
    "systematic_round",
]
