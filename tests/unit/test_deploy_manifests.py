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
