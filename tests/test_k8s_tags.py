"""The step pods dagster-k8s builds from our tags and executor config, through its own functions."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import dagster as dg
import pytest
from dagster._config import process_config
from dagster_k8s import k8s_job_executor
from dagster_k8s.container_context import K8sContainerContext
from dagster_k8s.job import UserDefinedDagsterK8sConfig, construct_dagster_k8s_job, get_user_defined_k8s_config

from assets import k8s_tags
from assets.k8s_tags import (
    CPU_LARGE_TAGS,
    CPU_SMALL_TAGS,
    GPU_GENERATION_TAGS,
    GPU_TRAINING_TAGS,
    LLM_CONCURRENCY_TAGS,
    PRODUCTION_EXECUTOR_CONFIG,
    executor_for,
)


def _step_job(op_tags: dict[str, Any]) -> Any:
    """The V1Job the k8s_job_executor would launch for a step carrying `op_tags`."""

    @dg.asset(op_tags=op_tags)
    def step() -> None:
        return None

    cfg = PRODUCTION_EXECUTOR_CONFIG
    # Same order of merges as dagster_k8s.executor: executor settings, then the step's own tags.
    executor_context = K8sContainerContext(
        env_secrets=cfg["env_secrets"],
        env_vars=cfg["env_vars"],
        volumes=cfg["volumes"],
        volume_mounts=cfg["volume_mounts"],
        namespace=cfg["job_namespace"],
        run_k8s_config=UserDefinedDagsterK8sConfig.from_dict(cfg["step_k8s_config"]),
    )
    context = executor_context.merge(K8sContainerContext(run_k8s_config=get_user_defined_k8s_config(step.op.tags)))
    # The Helm chart's K8sRunLauncher supplies these three; its defaults are used here.
    launcher = SimpleNamespace(
        dagster_home="/opt/dagster/dagster_home",
        instance_config_map="dagster-instance",
        postgres_password_secret="dagster-postgresql-secret",
    )
    job_config = context.get_k8s_job_config(job_image="registry.example/routenator:test", run_launcher=launcher)
    return construct_dagster_k8s_job(
        job_config, ["dagster", "api", "execute_step"], "dagster-step-test", user_defined_k8s_config=context.run_k8s_config
    )


@pytest.mark.parametrize("tags", [GPU_TRAINING_TAGS, GPU_GENERATION_TAGS])
def test_gpu_step_pods_request_a_gpu_on_the_gpu_pool(tags: dict[str, Any]) -> None:
    pod = _step_job(tags).spec.template.spec
    (container,) = pod.containers
    assert container.resources.limits["nvidia.com/gpu"] == "1"
    assert container.resources.requests["nvidia.com/gpu"] == "1"
    assert any(t.key == "nvidia.com/gpu" and t.effect == "NoSchedule" for t in pod.tolerations)
    assert pod.node_selector == {"routenator.io/pool": "gpu"}
    secret_refs = {e.secret_ref.name for e in container.env_from if e.secret_ref}
    # Executor-wide secrets reach every step; the GPU step's own secret is added, not replacing them.
    assert {k8s_tags.NEO4J_SECRET, k8s_tags.WANDB_SECRET, k8s_tags.VLLM_SECRET} <= secret_refs
    assert container.security_context.run_as_non_root is True
    assert pod.security_context.run_as_non_root is True
    assert any(m.mount_path == k8s_tags.RN_HOME_MOUNT for m in container.volume_mounts)
    assert any(v.persistent_volume_claim.claim_name == k8s_tags.RN_HOME_CLAIM for v in pod.volumes)


@pytest.mark.parametrize("tags", [CPU_SMALL_TAGS, CPU_LARGE_TAGS, LLM_CONCURRENCY_TAGS])
def test_cpu_step_pods_have_limits_and_no_gpu(tags: dict[str, Any]) -> None:
    pod = _step_job(tags).spec.template.spec
    (container,) = pod.containers
    assert container.resources.limits["cpu"] and container.resources.limits["memory"]
    assert "nvidia.com/gpu" not in (container.resources.limits or {})
    assert not pod.tolerations and not pod.node_selector


def test_step_tags_override_the_default_step_size() -> None:
    small = _step_job(CPU_SMALL_TAGS).spec.template.spec.containers[0].resources
    large = _step_job(CPU_LARGE_TAGS).spec.template.spec.containers[0].resources
    assert small.limits["memory"] == "2Gi" and large.limits["memory"] == "16Gi"
    default = _step_job({}).spec.template.spec.containers[0].resources
    assert default.limits["memory"] == "4Gi"


def test_executor_for_environment() -> None:
    production = executor_for("production")
    result = process_config(k8s_job_executor.config_schema.config_type, PRODUCTION_EXECUTOR_CONFIG)
    assert result.success, result.errors
    assert production.executor_creation_fn is not None

    @dg.asset(op_tags=GPU_TRAINING_TAGS)
    def trained() -> None:
        return None

    defs = dg.Definitions(assets=[trained], executor=production)
    assert defs.resolve_implicit_global_asset_job_def().executor_def.name == "routenator_k8s"

    local = executor_for("local")
    assert local.name == "routenator_local"
    with pytest.raises(ValueError, match="RN_ENV"):
        executor_for("staging")
