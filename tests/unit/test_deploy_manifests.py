"""The Kubernetes manifests in deploy/k8s: valid against the Kubernetes schemas (offline, strict:
no unknown field), and each service deployed as an operator expects: probes, resources, an
autoscaler, the image its Dockerfile target builds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SERVICES = ("config", "tickets", "ai-tools", "gateway")


def documents() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        found += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents() if d["kind"] == kind}


@pytest.mark.parametrize("doc", documents(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_every_manifest_is_valid_against_the_kubernetes_schemas(doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


def test_kustomization_lists_every_manifest() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_probes_resources_and_an_autoscaler(service: str) -> None:
    deployment = of_kind("Deployment")[service]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert {"startupProbe", "readinessProbe", "livenessProbe"} <= set(container)
    assert {"requests", "limits"} <= set(container["resources"])
    assert container["image"].startswith(f"universal-ticket-system-{service}:")
    assert f"AS {service}" in (ROOT / "deploy" / "Dockerfile").read_text()
    target = of_kind("HorizontalPodAutoscaler")[service]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", service)


def test_the_gateway_is_ready_only_when_it_can_serve() -> None:
    [container] = of_kind("Deployment")["gateway"]["spec"]["template"]["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"


def test_the_validation_catches_a_misspelt_field() -> None:
    broken = of_kind("Deployment")["tickets"]
    broken = {**broken, "spec": {**broken["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, kubernetes_validate.latest_version(), strict=True)


MONITORING = K8S / "monitoring"
SERVICE_PROBES = ("config", "tickets", "ai-tools")
"""The services that speak only AMQP: probed over their metrics port."""


def _pod(service: str) -> dict[str, Any]:
    spec: dict[str, Any] = of_kind("Deployment")[service]["spec"]["template"]["spec"]
    return spec


@pytest.mark.parametrize("service", SERVICES)
def test_every_container_meets_the_restricted_pod_security_profile(service: str) -> None:
    pod = _pod(service)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert "hostNetwork" not in pod and "hostPID" not in pod
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    assert all(set(v) == {"name", "emptyDir"} for v in volumes.values()), volumes
    for container in pod.get("initContainers", []) + pod["containers"]:
        context = container["securityContext"]
        assert context["runAsNonRoot"] is True, container["name"]
        assert context["allowPrivilegeEscalation"] is False, container["name"]
        assert context["readOnlyRootFilesystem"] is True, container["name"]
        assert context["capabilities"] == {"drop": ["ALL"]}, container["name"]
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, container["name"]
        assert "privileged" not in context
        assert all("hostPort" not in p for p in container.get("ports", []))
        # A read-only root: the places written to are emptyDirs.
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        assert mounts.get("/tmp") in volumes, container["name"]
    namespace = of_kind("Namespace")["uts"]["metadata"]["labels"]
    assert namespace["pod-security.kubernetes.io/enforce"] == "restricted"


@pytest.mark.parametrize("service", SERVICES)
def test_images_are_pinned_to_the_release_the_kustomization_sets(service: str) -> None:
    [container] = _pod(service)["containers"]
    name, _, tag = container["image"].partition(":")
    assert tag and tag != "latest", container["image"]
    images = yaml.safe_load((K8S / "kustomization.yaml").read_text())["images"]
    assert {"name": name, "newTag": tag} in images


@pytest.mark.parametrize("service", SERVICE_PROBES)
def test_each_services_probes_ask_its_own_pod_over_http(service: str) -> None:
    [container] = _pod(service)["containers"]
    metrics = {p["name"]: p["containerPort"] for p in container["ports"]}["metrics"]
    for probe, path in (
        ("livenessProbe", "/health/live"),
        ("readinessProbe", "/health/ready"),
        ("startupProbe", "/health/live"),
    ):
        assert container[probe]["httpGet"] == {"path": path, "port": "metrics"}, probe
    annotations = of_kind("Deployment")[service]["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(metrics)
    settings = of_kind("ConfigMap")["uts-settings"]["data"]
    assert settings["METRICS_PORT"] == str(metrics) and settings["METRICS_HOST"] == "0.0.0.0"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_a_disruption_budget_that_lets_a_node_drain(service: str) -> None:
    deployment = of_kind("Deployment")[service]
    budget = of_kind("PodDisruptionBudget")[service]["spec"]
    assert budget["selector"] == deployment["spec"]["selector"]
    minimum = of_kind("HorizontalPodAutoscaler")[service]["spec"]["minReplicas"]
    assert 0 < budget["minAvailable"] < min(minimum, deployment["spec"]["replicas"])


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def test_network_policies_deny_by_default_and_open_the_http_and_metrics_ports() -> None:
    policies = of_kind("NetworkPolicy")
    deny = policies["default-deny-ingress"]["spec"]
    assert deny["podSelector"] == {} and deny["policyTypes"] == ["Ingress"]
    assert "ingress" not in deny
    opened: dict[str, set[int]] = {s: set() for s in SERVICES}
    for policy in policies.values():
        for rule in policy["spec"].get("ingress", []):
            assert rule.get("from"), "a rule open to every source"
            for service in SERVICES:
                labels = of_kind("Deployment")[service]["spec"]["template"]["metadata"]["labels"]
                if _selects(policy["spec"]["podSelector"], labels):
                    opened[service] |= {p["port"] for p in rule["ports"]}
    assert opened == {
        "config": {9100},
        "tickets": {9100},
        "ai-tools": {9100},
        "gateway": {8000, 9100},
    }


def test_a_service_monitor_scrapes_each_services_metrics_port() -> None:
    monitors = {
        d["metadata"]["name"]: d
        for d in yaml.safe_load_all((MONITORING / "servicemonitors.yaml").read_text())
    }
    kustomization = yaml.safe_load((MONITORING / "kustomization.yaml").read_text())
    assert kustomization["resources"] == ["..", "servicemonitors.yaml"]
    services = of_kind("Service")
    assert set(monitors) == set(SERVICES)
    for name, monitor in monitors.items():
        assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
        [endpoint] = monitor["spec"]["endpoints"]
        [service] = [
            s
            for s in services.values()
            if _selects(monitor["spec"]["selector"], s["metadata"].get("labels", {}))
        ]
        pods = of_kind("Deployment")[name]["spec"]["template"]["metadata"]["labels"]
        assert _selects({"matchLabels": service["spec"]["selector"]}, pods), name
        assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}, name
        assert endpoint["path"] == "/metrics"
