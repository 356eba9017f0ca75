"""Paired significance tests between two predictors on the same items."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

EXACT_BELOW = 25  # discordant pairs below this use the exact binomial test (as statsmodels advises)


@dataclass(frozen=True)
class McNemarResult:
    b: int  # items only A got right
    c: int  # items only B got right
    statistic: float
    pvalue: float
    method: str  # "exact binomial" or "chi-square with continuity correction"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def mcnemar(correct_a: list[bool], correct_b: list[bool], exact: bool | None = None) -> McNemarResult:
    """McNemar's test on per-item correctness; exact binomial when discordant pairs are few."""
    if len(correct_a) != len(correct_b):
        raise ValueError("both predictors must be scored on the same items")
    a = np.asarray(correct_a, dtype=bool)
    bb = np.asarray(correct_b, dtype=bool)
    b = int(np.sum(a & ~bb))
    c = int(np.sum(~a & bb))
    use_exact = (b + c) < EXACT_BELOW if exact is None else exact
    if b + c == 0:
        return McNemarResult(b, c, 0.0, 1.0, "exact binomial" if use_exact else "chi-square with continuity correction")
    if use_exact:
        stat = float(min(b, c))
        p = float(min(1.0, 2 * stats.binom.cdf(min(b, c), b + c, 0.5)))
        return McNemarResult(b, c, stat, p, "exact binomial")
    stat = (abs(b - c) - 1) ** 2 / (b + c)
    p = float(stats.chi2.sf(stat, 1))
    return McNemarResult(b, c, float(stat), p, "chi-square with continuity correction")


@dataclass(frozen=True)
class PairedTResult:
    mean_difference: float
    statistic: float
    pvalue: float
    n: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def paired_t(values_a: list[float], values_b: list[float]) -> PairedTResult:
    """Paired t-test (two-sided) of A - B; identical samples give t=0, p=1."""
    if len(values_a) != len(values_b):
        raise ValueError("both predictors must be scored on the same items")
    a, b = np.asarray(values_a, dtype=float), np.asarray(values_b, dtype=float)
    n = len(a)
    d = a - b
    if n < 2:
        return PairedTResult(float(d.mean()) if n else 0.0, 0.0, 1.0, n)
    sd = d.std(ddof=1)
    if sd == 0:
        mean = float(d.mean())
        return PairedTResult(mean, 0.0 if mean == 0 else float(np.sign(mean) * np.inf), 1.0 if mean == 0 else 0.0, n)
    t = float(d.mean() / (sd / np.sqrt(n)))
    p = float(2 * stats.t.sf(abs(t), n - 1))
    return PairedTResult(float(d.mean()), t, p, n)
