"""Resources: experiment tracking with Weights & Biases (offline by default).

Online mode needs WANDB_API_KEY, which reaches wandb through the environment only: it is read via
`dg.EnvVar`, never logged, never put in metadata or in the run config.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import dagster as dg
from pydantic import Field

from routenator_dagster.paths import rn_home

log = logging.getLogger(__name__)
MODES: tuple[str, ...] = ("offline", "online", "disabled")


class NoOpRun:
    """Stands in for a wandb run when tracking is disabled or wandb cannot start."""

    def log(self, data: dict[str, Any], step: int | None = None) -> None:
        return None

    def finish(self) -> None:
        return None


class WandbResource(dg.ConfigurableResource):
    """W&B runs for training and evaluation; files go under rn_home()/wandb."""

    project: str = Field(default="routenator")
    entity: str | None = Field(default=None)
    mode: str = Field(default="offline", description="offline (default), online (needs api_key) or disabled")
    api_key: str | None = Field(default=None, description="pass dg.EnvVar('WANDB_API_KEY'); online mode only")
    home: str | None = Field(default=None, description="RN_HOME override; files go under <home>/wandb")

    def effective_mode(self) -> str:
        if self.mode not in MODES:
            raise ValueError(f"wandb mode must be one of {MODES}, got {self.mode!r}")
        if self.mode == "online" and not self.api_key:
            log.warning("wandb mode is online but no WANDB_API_KEY is set: running offline")
            return "offline"
        return self.mode

    def start_run(self, name: str, config: dict[str, Any] | None = None) -> Any:
        """A wandb run (offline/online) or a no-op logger when disabled or wandb cannot start."""
        mode = self.effective_mode()
        if mode == "disabled":
            return NoOpRun()
        folder = rn_home(self.home) / "wandb"
        folder.mkdir(parents=True, exist_ok=True)
        try:
            import wandb

            env = {"WANDB_SILENT": "true", "WANDB_DIR": str(folder)}
            if mode == "online" and self.api_key:
                env["WANDB_API_KEY"] = self.api_key  # handed to wandb only, through its environment
            os.environ.update(env)
            return wandb.init(
                project=self.project,
                entity=self.entity,
                name=name,
                config=config or {},
                mode=mode,
                dir=str(folder),
                reinit="finish_previous",
            )
        except Exception as exc:  # tracking must never fail a training run
            log.warning("wandb could not start (%s); metrics go to the Dagster metadata only", type(exc).__name__)
            return NoOpRun()


def resources_for(env: str) -> dict[str, Any]:
    """Resource instances for `env` ("local" or "production"), keyed by resource key."""
    has_key = bool(os.environ.get("WANDB_API_KEY"))
    if env == "production":
        return {
            "wandb": WandbResource(
                project=os.environ.get("WANDB_PROJECT", "routenator"),
                entity=os.environ.get("WANDB_ENTITY") or None,
                mode="online" if has_key else "offline",
                api_key=dg.EnvVar("WANDB_API_KEY") if has_key else None,
            )
        }
    return {"wandb": WandbResource(mode=os.environ.get("WANDB_MODE", "offline") if os.environ.get("WANDB_MODE") in MODES else "offline")}
