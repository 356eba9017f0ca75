"""Where RouteNator keeps its files: one home folder (RN_HOME), local by default."""

from __future__ import annotations

import os
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent / "seed_data"


def rn_home(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The home folder: the argument, else $RN_HOME, else ./.routenator."""
    raw = explicit or os.environ.get("RN_HOME") or ".routenator"
    home = Path(raw).expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home
