"""dagster-k8s pod settings per kind of step (used as `op_tags` on assets).

Only the `k8s_job_executor` gives each step its own pod; under the local executors these tags are
inert, so the same assets run on a laptop and on a cluster.
"""

from __future__ import annotations

from typing import Any

_GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}


def _k8s(requests: dict[str, str], limits: dict[str, str], gpu: bool = False) -> dict[str, Any]:
    pod_spec: dict[str, Any] = {}
    if gpu:
        pod_spec = {"tolerations": [_GPU_TOLERATION], "node_selector": {"routenator.io/pool": "gpu"}}
    return {
        "dagster-k8s/config": {
            "container_config": {"resources": {"requests": requests, "limits": limits}},
            "pod_spec_config": pod_spec,
        }
    }


CPU_SMALL_TAGS: dict[str, Any] = _k8s({"cpu": "500m", "memory": "1Gi"}, {"cpu": "1", "memory": "2Gi"})
CPU_LARGE_TAGS: dict[str, Any] = _k8s({"cpu": "4", "memory": "8Gi"}, {"cpu": "8", "memory": "16Gi"})
GPU_TRAINING_TAGS: dict[str, Any] = _k8s(
    {"cpu": "8", "memory": "48Gi", "nvidia.com/gpu": "1"}, {"cpu": "16", "memory": "96Gi", "nvidia.com/gpu": "1"}, gpu=True
)
GPU_GENERATION_TAGS: dict[str, Any] = _k8s(
    {"cpu": "4", "memory": "32Gi", "nvidia.com/gpu": "1"}, {"cpu": "8", "memory": "64Gi", "nvidia.com/gpu": "1"}, gpu=True
)
# Calls to a shared vLLM server from many runs at once are bounded by this pool.
LLM_CONCURRENCY_TAGS: dict[str, Any] = {"dagster/concurrency_key": "vllm"}
