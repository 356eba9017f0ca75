"""Population targets: load, validate and query the file in seed_data/population_targets.yaml."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from routenator_dagster.kg_files import MAX_FIELD_ENV, decode_utf8, max_field_chars
from routenator_dagster.labels import CONTENT_TYPES, FUNCTIONS
from routenator_dagster.paths import SEED_DIR

DEFAULT_TARGETS_PATH = SEED_DIR / "population_targets.yaml"
# Published shares are rounded (Table 5 sums to 0.999); anything within this is renormalized.
_SUM_TOL = 5e-3
POSITIONS: tuple[str, ...] = ("start", "middle", "end")
DEFAULT_BINS: dict[str, list[float]] = {"start": [0.0, 0.2], "middle": [0.2, 0.8], "end": [0.8, 1.0]}


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


def _number(value: Any, where: str) -> float:
    """A finite number (YAML int or float, not a bool or a string), or a TargetsError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TargetsError(f"{where}: expected a number, got {value!r}")
    return float(value)


def _whole(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TargetsError(f"{where}: expected a whole number, got {value!r}")
    return value


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TargetsError(f"{where}: expected a mapping, got {type(value).__name__} {value!r}"[:300])
    return value


def _shares(raw: Any, where: str, allowed: tuple[str, ...]) -> dict[str, float]:
    if not isinstance(raw, dict) or not raw:
        raise TargetsError(f"{where}: expected a non-empty mapping of name to share")
    out: dict[str, float] = {}
    for k, v in raw.items():
        if k not in allowed:
            raise TargetsError(f"{where}.{k}: unknown name; expected one of {list(allowed)}")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise TargetsError(f"{where}.{k}: share must be a number >= 0, got {v!r}")
        out[k] = float(v)
    total = sum(out.values())
    if abs(total - 1.0) > _SUM_TOL:
        raise TargetsError(f"{where}: shares must sum to 1, they sum to {total:.4f}")
    return {k: v / total for k, v in out.items()}


def _check_sizes(value: Any, source: str, limit: int, path: str = "") -> None:
    # A megabyte provenance string would land in every run's metadata: bound them like file fields.
    if isinstance(value, str) and len(value) > limit:
        raise TargetsError(f"{source}: {path or '(top level)'}: {len(value):,} characters, over the limit of "
                           f"{limit:,} ({MAX_FIELD_ENV})")
    if isinstance(value, dict):
        for k, v in value.items():
            key = f"{path}.{k}" if path else str(k)
            if len(str(k)) > limit:
                raise TargetsError(f"{source}: a key of {len(str(k)):,} characters under {path or '(top level)'}, "
                                   f"over the limit of {limit:,} ({MAX_FIELD_ENV})")
            _check_sizes(v, source, limit, key)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_sizes(v, source, limit, f"{path}[{i}]")


def parse_targets(raw: dict[str, Any], source: str = "<dict>", max_chars: int | None = None) -> PopulationTargets:
    """Validate a targets mapping; every error names ``source`` and the key path."""
    _mapping(raw, f"{source}: targets")
    _check_sizes(raw, source, max_field_chars(max_chars))

    def need(d: Any, key: str, where: str) -> Any:
        if not isinstance(d, dict):
            raise TargetsError(f"{source}: {where.rstrip('.') or 'targets'}: expected a mapping, got {d!r}"[:300])
        if key not in d:
            raise TargetsError(f"{source}: missing field {where}{key}")
        return d[key]

    prov: dict[str, str] = {}
    fs = _mapping(need(raw, "function_split", ""), f"{source}: function_split")
    prov["function_split"] = str(fs.get("provenance", ""))
    function_shares = _shares(need(fs, "shares", "function_split."), f"{source}: function_split.shares", FUNCTIONS)

    cts = _mapping(need(raw, "content_type_shares", ""), f"{source}: content_type_shares")
    prov["content_type_shares"] = str(cts.get("provenance", ""))
    default = _shares(need(cts, "default", "content_type_shares."), f"{source}: content_type_shares.default", CONTENT_TYPES)
    per_fn_raw = _mapping(cts.get("per_function") or {}, f"{source}: content_type_shares.per_function")
    for fn in per_fn_raw:
        if fn not in FUNCTIONS:
            raise TargetsError(f"{source}: content_type_shares.per_function.{fn}: unknown function; "
                               f"expected one of {list(FUNCTIONS)}")
    ct_shares: dict[str, dict[str, float]] = {}
    for fn in FUNCTIONS:
        if fn in per_fn_raw:
            ct_shares[fn] = _shares(per_fn_raw[fn], f"{source}: content_type_shares.per_function.{fn}", CONTENT_TYPES)
        else:
            ct_shares[fn] = dict(default)

    lb = _mapping(need(raw, "length_buckets", ""), f"{source}: length_buckets")
    prov["length_buckets"] = str(lb.get("provenance", ""))
    buckets: dict[str, tuple[LengthBucket, ...]] = {}
    for fn in FUNCTIONS:
        rows = need(lb, fn, "length_buckets.")
        if not isinstance(rows, list) or not rows:
            raise TargetsError(f"{source}: length_buckets.{fn}: expected a non-empty list")
        parsed = []
        for i, r in enumerate(rows):
            where = f"{source}: length_buckets.{fn}[{i}]"
            if not isinstance(r, dict) or not {"name", "min_words", "max_words", "share"} <= set(r):
                raise TargetsError(f"{where}: needs name, min_words, max_words, share; got {r!r}"[:300])
            b = LengthBucket(str(r["name"]), _whole(r["min_words"], f"{where}.min_words"),
                             _whole(r["max_words"], f"{where}.max_words"), _number(r["share"], f"{where}.share"))
            if b.min_words < 1 or b.max_words < b.min_words:
                raise TargetsError(f"{where}: need 1 <= min_words <= max_words, got {b.min_words}..{b.max_words}")
            if b.share < 0:
                raise TargetsError(f"{where}.share: must be >= 0, got {b.share}")
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

    kp = _mapping(need(raw, "keyword_positions", ""), f"{source}: keyword_positions")
    prov["keyword_positions"] = str(kp.get("provenance", ""))
    presence = _number(need(kp, "presence", "keyword_positions."), f"{source}: keyword_positions.presence")
    if not 0 <= presence <= 1:
        raise TargetsError(f"{source}: keyword_positions.presence must be in [0, 1], got {presence}")
    positions = _shares(need(kp, "positions", "keyword_positions."), f"{source}: keyword_positions.positions", POSITIONS)
    bins_raw = _mapping(kp.get("bins") or DEFAULT_BINS, f"{source}: keyword_positions.bins")
    bins: dict[str, tuple[float, float]] = {}
    for k, v in bins_raw.items():
        where = f"{source}: keyword_positions.bins.{k}"
        if k not in POSITIONS:
            raise TargetsError(f"{where}: unknown position; expected one of {list(POSITIONS)}")
        if not isinstance(v, list) or len(v) != 2:
            raise TargetsError(f"{where}: expected [low, high], got {v!r}")
        lo, hi = _number(v[0], f"{where}[0]"), _number(v[1], f"{where}[1]")
        if not 0 <= lo < hi <= 1:
            raise TargetsError(f"{where}: need 0 <= low < high <= 1, got [{lo}, {hi}]")
        bins[k] = (lo, hi)
    missing_bins = [k for k in positions if k not in bins]
    if missing_bins:
        raise TargetsError(f"{source}: keyword_positions.bins: no bin for position(s) {missing_bins}")

    ref = _mapping(raw.get("reference_sample") or {}, f"{source}: reference_sample")
    prov["reference_sample"] = str(ref.get("provenance", ""))
    reference = {k: _number(v, f"{source}: reference_sample.{k}") for k, v in ref.items() if k != "provenance"}

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


def read_targets_file(path: str | Path | None = None, max_chars: int | None = None) -> dict[str, Any]:
    """The raw targets mapping from a YAML file (the shipped default when ``path`` is None).

    Errors name the file: not found, not UTF-8 (with byte offset and line), not YAML (with line
    and column), not a mapping, or a field over ``max_chars``."""
    p = Path(path) if path else DEFAULT_TARGETS_PATH
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise TargetsError(f"{p}: targets file not found") from None
    except OSError as exc:
        raise TargetsError(f"{p}: cannot read ({exc.strerror})") from None
    text = decode_utf8(data, str(p), TargetsError)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TargetsError(f"{p}: not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(raw, dict):
        raise TargetsError(f"{p}: empty or not a mapping")
    _check_sizes(raw, str(p), max_field_chars(max_chars))
    return raw


def load_targets(path: str | Path | None = None, max_chars: int | None = None) -> PopulationTargets:
    """Read and validate a targets YAML file (the shipped default when ``path`` is None)."""
    p = Path(path) if path else DEFAULT_TARGETS_PATH
    return parse_targets(read_targets_file(p, max_chars), source=str(p), max_chars=max_chars)
