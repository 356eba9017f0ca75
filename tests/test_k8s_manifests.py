"""Everything under k8s/: schema-valid offline, consistent with itself and with the code, safe."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, Iterator

import dagster as dg
import kubernetes_validate
import pytest
import yaml

from assets import k8s_tags

K8S = Path(__file__).resolve().parent.parent / "k8s"
KUBERNETES_VERSION = "1.33.0"  # the oldest minor still supported by the big managed offerings
NOT_MANIFESTS = {"dagster.yaml", "dagster.local.yaml"}
MANIFEST_FILES = sorted(p for p in K8S.glob("*.yaml") if p.name not in NOT_MANIFESTS)
SECRET_KEY = re.compile(r"PASSWORD|API_KEY|TOKEN|AUTH|password", re.IGNORECASE)


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


ALL_DOCS = [(p.name, d) for p in MANIFEST_FILES for d in _docs(p)]


def _pod_specs() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, doc in ALL_DOCS:
        if doc["kind"] in {"Deployment", "StatefulSet", "Job", "DaemonSet"}:
            yield f"{name}:{doc['metadata']['name']}", doc["spec"]["template"]["spec"]


def _objects(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for _, d in ALL_DOCS if d["kind"] == kind}


def test_expected_files_exist_with_a_purpose_comment() -> None:
    names = {p.name for p in K8S.rglob("*") if p.is_file()}
    for required in ("Dockerfile", "Dockerfile.vllm-bulk", "values.yaml", "dagster.yaml", "dagster.local.yaml",
                     "neo4j.yaml", "vllm-text.yaml", "vllm-vision.yaml", "bulk_generate_job.yaml", "secrets.yaml"):
        assert required in names, required
    for path in K8S.rglob("*"):
        if path.is_file():
            assert path.read_text(encoding="utf-8").lstrip().startswith("#"), f"{path} must open with a comment"


@pytest.mark.parametrize("path", MANIFEST_FILES, ids=lambda p: p.name)
def test_manifest_validates_strictly(path: Path) -> None:
    docs = _docs(path)
    assert docs, f"{path.name} has no documents"
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{path.name} {doc.get('kind')}/{doc['metadata'].get('name')}: {exc.message} at {list(exc.path)}")
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == "routenator", f"{path.name} {doc['kind']} outside the namespace"


def test_validation_would_catch_an_unknown_field() -> None:
    deployment = next(d for _, d in ALL_DOCS if d["kind"] == "Deployment")
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["resourcez"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_every_container_has_limits_and_runs_non_root() -> None:
    specs = list(_pod_specs())
    assert len(specs) >= 4
    for where, spec in specs:
        pod_sc = spec.get("securityContext", {})
        for container in spec.get("initContainers", []) + spec["containers"]:
            res = container.get("resources", {})
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(res.get(kind, {})), f"{where}/{container['name']} lacks {kind}"
            sc = {**pod_sc, **container.get("securityContext", {})}
            assert sc.get("runAsNonRoot") is True, f"{where}/{container['name']} may run as root"
            assert sc.get("runAsUser", 1) != 0
            assert container.get("securityContext", {}).get("allowPrivilegeEscalation") is False
            gpus = res.get("limits", {}).get("nvidia.com/gpu")
            if gpus:
                assert res["requests"].get("nvidia.com/gpu") == gpus
                assert any(t.get("key") == "nvidia.com/gpu" for t in spec.get("tolerations", []))
                assert spec.get("nodeSelector") == k8s_tags.GPU_POOL_SELECTOR


def test_references_resolve_to_objects_defined_here() -> None:
    secrets, claims = _objects("Secret"), _objects("PersistentVolumeClaim")
    for where, spec in _pod_specs():
        for volume in spec.get("volumes", []):
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims, where
        for container in spec["containers"]:
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] in secrets, where
                    assert ref["key"] in secrets[ref["name"]]["stringData"], f"{where}: {ref}"
    # The step pods that assets/k8s_tags.py asks dagster-k8s for use the same names.
    for name in (k8s_tags.NEO4J_SECRET, k8s_tags.WANDB_SECRET, k8s_tags.VLLM_SECRET):
        assert name in secrets
    assert k8s_tags.RN_HOME_CLAIM in claims


def test_secrets_are_placeholders_only() -> None:
    secrets = _objects("Secret")
    assert secrets
    for name, secret in secrets.items():
        assert "data" not in secret, f"{name}: use stringData with visible fake values"
        for key, value in secret["stringData"].items():
            if SECRET_KEY.search(key):
                assert value == "" or "FAKE" in value, f"{name}.{key} looks like a real secret"


def _container(doc_name: str) -> dict[str, Any]:
    deployment = _objects("Deployment")[doc_name]
    return deployment["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize("name", ["vllm-text", "vllm-vision"])
def test_vllm_servers(name: str) -> None:
    container = _container(name)
    args = " ".join(container["args"])
    assert "--max-num-seqs=" in args
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/health"
    api_key = next(e for e in container["env"] if e["name"] == "VLLM_API_KEY")
    assert api_key["valueFrom"]["secretKeyRef"]["name"] == k8s_tags.VLLM_SECRET
    mounts = {m["name"] for m in container["volumeMounts"]}
    volumes = _objects("Deployment")[name]["spec"]["template"]["spec"]["volumes"]
    cache = next(v for v in volumes if v["name"] == "model-cache")
    assert "model-cache" in mounts and cache["persistentVolumeClaim"]["claimName"] == "vllm-model-cache"
    service = _objects("Service")[name]
    assert service["spec"]["selector"] == _objects("Deployment")[name]["spec"]["selector"]["matchLabels"]
    if name == "vllm-text":
        assert "--enable-lora" in args and "--max-loras=" in args and "--max-lora-rank=" in args
    else:
        assert "--limit-mm-per-prompt=" in args


def test_neo4j_statefulset_with_headless_service() -> None:
    sts = _objects("StatefulSet")["neo4j"]
    service = _objects("Service")[sts["spec"]["serviceName"]]
    assert service["spec"]["clusterIP"] == "None"
    assert service["spec"]["selector"] == sts["spec"]["selector"]["matchLabels"]
    (container,) = sts["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["NEO4J_AUTH"]["valueFrom"]["secretKeyRef"]["name"] == k8s_tags.NEO4J_SECRET
    assert "envFrom" not in container  # NEO4J_URI etc. would be read as server settings


def test_bulk_job_runs_the_offline_engine_module() -> None:
    (job,) = _objects("Job").values()
    (container,) = job["spec"]["template"]["spec"]["containers"]
    command = container["command"] + container["args"]
    assert command[:3] == ["python3", "-m", "routenator_dagster.bulk_generate"]
    assert any(a.startswith("--batch=") for a in command) and any(a.startswith("--out=") for a in command)
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_helm_values_have_what_the_chart_needs() -> None:
    values = yaml.safe_load((K8S / "helm" / "values.yaml").read_text(encoding="utf-8"))
    secrets, claims = _objects("Secret"), _objects("PersistentVolumeClaim")
    launcher = values["runLauncher"]
    assert launcher["type"] == "K8sRunLauncher"
    assert launcher["config"]["k8sRunLauncher"]["jobNamespace"] == "routenator"
    assert values["global"]["postgresqlSecretName"] in secrets
    assert "postgresql-password" in secrets[values["global"]["postgresqlSecretName"]]["stringData"]
    pg = values["postgresql"]
    assert pg["postgresqlHost"] and pg["postgresqlUsername"] and pg["postgresqlDatabase"] and pg["service"]["port"]
    assert "postgresqlPassword" not in pg
    assert values["dagsterDaemon"]["enabled"] is True

    user = values["dagster-user-deployments"]
    assert user["enabled"] is True
    (deployment,) = user["deployments"]
    assert deployment["image"]["repository"] and deployment["image"]["tag"]
    args = deployment["dagsterApiGrpcArgs"]
    module = args[args.index("--module-name") + 1]
    assert (K8S.parent / Path(*module.split("."))).with_suffix(".py").is_file()
    env = {e["name"]: e["value"] for e in deployment["env"]}
    assert env["RN_ENV"] == "production"
    assert {s["name"] for s in deployment["envSecrets"]} <= set(secrets)
    assert all(v["persistentVolumeClaim"]["claimName"] in claims for v in deployment["volumes"])
    for component in (deployment, values["dagsterWebserver"], values["dagsterDaemon"]):
        assert {"cpu", "memory"} <= set(component["resources"]["limits"])
        assert component["podSecurityContext"]["runAsNonRoot"] is True


def test_production_instance_yaml_is_valid_dagster_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dagster._core.instance.config import dagster_instance_config
    from dagster_k8s import K8sRunLauncher
    from dagster_postgres import DagsterPostgresStorage

    shutil.copy(K8S / "dagster.yaml", tmp_path / "dagster.yaml")
    for var, value in {"DAGSTER_PG_HOST": "pg", "DAGSTER_PG_PORT": "5432", "DAGSTER_PG_USERNAME": "dagster",
                       "DAGSTER_PG_PASSWORD": "not-a-secret", "DAGSTER_PG_DB": "dagster"}.items():
        monkeypatch.setenv(var, value)
    config, _ = dagster_instance_config(str(tmp_path))
    assert config["storage"]["postgres"]["postgres_db"]["password"] == {"env": "DAGSTER_PG_PASSWORD"}
    launcher = config["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_k8s.launcher", "K8sRunLauncher")
    checked = dg._config.process_config(K8sRunLauncher.config_type(), launcher["config"])  # noqa: SLF001
    assert checked.success, checked.errors
    storage = dg._config.process_config(DagsterPostgresStorage.config_type(), config["storage"]["postgres"])  # noqa: SLF001
    assert storage.success, storage.errors


def test_local_instance_yaml_builds_a_sqlite_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(K8S / "dagster.local.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        assert type(instance.run_storage).__name__.startswith("Sqlite")
        assert not instance.get_runs()
    finally:
        instance.dispose()


def test_dockerfiles_run_as_non_root() -> None:
    main = (K8S / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^ARG TORCH_INDEX_URL=\S*download\.pytorch\.org/whl/cu", main, re.MULTILINE)
    assert re.search(r'--index-url \$\{TORCH_INDEX_URL\} "torch==', main)
    bulk = (K8S / "Dockerfile.vllm-bulk").read_text(encoding="utf-8")
    assert "vllm/vllm-openai" in bulk and "--no-deps" in bulk
    for text in (main, bulk):
        users = re.findall(r"^USER (\S+)", text, re.MULTILINE)
        assert users and users[-1].split(":")[0] not in {"root", "0"}
