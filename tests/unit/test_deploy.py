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


def _env_example() -> dict[str, str]:
    return dict(
        line.split("=", 1)
        for line in (ROOT / "deploy/.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )


def test_services_reach_the_real_broker_and_database_with_its_accounts_and_wait_for_them() -> None:
    services, env = _compose()["services"], _env_example()
    broker = f"amqp://{env['RABBITMQ_DEFAULT_USER']}:{env['RABBITMQ_DEFAULT_PASS']}@rabbitmq:"
    assert env["RABBITMQ_URL"].startswith(broker)
    database = (
        f"mongodb://{env['MONGO_INITDB_ROOT_USERNAME']}:{env['MONGO_INITDB_ROOT_PASSWORD']}@mongo:"
    )
    assert env["MONGODB_URL"].startswith(database)
    for name in ("config", "tickets", "ai-tools", "gateway"):
        assert services[name]["env_file"] == "deploy/.env", name
        assert "RABBITMQ_URL" not in services[name]["environment"]  # the .env's, with its account
        assert "healthcheck" in services[name], name
        assert services[name]["restart"] == "unless-stopped", name
        conditions = {dep: c["condition"] for dep, c in services[name]["depends_on"].items()}
        assert set(conditions.values()) == {"service_healthy"}, name
    assert services["mongo"]["env_file"] == services["rabbitmq"]["env_file"] == "deploy/.env"
    assert set(services["gateway"]["depends_on"]) == {"config", "tickets", "ai-tools"}
    assert services["gateway"]["ports"] == ["8000:8000"]


def test_broker_keeps_its_data_on_recreation_and_its_ui_is_not_published_by_default() -> None:
    services = _compose()["services"]
    assert services["rabbitmq"]["hostname"] == "rabbitmq"
    assert "ports" not in services["rabbitmq"]
    assert services["rabbitmq-ui"]["profiles"] == ["ops"]
    assert all(p.startswith("127.0.0.1:") for p in services["rabbitmq-ui"]["ports"])


def test_keys_are_docker_secrets_not_environment() -> None:
    compose, env = _compose(), _env_example()
    assert set(compose["secrets"]) == {"jwt_secret", "openai_api_key", "openai_webhook_secret"}
    for name in ("config", "tickets", "ai-tools", "gateway"):
        assert set(compose["services"][name]["secrets"]) == set(compose["secrets"]), name
    assert not {"JWT_SECRET", "OPENAI_API_KEY", "OPENAI_WEBHOOK_SECRET"} & set(env)
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "deploy/.env" in ignored and "deploy/secrets/" in ignored


def test_backing_services_are_mongo_and_rabbitmq_with_management_and_healthchecks() -> None:
    services = _compose()["services"]
    assert services["mongo"]["image"].startswith("mongo:")
    assert (
        services["rabbitmq"]["image"].startswith("rabbitmq:")
        and "management" in services["rabbitmq"]["image"]
    )
    assert "healthcheck" in services["mongo"] and "healthcheck" in services["rabbitmq"]


def test_one_image_per_service_with_dependencies_in_a_layer_of_their_own() -> None:
    dockerfile = (ROOT / "deploy/Dockerfile").read_text()
    assert dockerfile.index("--no-install-workspace") < dockerfile.index("COPY services services")
    services = _compose()["services"]
    for name in ("config", "tickets", "ai-tools", "gateway"):
        assert services[name]["build"]["target"] == name
        assert f"AS {name}" in dockerfile
    assert "COPY --from=console" in dockerfile  # the gateway image serves the web console
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert {".venv", "web/node_modules", "deploy/.env", "deploy/secrets"} <= set(ignored)
    assert {"ADMIN_EMAIL", "ADMIN_PASSWORD"} <= set(_env_example())


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


def test_each_container_is_health_checked_by_its_own_readiness_probe() -> None:
    services = _compose()["services"]
    for name in ("config", "tickets", "ai-tools", "gateway"):
        check = services[name]["healthcheck"]["test"]
        assert check == ["CMD", "python", "-m", "uts_shared.healthcheck", "ready"], name
        environment = services[name]["environment"]
        assert environment["METRICS_PORT"] == "9100", name
        assert environment["METRICS_HOST"] == "0.0.0.0", name
        assert "ports" not in services[name] or "9100" not in str(services[name]["ports"]), name
