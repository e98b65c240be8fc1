"""Gateway settings read from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from gateway.settings import GatewaySettings


def test_defaults_use_the_gateways_own_database_and_local_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("MONGODB_DB", "GATEWAY_HOST", "GATEWAY_PORT", "GATEWAY_REQUIRED_SERVICES"):
        monkeypatch.delenv(name, raising=False)
    settings = GatewaySettings()
    assert settings.mongodb_db == "uts_gateway"
    assert (settings.gateway_host, settings.gateway_port) == ("127.0.0.1", 8000)
    assert settings.gateway_required_services == ["config", "tickets", "ai-tools"]


def test_lists_come_from_comma_separated_environment_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GATEWAY_REQUIRED_SERVICES", "config, tickets")
    monkeypatch.setenv("CORS_ORIGINS", "http://localhost:4200,https://crm.example.com")
    settings = GatewaySettings()
    assert settings.gateway_required_services == ["config", "tickets"]
    assert settings.cors_origins == ["http://localhost:4200", "https://crm.example.com"]


def test_lists_may_also_be_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_REQUIRED_SERVICES", '["config"]')
    assert GatewaySettings().gateway_required_services == ["config"]


def test_empty_required_services_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_REQUIRED_SERVICES", "")
    assert GatewaySettings().gateway_required_services == []


def test_unparseable_rate_limit_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGIN_RATE_LIMIT_IP", "lots per day")
    with pytest.raises(ValidationError, match="login_rate_limit_ip"):
        GatewaySettings()


def test_production_refuses_to_start_without_a_mongodb_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("UTS_ENV", "production")
    monkeypatch.delenv("MONGODB_URL", raising=False)
    with pytest.raises(ValidationError, match="MONGODB_URL"):
        GatewaySettings()
    monkeypatch.setenv("MONGODB_URL", "mongodb://db.example:27017/")
    assert GatewaySettings().environment == "production"


def test_no_proxy_is_trusted_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert GatewaySettings().forwarded_allow_ips == []
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.5, 172.16.0.0/12,::1")
    assert GatewaySettings().forwarded_allow_ips == ["10.0.0.5", "172.16.0.0/12", "::1"]


@pytest.mark.parametrize("value", ["*", "proxy.local", "10.0.0.0/33"])
def test_a_trusted_proxy_that_is_not_an_address_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", value)
    with pytest.raises(ValidationError, match="forwarded_allow_ips"):
        GatewaySettings()


def test_keys_come_from_docker_secret_files_and_a_blank_one_is_unset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JWT_SECRET", raising=False)
    (tmp_path / "jwt_secret").write_text("from-a-secret-file-at-least-32-bytes-long\n")
    settings = GatewaySettings(_secrets_dir=tmp_path)  # type: ignore[call-arg]
    assert settings.jwt_secret is not None
    assert settings.jwt_secret.get_secret_value() == "from-a-secret-file-at-least-32-bytes-long"
    (tmp_path / "jwt_secret").write_text("\n")
    assert GatewaySettings(_secrets_dir=tmp_path).jwt_secret is None  # type: ignore[call-arg]


def test_previous_jwt_keys_are_a_comma_list_kept_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_PREVIOUS_SECRETS", "older-key-of-at-least-32-bytes-long, oldest-key")
    settings = GatewaySettings()
    keys = [key.get_secret_value() for key in settings.jwt_previous_secrets]
    assert keys == ["older-key-of-at-least-32-bytes-long", "oldest-key"]
    assert "older-key" not in repr(settings)
