"""docker-compose.yml can't run here (no Docker engine): check it agrees with `make run`."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import yaml

from uts_shared.contracts.base import MAX_MESSAGE_BYTES

ROOT = Path(__file__).resolve().parents[2]


def _load(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("run_local", ROOT / path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_every_service_of_make_run_has_a_container_with_the_same_command() -> None:
    services = _compose()["services"]
    run_local = _load("deploy/run_local.py")
    expected = {name: module for name, module in run_local.SERVICES} | {"gateway": "gateway"}
    for name, module in expected.items():
        assert services[name]["command"] == ["python", "-m", module], name
        assert (ROOT / "services" / name / "src" / module).is_dir(), name


def test_services_reach_the_real_broker_and_database_and_wait_for_them() -> None:
    services = _compose()["services"]
    for name in ("config", "tickets", "ai-tools", "gateway"):
        env = services[name]["environment"]
        assert env["RABBITMQ_URL"].startswith("amqp://") and "@rabbitmq:" in env["RABBITMQ_URL"]
        assert env["MONGODB_URL"].startswith("mongodb://mongo:")
        assert "healthcheck" in services[name], name
        conditions = {dep: c["condition"] for dep, c in services[name]["depends_on"].items()}
        assert set(conditions.values()) == {"service_healthy"}, name
    assert set(services["gateway"]["depends_on"]) == {"config", "tickets", "ai-tools"}
    assert services["gateway"]["ports"] == ["8000:8000"]


def test_backing_services_are_mongo_and_rabbitmq_with_management_and_healthchecks() -> None:
    services = _compose()["services"]
    assert services["mongo"]["image"].startswith("mongo:")
    assert (
        services["rabbitmq"]["image"].startswith("rabbitmq:")
        and "management" in services["rabbitmq"]["image"]
    )
    assert "healthcheck" in services["mongo"] and "healthcheck" in services["rabbitmq"]


def test_image_and_env_example_exist() -> None:
    dockerfile = (ROOT / "deploy/Dockerfile").read_text()
    assert "uv sync --frozen --no-dev" in dockerfile
    env_keys = {
        line.split("=", 1)[0]
        for line in (ROOT / "deploy/.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert {
        "RABBITMQ_URL",
        "MONGODB_URL",
        "JWT_SECRET",
        "ADMIN_EMAIL",
        "OPENAI_API_KEY",
    } <= env_keys


def test_containers_run_as_production_and_so_need_a_real_mongodb() -> None:
    for name in ("config", "tickets", "ai-tools", "gateway"):
        assert _compose()["services"][name]["environment"]["UTS_ENV"] == "production", name


def test_the_broker_refuses_messages_over_a_size_limit_above_what_services_accept() -> None:
    rabbitmq = _compose()["services"]["rabbitmq"]
    mounted = {v.split(":")[0]: v.split(":")[1] for v in rabbitmq["volumes"]}
    assert mounted["./deploy/rabbitmq.conf"].startswith("/etc/rabbitmq/conf.d/")
    settings = dict(
        line.split(" = ", 1)
        for line in (ROOT / "deploy/rabbitmq.conf").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert MAX_MESSAGE_BYTES < int(settings["max_message_size"]) <= 16 * 1024 * 1024
