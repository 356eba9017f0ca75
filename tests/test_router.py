"""The weighted router: exact totals, bounded rounding, flattening, disabled routes, feedback."""

from __future__ import annotations

import random

import polars as pl
import pytest

from routenator_dagster.router import (
    build_routing_plan,
    flatten_shares,
    largest_remainder,
    systematic_round,
)
from routenator_dagster.schema import ROUTING_PLAN_SCHEMA
from routenator_dagster.targets import load_targets

WEIGHTS = {"heuristic": 0.4, "text_llm": 0.45, "vision_llm": 0.15}
ALL = {"heuristic", "text_llm", "vision_llm"}


@pytest.fixture(scope="module")
def targets():
    return load_targets()


def _cells(plan: pl.DataFrame) -> dict[tuple[str, str, str], int]:
    agg = plan.group_by("function", "content_type", "length_bucket").agg(pl.col("n_requests").sum())
    return {(f, c, b): n for f, c, b, n in agg.iter_rows()}


@pytest.mark.parametrize("total", [1, 97, 24000])
def test_totals_exact_and_cells_within_one_of_expectation(targets, total):
    plan, explain = build_routing_plan(targets, total, WEIGHTS, ALL, seed=7)
    assert plan.columns == list(ROUTING_PLAN_SCHEMA)
    assert plan["n_requests"].sum() == total == explain["planned_requests"]
    got = _cells(plan)
    for cell, share in targets.cell_shares().items():
        assert abs(got.get(cell, 0) - total * share) < 1.0 + 1e-9, cell


def test_route_split_within_one_of_weighted_expectation(targets):
    total = 24000
    plan, _ = build_routing_plan(targets, total, WEIGHTS, ALL, seed=3)
    cells = _cells(plan)
    per_route = plan.group_by("function", "content_type", "length_bucket", "route").agg(pl.col("n_requests").sum())
    for fn, ct, b, route, n in per_route.iter_rows():
        serving = [r for r in WEIGHTS if r != "vision_llm" or ct == "Template"]
        expected = cells[(fn, ct, b)] * WEIGHTS[route] / sum(WEIGHTS[r] for r in serving)
        assert abs(n - expected) < 1.0 + 1e-9, (fn, ct, b, route)
    # vision serves only templates by default
    assert set(plan.filter(pl.col("route") == "vision_llm")["content_type"]) == {"Template"}


def test_randomized_rounding_is_unbiased():
    # each count is floor or ceil, and over many seeds the mean approaches the expectation
    expected = [2.3, 1.45, 0.25]
    sums = [0, 0, 0]
    trials = 4000
    for s in range(trials):
        out = systematic_round(expected, random.Random(s))
        assert sum(out) == 4
        for i, (o, e) in enumerate(zip(out, expected)):
            assert o in (int(e), int(e) + 1)
            sums[i] += o
    for i, e in enumerate(expected):
        # binomial sd of the fractional part over `trials` draws; 5 sd is a generous bound
        frac = e - int(e)
        sd = (frac * (1 - frac) / trials) ** 0.5
        assert abs(sums[i] / trials - e) < 5 * sd + 1e-9


def test_largest_remainder_exact():
    out = largest_remainder([0.5, 0.5, 0.5, 1.5], 3, random.Random(0))
    assert sum(out) == 3 and all(o in (0, 1, 2) for o in out) and out[3] >= 1


def test_temperature_flattens_content_types(targets):
    shares = targets.content_type_shares["Search"]
    assert flatten_shares(shares, 1.0) == pytest.approx(shares)
    hot = flatten_shares(shares, 50.0)
    assert max(hot.values()) - min(hot.values()) < 0.02  # close to uniform over 8 types
    plan1, _ = build_routing_plan(targets, 10000, WEIGHTS, ALL, seed=1, temperature=1.0)
    plan3, ex3 = build_routing_plan(targets, 10000, WEIGHTS, ALL, seed=1, temperature=3.0)

    def per_type(p):
        return dict(p.group_by("content_type").agg(pl.col("n_requests").sum()).iter_rows())

    t1, t3 = per_type(plan1), per_type(plan3)
    assert t3["Design Asset"] > 1.5 * t1["Design Asset"]  # the rarest type gains
    assert t3["Any"] < t1["Any"]  # the commonest loses
    assert ex3["temperature"] == 3.0
    with pytest.raises(ValueError):
        flatten_shares(shares, 0.0)


def test_disabled_routes_get_nothing_and_say_why(targets):
    plan, explain = build_routing_plan(
        targets, 5000, WEIGHTS, {"heuristic"}, seed=1,
        unavailable_reasons={"text_llm": "resource 'text_llm' has no endpoint configured"},
    )
    assert set(plan["route"]) == {"heuristic"}
    assert plan["n_requests"].sum() == 5000  # the heuristic route takes over their share
    assert "no endpoint configured" in explain["disabled_routes"]["text_llm"]
    assert "vision_llm" in explain["disabled_routes"]
    assert explain["requests_per_route"]["text_llm"] == 0
    # a zero weight disables a route that is available, with its own reason
    plan0, ex0 = build_routing_plan(targets, 1000, {**WEIGHTS, "vision_llm": 0.0}, ALL, seed=1)
    assert "vision_llm" not in set(plan0["route"]) and "weight is 0" in ex0["disabled_routes"]["vision_llm"]


def test_no_route_serving_a_cell_is_reported_not_lost_silently(targets):
    plan, explain = build_routing_plan(targets, 1000, {"vision_llm": 1.0}, {"vision_llm"}, seed=1)
    assert set(plan["content_type"]) == {"Template"}
    lost = sum(c["lost"] for c in explain["uncovered_cells"])
    assert lost + plan["n_requests"].sum() == 1000 and lost > 0


def test_acceptance_oversamples_only_the_losing_cells(targets):
    base, _ = build_routing_plan(targets, 8000, WEIGHTS, {"heuristic"}, seed=5)
    acc = base.select("function", "content_type", "length_bucket", "route").with_columns(
        rate=pl.when((pl.col("function") == "Generate") & (pl.col("content_type") == "Photo")).then(0.4).otherwise(1.0)
    )
    plan, explain = build_routing_plan(targets, 8000, WEIGHTS, {"heuristic"}, seed=5, acceptance=acc, overshoot=1.0)
    key = ["function", "content_type", "length_bucket", "route"]
    joined = base.join(plan, on=key, suffix="_fb")
    for fn, ct, b, r, n, n_fb in joined.select(*key, "n_requests", "n_requests_fb").iter_rows():
        if fn == "Generate" and ct == "Photo":
            assert n_fb >= n / 0.4 - 1 and n_fb > n  # ceil(n * overshoot / rate)
        else:
            assert n_fb == n
    assert explain["oversampling"]["applied"]
    # the floor caps a disastrous rate
    acc0 = acc.with_columns(rate=pl.lit(0.0))
    capped, _ = build_routing_plan(targets, 8000, WEIGHTS, {"heuristic"}, seed=5, acceptance=acc0, overshoot=1.0)
    assert capped["n_requests"].sum() <= 8000 / 0.2 + capped.height


def test_same_seed_same_plan_other_seed_may_differ(targets):
    a, _ = build_routing_plan(targets, 3333, WEIGHTS, ALL, seed=11)
    b, _ = build_routing_plan(targets, 3333, WEIGHTS, ALL, seed=11)
    assert a.equals(b)
    others = [build_routing_plan(targets, 3333, WEIGHTS, ALL, seed=s)[0] for s in range(12, 20)]
    assert any(not a.equals(o) for o in others)
    for o in others:
        assert o["n_requests"].sum() == 3333


def test_bad_arguments_fail_clearly(targets):
    with pytest.raises(ValueError, match="unknown routes"):
        build_routing_plan(targets, 10, {"gpt5": 1.0}, ALL, seed=1)
    with pytest.raises(ValueError, match=">= 0"):
        build_routing_plan(targets, -1, WEIGHTS, ALL, seed=1)
    with pytest.raises(ValueError, match="lacks columns"):
        build_routing_plan(targets, 10, WEIGHTS, ALL, seed=1, acceptance=pl.DataFrame({"rate": [0.5]}))
