"""The gateway's settings, read once from the environment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from limits import parse
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from gateway.proxies import parse_networks
from uts_shared.settings import ServiceSettings, blank_is_unset

CommaList = Annotated[list[str], NoDecode]
"""`a,b,c` in the environment (a JSON list is accepted too)."""


def _split(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


class GatewaySettings(ServiceSettings):
    """HTTP/Socket.IO gateway: listen address, agents database, JWT, admin bootstrap, limits."""

    mongodb_db: str = "uts_gateway"

    gateway_host: str = "127.0.0.1"
    gateway_port: int = Field(default=8000, ge=0, le=65535)

    jwt_secret: SecretStr | None = None
    """HS256 secret shared by every gateway replica; random per process (and a warning) if unset."""
    jwt_previous_secrets: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    """Keys rotated out (`a,b`): they still verify the tokens they signed, never sign; drop
    them JWT_EXPIRES_MINUTES after the rotation."""
    jwt_expires_minutes: int = Field(default=720, ge=1)
    session_recheck: float = Field(default=30.0, gt=0)
    """Seconds between two reads of an agent's document while its tokens are used: how long a
    deactivation whose event was lost may go unnoticed by a replica sharing the database."""

    api_token_cache_ttl: float = Field(default=5.0, ge=0)
    """Seconds this replica trusts its copy of an API token's record before reading it again:
    how long a revocation whose event was lost may go unnoticed by a replica sharing the
    database (revocations heard of are refused at once)."""

    admin_email: str = "admin@example.com"
    admin_password: SecretStr | None = None
    """Password of the first admin; generated and printed once when unset."""
    admin_first_name: str = "Admin"
    admin_last_name: str = "User"

    login_rate_limit_account: str = "5/minute"
    """Login attempts per email and client IP (moving window, in `login_rate_limit_storage`)."""
    login_rate_limit_ip: str = "20/minute"
    """Login attempts per client IP, whatever the email (moving window, same storage)."""
    login_rate_limit_storage: str = "async+memory://"
    """Where those two windows live (a `limits` storage URL): this replica's memory by default;
    `async+redis://host:6379` shares them between gateway replicas."""
    login_rate_limit_account_all_ips: str = "10/15 minutes"
    """Login attempts per email from every address together (fixed window in the agents
    database, shared by the replicas using it); a successful sign-in resets it."""
    forwarded_allow_ips: CommaList = Field(default_factory=list)
    """Proxies (IPs or networks) whose `Forwarded`/`X-Forwarded-For` headers name the client;
    empty: the headers are ignored and the TCP peer is the client."""

    max_body_bytes: int = Field(default=1024 * 1024, ge=1)
    """Largest request body accepted (413 above it, before it is parsed)."""
    attachment_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    """The hard ceiling on an attachment (413 above it, whatever the `attachment_limits`
    configuration key says; that key's size, 10 MB by default, applies below it); an upload's
    body may be that large."""

    cors_origins: CommaList = Field(default_factory=list)
    gateway_required_services: CommaList = Field(
        default_factory=lambda: ["config", "tickets", "ai-tools"]
    )
    """Services whose health `/ready` reports (each must answer for `status: ready`)."""
    gateway_critical_services: CommaList = Field(default_factory=lambda: ["tickets"])
    """Those of them the gateway cannot serve without: one silent makes `/ready` a 503 (the
    others make it `degraded`, still 200: sign-in and tickets keep working)."""
    ready_timeout: float = Field(default=1.0, gt=0)

    console_dir: Path | None = None
    """The built web console served at `/`; default: `web/dist/uts-console/browser` of the
    source checkout."""

    @field_validator(
        "cors_origins",
        "gateway_required_services",
        "gateway_critical_services",
        "forwarded_allow_ips",
        "jwt_previous_secrets",
        mode="before",
    )
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        return _split(value)

    _blank_secret = field_validator("jwt_secret", mode="before")(blank_is_unset)

    @field_validator("login_rate_limit_storage")
    @classmethod
    def _storage(cls, value: str) -> str:
        if not value.startswith("async+"):
            raise ValueError("must be an async `limits` storage URL, e.g. async+redis://redis:6379")
        return value

    @field_validator(
        "login_rate_limit_account", "login_rate_limit_ip", "login_rate_limit_account_all_ips"
    )
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        parse(value)  # raises ValueError on e.g. "5 per fortnight"
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        parse_networks(value)  # raises ValueError on e.g. "*" or "proxy.local"
        return value
