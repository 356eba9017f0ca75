"""The heuristic route's own targets (seed_data/heuristic_targets.yaml): word-count shape per
function, the minority function's least share per length range, and surface-variation rates.

Read once per process; a malformed file fails with the file and field named.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import random
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from routenator_dagster.paths import SEED_DIR

DEFAULT_PATH = SEED_DIR / "heuristic_targets.yaml"
SURFACE_KEYS = ("typo", "slang", "emoji", "question", "foreign_greeting", "all_lowercase")


class HeuristicTargetsError(ValueError):
    """The heuristic targets file is missing a field or holds a bad value."""


@dataclass(frozen=True)
class HeuristicTargets:
    word_counts: dict[str, dict[int, float]]  # function -> words -> relative weight
    minority_bins: tuple[tuple[int, int], ...]
    minority_share: float
    surface: dict[str, float]
    _cums: dict = field(default_factory=dict, compare=False, repr=False)

    def length_share(self, function: str, lo: int, hi: int) -> float:
        """Share of ``function``'s rows the curve puts at lo..hi words."""
        wc = self.word_counts[function]
        total = sum(wc.values())
        return sum(w for n, w in wc.items() if lo <= n <= hi) / total

    def _cum(self, function: str, lo: int, hi: int) -> tuple[tuple[int, ...], tuple[float, ...]]:
        key = (function, lo, hi)
        if key in self._cums:
            return self._cums[key]
        wc = self.word_counts.get(function, {})
        ns = tuple(n for n in range(lo, hi + 1) if wc.get(n, 0) > 0) or tuple(range(lo, hi + 1))
        ws = [wc.get(n, 0) or 1.0 for n in ns]
        self._cums[key] = out = (ns, tuple(itertools.accumulate(ws)))
        return out

    def pick_length(self, rng: random.Random, function: str, lo: int, hi: int) -> int:
        """A word count in lo..hi drawn along the function's curve."""
        ns, cum = self._cum(function, lo, hi)
        return ns[bisect.bisect_right(cum, rng.random() * cum[-1])] if len(ns) > 1 else ns[0]


def _num(v: object, where: str, lo: float = 0.0, hi: float | None = None) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v < lo or (hi is not None and v > hi):
        raise HeuristicTargetsError(f"{where}: expected a number in [{lo}, {hi if hi is not None else 'inf'}], got {v!r}")
    return float(v)


def parse(raw: dict, source: str = "<dict>") -> HeuristicTargets:
    """HeuristicTargets from the YAML mapping; errors name ``source`` and the field."""
    if not isinstance(raw, dict):
        raise HeuristicTargetsError(f"{source}: expected a mapping")
    wc_raw = raw.get("word_counts")
    if not isinstance(wc_raw, dict) or not wc_raw:
        raise HeuristicTargetsError(f"{source}: word_counts: expected a mapping of function to {{words: weight}}")
    word_counts: dict[str, dict[int, float]] = {}
    for fn, curve in wc_raw.items():
        if not isinstance(curve, dict) or not curve:
            raise HeuristicTargetsError(f"{source}: word_counts.{fn}: expected a non-empty mapping")
        out: dict[int, float] = {}
        for n, w in curve.items():
            if not isinstance(n, int) or n < 1:
                raise HeuristicTargetsError(f"{source}: word_counts.{fn}.{n}: word counts are integers >= 1")
            out[n] = _num(w, f"{source}: word_counts.{fn}.{n}")
        word_counts[str(fn)] = out
    mino = raw.get("minority") or {}
    bins = []
    for i, b in enumerate(mino.get("bins") or []):
        if not (isinstance(b, list) and len(b) == 2 and all(isinstance(x, int) for x in b) and 1 <= b[0] <= b[1]):
            raise HeuristicTargetsError(f"{source}: minority.bins[{i}]: expected [min_words, max_words], got {b!r}")
        bins.append((b[0], b[1]))
    share = _num(mino.get("min_share", 0.15), f"{source}: minority.min_share", 0.0, 0.5)
    surf_raw = raw.get("surface") or {}
    surface = {}
    for k in SURFACE_KEYS:
        surface[k] = _num(surf_raw.get(k, 0.0), f"{source}: surface.{k}", 0.0, 1.0)
    unknown = set(surf_raw) - set(SURFACE_KEYS)
    if unknown:
        raise HeuristicTargetsError(f"{source}: surface: unknown keys {sorted(unknown)}; expected {list(SURFACE_KEYS)}")
    return HeuristicTargets(word_counts, tuple(bins), share, surface)


@functools.lru_cache(maxsize=4)
def load(path: str | Path | None = None) -> HeuristicTargets:
    """The targets file (default: the shipped one)."""
    p = Path(path) if path else DEFAULT_PATH
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HeuristicTargetsError(f"{p}: heuristic targets file not found") from None
    except yaml.YAMLError as exc:
        raise HeuristicTargetsError(f"{p}: not valid YAML: {exc}") from None
    return parse(raw, str(p))
