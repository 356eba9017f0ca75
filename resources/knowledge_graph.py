"""Resources: knowledge_graph."""

from __future__ import annotations

from typing import Any


def resources_for(env: str) -> dict[str, Any]:
    """Resource instances for `env` ("local" or "production"), keyed by resource key."""
    return {}
