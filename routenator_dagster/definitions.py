"""The Dagster code location: every asset, check, job, schedule, sensor and resource."""

from __future__ import annotations

import os

import dagster as dg

from assets import automation, baselines, evaluation, filtering, generation, knowledge, quality, training
from assets.k8s_tags import executor_for
from resources.environments import build_resources

_ASSET_MODULES = [knowledge, generation, baselines, filtering, quality, training, evaluation]


def build_definitions(env: str | None = None) -> dg.Definitions:
    env = env or os.environ.get("RN_ENV", "local")
    return dg.Definitions(
        assets=dg.load_assets_from_modules(_ASSET_MODULES),
        asset_checks=dg.load_asset_checks_from_modules(_ASSET_MODULES),
        jobs=automation.JOBS,
        schedules=automation.SCHEDULES,
        sensors=automation.SENSORS,
        resources=build_resources(env),
        executor=executor_for(env),
    )


defs = build_definitions()
