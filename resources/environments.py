"""Resources by environment: `local` (embedded defaults, no servers) or `production`.

Selected by $RN_ENV, so moving from a laptop to the cluster needs no code edit. Every secret is
an `EnvVar`, resolved by Dagster at run time and never logged. Each resource module owns its keys
through `resources_for(env)`.
"""

from __future__ import annotations

import os
from typing import Any

from resources import knowledge_graph, llm, tracking
from resources.storage import PolarsParquetIOManager

ENVIRONMENTS: tuple[str, ...] = ("local", "production")


def build_resources(env: str | None = None) -> dict[str, Any]:
    env = env or os.environ.get("RN_ENV", "local")
    if env not in ENVIRONMENTS:
        raise ValueError(f"RN_ENV must be one of {ENVIRONMENTS}, got {env!r}")
    out: dict[str, Any] = {"io_manager": PolarsParquetIOManager(base_dir=os.environ.get("RN_HOME", ""))}
    for module in (knowledge_graph, llm, tracking):
        out.update(module.resources_for(env))
    return out
