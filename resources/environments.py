"""Resources by environment: `local` (embedded defaults, no servers) or `production`.

Selected by $RN_ENV, so moving from a laptop to the cluster needs no code edit. Every secret is
an `EnvVar`, resolved by Dagster at run time and never logged.
"""

from __future__ import annotations

import os
from typing import Any

from resources.storage import PolarsParquetIOManager


def build_resources(env: str | None = None) -> dict[str, Any]:
    env = env or os.environ.get("RN_ENV", "local")
    if env not in ("local", "production"):
        raise ValueError(f"RN_ENV must be 'local' or 'production', got {env!r}")
    out: dict[str, Any] = {"io_manager": PolarsParquetIOManager()}
    return out
