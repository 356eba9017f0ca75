"""Population targets: load, validate and query the file in seed_data/population_targets.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from routenator_dagster.labels import CONTENT_TYPES, FUNCTIONS
from routenator_dagster.paths import SEED_DIR

DEFAULT_TARGETS_PATH = SEED_DIR / "population_targets.yaml"
# Published shares are rounded (Table 5 sums to 0.999); anything within this is renormalized.
_SUM_TOL = 5e-3


class TargetsError(ValueError):
    """The targets file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class LengthBucket:
    name: str
    min_words: int
    max_words: int
    share: float

    def contains(self, n_words: int) -> bool:
        return self.min_words <= n_words <= self.max_words


@dataclass(frozen=True)
class PopulationTargets:
    function_shares: dict[str, float]
    content_type_shares: dict[str, dict[str, float]]  # function -> content type -> share
    length_buckets: dict[str, tuple[LengthBucket, ...]]  # function -> buckets
    keyword_presence: float
    keyword_positions: dict[str, float]
    keyword_bins: dict[str, tuple[float, float]]
    reference: dict[str, float]
    provenance: dict[str, str] = field(default_factory=dict)
    source: str = ""

    def max_words(self, function: str) -> int:
        return max(b.max_words for b in self.length_buckets[function])

    def bucket_for(self, function: str, n_words: int) -> str | None:
        for b in self.length_buckets[function]:
            if b.contains(n_words):
                return b.name
        return None

    def cell_shares(self) -> dict[tuple[str, str, str], float]:
        """Joint target share of every (function, content type, length bucket) cell."""
        out: dict[tuple[str, str, str], float] = {}
        for fn, p_fn in self.function_shares.items():
            for ct, p_ct in self.content_type_shares[fn].items():
                for b in self.length_buckets[fn]:
                    out[(fn, ct, b.name)] = p_fn * p_ct * b.share
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "function_shares": self.function_shares,
            "content_type_shares": self.content_type_shares,
            "length_buckets": {
                fn: [b.__dict__ for b in bs] for fn, bs in self.length_buckets.items()
            },
            "keyword_presence": self.keyword_presence,
            "keyword_positions": self.keyword_positions,
            "keyword_bins": {k: list(v) for k, v in self.keyword_bins.items()},
            "reference": self.reference,
            "provenance": self.provenance,
            "source": self.source,
        }


def _shares(raw: Any, where: str, allowed: tuple[str, ...]) -> dict[str, float]:
    if not isinstance(raw, dict) or not raw:
        raise TargetsError(f"{where}: expected a non-empty mapping of name to share")
    out: dict[str, float] = {}
    for k, v in raw.items():
        if k not in allowed:
            raise TargetsError(f"{where}.{k}: unknown name; expected one of {list(allowed)}")
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
            raise TargetsError(f"{where}.{k}: share must be a number >= 0, got {v!r}")
        out[k] = float(v)
    total = sum(out.values())
    if abs(total - 1.0) > _SUM_TOL:
        raise TargetsError(f"{where}: shares must sum to 1, they sum to {total:.4f}")
    return {k: v / total for k, v in out.items()}


def parse_targets(raw: dict[str, Any], source: str = "<dict>") -> PopulationTargets:
    def need(d: Any, key: str, where: str) -> Any:
        if not isinstance(d, dict) or key not in d:
            raise TargetsError(f"{source}: missing field {where}{key}")
        return d[key]

    prov: dict[str, str] = {}
    fs = need(raw, "function_split", "")
    prov["function_split"] = str(fs.get("provenance", ""))
    function_shares = _shares(need(fs, "shares", "function_split."), f"{source}: function_split.shares", FUNCTIONS)

    cts = need(raw, "content_type_shares", "")
    prov["content_type_shares"] = str(cts.get("provenance", ""))
    default = _shares(need(cts, "default", "content_type_shares."), f"{source}: content_type_shares.default", CONTENT_TYPES)
    per_fn_raw = cts.get("per_function") or {}
    ct_shares: dict[str, dict[str, float]] = {}
    for fn in FUNCTIONS:
        if fn in per_fn_raw:
            ct_shares[fn] = _shares(per_fn_raw[fn], f"{source}: content_type_shares.per_function.{fn}", CONTENT_TYPES)
        else:
            ct_shares[fn] = dict(default)

    lb = need(raw, "length_buckets", "")
    prov["length_buckets"] = str(lb.get("provenance", ""))
    buckets: dict[str, tuple[LengthBucket, ...]] = {}
    for fn in FUNCTIONS:
        rows = need(lb, fn, "length_buckets.")
        if not isinstance(rows, list) or not rows:
            raise TargetsError(f"{source}: length_buckets.{fn}: expected a non-empty list")
        parsed = []
        for i, r in enumerate(rows):
            where = f"{source}: length_buckets.{fn}[{i}]"
            try:
                b = LengthBucket(str(r["name"]), int(r["min_words"]), int(r["max_words"]), float(r["share"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise TargetsError(f"{where}: needs name, min_words, max_words, share ({exc})") from None
            if b.min_words < 1 or b.max_words < b.min_words or b.share < 0:
                raise TargetsError(f"{where}: need 1 <= min_words <= max_words and share >= 0")
            parsed.append(b)
        parsed.sort(key=lambda b: b.min_words)
        for a, b in zip(parsed, parsed[1:]):
            if b.min_words <= a.max_words:
                raise TargetsError(f"{source}: length_buckets.{fn}: buckets {a.name} and {b.name} overlap")
        total = sum(b.share for b in parsed)
        if abs(total - 1.0) > _SUM_TOL:
            raise TargetsError(f"{source}: length_buckets.{fn}: shares sum to {total:.4f}, not 1")
        if len({b.name for b in parsed}) != len(parsed):
            raise TargetsError(f"{source}: length_buckets.{fn}: bucket names repeat")
        buckets[fn] = tuple(LengthBucket(b.name, b.min_words, b.max_words, b.share / total) for b in parsed)

    kp = need(raw, "keyword_positions", "")
    prov["keyword_positions"] = str(kp.get("provenance", ""))
    presence = float(need(kp, "presence", "keyword_positions."))
    if not 0 <= presence <= 1:
        raise TargetsError(f"{source}: keyword_positions.presence must be in [0, 1]")
    positions = _shares(need(kp, "positions", "keyword_positions."), f"{source}: keyword_positions.positions", ("start", "middle", "end"))
    bins_raw = kp.get("bins") or {"start": [0.0, 0.2], "middle": [0.2, 0.8], "end": [0.8, 1.0]}
    bins = {k: (float(v[0]), float(v[1])) for k, v in bins_raw.items()}

    ref = raw.get("reference_sample") or {}
    prov["reference_sample"] = str(ref.get("provenance", ""))
    reference = {k: float(v) for k, v in ref.items() if k != "provenance"}

    return PopulationTargets(
        function_shares=function_shares,
        content_type_shares=ct_shares,
        length_buckets=buckets,
        keyword_presence=presence,
        keyword_positions=positions,
        keyword_bins=bins,
        reference=reference,
        provenance=prov,
        source=source,
    )


def load_targets(path: str | Path | None = None) -> PopulationTargets:
    """Read and validate a targets YAML file (the shipped default when ``path`` is None)."""
    p = Path(path) if path else DEFAULT_TARGETS_PATH
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TargetsError(f"{p}: targets file not found") from None
    except UnicodeDecodeError as exc:
        raise TargetsError(f"{p}: not UTF-8 ({exc})") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TargetsError(f"{p}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise TargetsError(f"{p}: empty or not a mapping")
    return parse_targets(raw, source=str(p))
