"""The settings every service shares, read once from the environment."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from uts_shared.logs import LogFormat
from uts_shared.messaging import QueueType, broker_urls
from uts_shared.mongo import ReadPreferenceName

SECRETS_DIR = Path(os.environ.get("UTS_SECRETS_DIR", "/run/secrets"))
"""Docker secrets: a file per setting (e.g. `jwt_secret`), read when the directory exists."""


def secrets_dir() -> Path | None:
    return SECRETS_DIR if SECRETS_DIR.is_dir() else None


def blank_is_unset(value: object) -> object:
    """An empty environment variable or secret file means "not configured"."""
    return None if isinstance(value, str) and not value.strip() else value


class ServiceSettings(BaseSettings):
    """Base for each service's `Settings`: broker, store, timeouts, logging."""

    model_config = SettingsConfigDict(
        extra="ignore", populate_by_name=True, secrets_dir=secrets_dir()
    )

    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    """One AMQP URL, or several comma-separated (nodes of one cluster): the first that answers
    is used, another when its node goes away."""
    rabbitmq_queue_type: QueueType = "classic"
    """How request, work and dead-letter queues are declared: `quorum` on a cluster."""
    mongodb_url: str | None = None
    mongodb_db: str = "uts"
    mongodb_read_preference: ReadPreferenceName = "primary"
    """Where a server's reads go (a replica set: `primaryPreferred`, `nearest`, ...); writes
    always wait for a majority (`w=majority`, retryable) unless MONGODB_URL says otherwise."""
    rpc_timeout: float = Field(default=5.0, gt=0)
    stop_timeout: float = Field(default=15.0, gt=0)
    """Seconds a stopping service waits for its broker connection to close."""
    log_level: str = "INFO"
    log_levels: str = ""
    """Levels of other loggers by name (`aiormq=DEBUG,faststream=INFO`): at `LOG_LEVEL=DEBUG`
    only our own loggers open, libraries stay at WARNING unless named here."""
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    """This process's port for `/metrics`, `/health/live` and `/health/ready`
    (`uts_shared.probes`); 0: any free port (logged and printed); unset: none (the gateway
    then serves `/metrics` on its own port)."""
    metrics_host: str = "127.0.0.1"
    """Where the metrics port listens: `0.0.0.0` in a container (Kubernetes probes and
    Prometheus come from outside the pod)."""
    log_format: LogFormat = "text"
    """`json` for one JSON object per line (compose, log shippers)."""
    instance_id: str = Field(default_factory=lambda: uuid.uuid4().hex[:8])
    instances: int = Field(default=1, ge=1, le=16, validation_alias="UTS_INSTANCES")
    data_dir: Path | None = Field(default=None, validation_alias="UTS_DATA_DIR")
    """Where the embedded engine keeps its databases (no MONGODB_URL); unset: in memory only."""
    environment: Literal["development", "production"] = Field(
        default="development", validation_alias="UTS_ENV"
    )

    @field_validator("rabbitmq_url")
    @classmethod
    def _some_broker(cls, value: str) -> str:
        broker_urls(value)
        return value

    @model_validator(mode="after")
    def _production_needs_a_server(self) -> Self:
        if self.environment == "production" and not self.mongodb_url:
            raise ValueError(
                "UTS_ENV=production needs MONGODB_URL: the embedded engine is for one machine"
            )
        return self
