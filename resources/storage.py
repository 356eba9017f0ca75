"""Local parquet storage for asset values under RN_HOME (object storage in production via fsspec paths).

We write our own IO manager instead of dagster-polars: dagster-polars 0.27 breaks on polars 2
(`scan_parquet(rechunk=...)`) and this one is small enough to own. Tables go to parquet, plain
Python values (dicts, lists) to JSON, one file per asset partition.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from routenator_dagster.atomic import write_json_atomic, write_parquet_atomic
from routenator_dagster.paths import rn_home


def _read_whole(path: Path) -> pl.DataFrame:
    """Read through one open file: a writer replacing it meanwhile cannot mix two versions."""
    with open(path, "rb") as fh:
        return pl.read_parquet(fh.read())


def _safe(part: str) -> str:
    return part.replace("/", "_").replace("|", "__")


class PolarsParquetIOManager(dg.ConfigurableIOManager):
    """Stores DataFrames as parquet and JSON-able values as JSON under ``base_dir``."""

    base_dir: str = ""

    def _root(self) -> Path:
        return rn_home(self.base_dir or None) / "assets"

    def _path(self, asset_key: dg.AssetKey, partition: str | None, suffix: str) -> Path:
        folder = self._root().joinpath(*asset_key.path)
        name = _safe(partition) if partition is not None else "data"
        return folder / f"{name}{suffix}"

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if obj is None:
            return
        if not context.has_asset_partitions:
            self._write(context, None, obj)
            return
        keys = context.asset_partition_keys
        if len(keys) == 1:
            self._write(context, keys[0], obj)
            return
        # A run over a partition range hands over one value per partition key.
        if not isinstance(obj, dict) or set(map(str, obj)) != set(keys):
            raise TypeError(
                f"asset {context.asset_key.to_user_string()} ran over {len(keys)} partitions and must return "
                f"a dict keyed by partition key; got {type(obj).__name__}"
            )
        for key, value in obj.items():
            self._write(context, str(key), value, with_metadata=False)
        context.add_output_metadata({"path": dg.MetadataValue.path(str(self._root().joinpath(*context.asset_key.path)))})

    def _write(self, context: dg.OutputContext, partition: str | None, obj: Any, with_metadata: bool = True) -> None:
        if isinstance(obj, pl.DataFrame):
            path = write_parquet_atomic(self._path(context.asset_key, partition, ".parquet"), obj)
            meta: dict[str, Any] = {"path": dg.MetadataValue.path(str(path)), "rows": len(obj)}
        elif isinstance(obj, dict) and obj and all(isinstance(v, pl.DataFrame) for v in obj.values()):
            folder = self._path(context.asset_key, partition, ".tables")
            for name, frame in obj.items():
                write_parquet_atomic(folder / f"{name}.parquet", frame)
            meta = {"path": dg.MetadataValue.path(str(folder))}
        else:
            path = write_json_atomic(self._path(context.asset_key, partition, ".json"), obj)
            meta = {"path": dg.MetadataValue.path(str(path))}
        if with_metadata:
            context.add_output_metadata(meta)

    def _load_one(self, asset_key: dg.AssetKey, partition: str | None) -> Any:
        pq = self._path(asset_key, partition, ".parquet")
        if pq.exists():
            return _read_whole(pq)
        tables = self._path(asset_key, partition, ".tables")
        if tables.is_dir():
            return {f.stem: _read_whole(f) for f in sorted(tables.glob("*.parquet"))}
        js = self._path(asset_key, partition, ".json")
        if js.exists():
            return json.loads(js.read_text(encoding="utf-8"))
        where = f" partition {partition!r}" if partition else ""
        raise FileNotFoundError(
            f"asset {asset_key.to_user_string()}{where} has not been materialized under {self._root()} "
            f"(looked for {pq.name} / {js.name}); materialize it first"
        )

    def load_input(self, context: dg.InputContext) -> Any:
        key = context.asset_key
        if context.has_asset_partitions:
            keys = context.asset_partition_keys
            downstream_partitioned = context.has_partition_key
            if len(keys) == 1 and downstream_partitioned:
                return self._load_one(key, keys[0])
            return {k: self._load_one(key, k) for k in keys}
        return self._load_one(key, None)
