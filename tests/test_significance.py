"""McNemar and the paired t-test agree with statsmodels and scipy on known inputs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ttest_rel
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar

from routenator_dagster.evaluation.significance import mcnemar, paired_t


def _table(a: list[bool], b: list[bool]) -> list[list[int]]:
    a_, b_ = np.array(a), np.array(b)
    return [[int(np.sum(a_ & b_)), int(np.sum(a_ & ~b_))], [int(np.sum(~a_ & b_)), int(np.sum(~a_ & ~b_))]]


def _pairs(both: int, only_a: int, only_b: int, neither: int) -> tuple[list[bool], list[bool]]:
    a = [True] * both + [True] * only_a + [False] * only_b + [False] * neither
    b = [True] * both + [False] * only_a + [True] * only_b + [False] * neither
    return a, b


@pytest.mark.parametrize("counts", [(50, 3, 9, 10), (10, 0, 6, 4), (20, 5, 5, 3)])
def test_exact_mcnemar_matches_statsmodels(counts: tuple[int, int, int, int]) -> None:
    a, b = _pairs(*counts)
    ours = mcnemar(a, b)
    ref = sm_mcnemar(_table(a, b), exact=True)
    assert ours.method == "exact binomial"
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    assert ours.statistic == pytest.approx(ref.statistic)
    assert (ours.b, ours.c) == (counts[1], counts[2])


@pytest.mark.parametrize("counts", [(100, 30, 12, 20), (40, 20, 20, 5), (5, 60, 35, 1)])
def test_chi_square_mcnemar_matches_statsmodels(counts: tuple[int, int, int, int]) -> None:
    a, b = _pairs(*counts)
    ours = mcnemar(a, b)
    ref = sm_mcnemar(_table(a, b), exact=False, correction=True)
    assert ours.method == "chi-square with continuity correction"
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    assert ours.statistic == pytest.approx(ref.statistic, rel=1e-9)


def test_mcnemar_without_discordant_pairs() -> None:
    r = mcnemar([True, False], [True, False])
    assert r.pvalue == 1.0 and r.b == r.c == 0
    with pytest.raises(ValueError):
        mcnemar([True], [True, False])


def test_paired_t_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    a = rng.uniform(0.5, 1.0, 80)
    b = np.clip(a - rng.normal(0.05, 0.1, 80), 0, 1)
    ours = paired_t(list(a), list(b))
    ref = ttest_rel(a, b)
    assert ours.statistic == pytest.approx(ref.statistic, rel=1e-9)
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    assert ours.mean_difference == pytest.approx(float(np.mean(a - b)))
    assert ours.pvalue < 0.05


def test_paired_t_identical_samples() -> None:
    r = paired_t([0.3, 0.5, 0.9], [0.3, 0.5, 0.9])
    assert r.statistic == 0.0 and r.pvalue == 1.0
