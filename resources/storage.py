"""Local parquet storage for asset values under RN_HOME (object storage in production via fsspec paths).

We write our own IO manager instead of dagster-polars: dagster-polars 0.27 breaks on polars 2
(`scan_parquet(rechunk=...)`) and this one is small enough to own. Tables go to parquet, plain
Python values (dicts, lists) to JSON, one file per asset partition.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from routenator_dagster.paths import rn_home


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
        partition = context.partition_key if context.has_asset_partitions else None
        if isinstance(obj, pl.DataFrame):
            path = self._path(context.asset_key, partition, ".parquet")
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".parquet.tmp")
            obj.write_parquet(tmp)
            os.replace(tmp, path)  # readers never see a half-written file
            context.add_output_metadata({"path": dg.MetadataValue.path(str(path)), "rows": len(obj)})
            return
        if isinstance(obj, dict) and obj and all(isinstance(v, pl.DataFrame) for v in obj.values()):
            folder = self._path(context.asset_key, partition, ".tables")
            folder.mkdir(parents=True, exist_ok=True)
            for name, frame in obj.items():
                tmp = folder / f"{name}.parquet.tmp"
                frame.write_parquet(tmp)
                os.replace(tmp, folder / f"{name}.parquet")
            context.add_output_metadata({"path": dg.MetadataValue.path(str(folder))})
            return
        path = self._path(context.asset_key, partition, ".json")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(obj, indent=1, sort_keys=True, default=str), encoding="utf-8")
        os.replace(tmp, path)
        context.add_output_metadata({"path": dg.MetadataValue.path(str(path))})

    def _load_one(self, asset_key: dg.AssetKey, partition: str | None) -> Any:
        pq = self._path(asset_key, partition, ".parquet")
        if pq.exists():
            return pl.read_parquet(pq)
        tables = self._path(asset_key, partition, ".tables")
        if tables.is_dir():
            return {f.stem: pl.read_parquet(f) for f in sorted(tables.glob("*.parquet"))}
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
