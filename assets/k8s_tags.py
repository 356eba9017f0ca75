"""dagster-k8s pod settings per kind of step (used as `op_tags` on assets), and the executor.

Only the `k8s_job_executor` gives each step its own pod; under the local executors these tags are
inert, so the same assets run on a laptop and on a cluster. Names of Secrets, the namespace and the
RN_HOME claim match the manifests in k8s/.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

NAMESPACE = "routenator"
RN_HOME_CLAIM = "routenator-home"
RN_HOME_MOUNT = "/data/routenator"
# Secrets (k8s/secrets.yaml): each holds environment variables for the step containers.
NEO4J_SECRET = "routenator-neo4j"
WANDB_SECRET = "routenator-wandb"
VLLM_SECRET = "routenator-vllm"
GPU_POOL_SELECTOR = {"routenator.io/pool": "gpu"}

_GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}


def _k8s(
    requests: dict[str, str], limits: dict[str, str], gpu: bool = False, secrets: tuple[str, ...] = ()
) -> dict[str, Any]:
    container: dict[str, Any] = {"resources": {"requests": requests, "limits": limits}}
    if secrets:
        container["env_from"] = [{"secret_ref": {"name": name}} for name in secrets]
    pod_spec: dict[str, Any] = {}
    if gpu:
        pod_spec = {"tolerations": [_GPU_TOLERATION], "node_selector": dict(GPU_POOL_SELECTOR)}
    return {"dagster-k8s/config": {"container_config": container, "pod_spec_config": pod_spec}}


CPU_SMALL_TAGS: dict[str, Any] = _k8s({"cpu": "500m", "memory": "1Gi"}, {"cpu": "1", "memory": "2Gi"})
CPU_LARGE_TAGS: dict[str, Any] = _k8s({"cpu": "4", "memory": "8Gi"}, {"cpu": "8", "memory": "16Gi"})
# QLoRA: W&B for the training curves.
GPU_TRAINING_TAGS: dict[str, Any] = _k8s(
    {"cpu": "8", "memory": "48Gi", "nvidia.com/gpu": "1"},
    {"cpu": "16", "memory": "96Gi", "nvidia.com/gpu": "1"},
    gpu=True,
    secrets=(WANDB_SECRET,),
)
# Bulk generation with vLLM's offline engine inside the step pod.
GPU_GENERATION_TAGS: dict[str, Any] = _k8s(
    {"cpu": "4", "memory": "32Gi", "nvidia.com/gpu": "1"},
    {"cpu": "8", "memory": "64Gi", "nvidia.com/gpu": "1"},
    gpu=True,
    secrets=(VLLM_SECRET,),
)
# Calls to a shared vLLM server from many runs at once are bounded by this pool.
LLM_CONCURRENCY_TAGS: dict[str, Any] = {"dagster/concurrency_key": "vllm"}

# Every step pod: non-root, RN_HOME on the shared claim, secrets as env, default CPU size.
_STEP_K8S_CONFIG: dict[str, Any] = {
    "container_config": {
        "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}},
        "security_context": {"run_as_non_root": True, "run_as_user": 10001, "allow_privilege_escalation": False},
    },
    "pod_spec_config": {"security_context": {"run_as_non_root": True, "run_as_user": 10001, "fs_group": 10001}},
}

PRODUCTION_EXECUTOR_CONFIG: dict[str, Any] = {
    "job_namespace": NAMESPACE,
    "max_concurrent": 8,
    "env_secrets": [NEO4J_SECRET, WANDB_SECRET, VLLM_SECRET],
    "env_vars": ["RN_ENV=production", f"RN_HOME={RN_HOME_MOUNT}"],
    "volumes": [{"name": "rn-home", "persistentVolumeClaim": {"claimName": RN_HOME_CLAIM}}],
    "volume_mounts": [{"name": "rn-home", "mountPath": RN_HOME_MOUNT}],
    "step_k8s_config": _STEP_K8S_CONFIG,
}


def executor_for(env: str) -> dg.ExecutorDefinition:
    """`k8s_job_executor` (a pod per step) in production, the multiprocess executor locally."""
    if env == "production":
        from dagster_k8s import k8s_job_executor  # only the cluster needs the kubernetes client

        return k8s_job_executor.configured(PRODUCTION_EXECUTOR_CONFIG, name="routenator_k8s")
    if env == "local":
        # Two processes: the local machine is small and the heavy steps use all cores themselves.
        return dg.multiprocess_executor.configured({"max_concurrent": 2}, name="routenator_local")
    raise ValueError(f"RN_ENV must be 'local' or 'production', got {env!r}")
