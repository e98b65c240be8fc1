"""The settings every service shares, read once from the environment."""

from __future__ import annotations

import logging
import uuid

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Base for each service's `Settings`: broker, store, timeouts, logging."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    mongodb_url: str | None = None
    mongodb_db: str = "uts"
    rpc_timeout: float = Field(default=5.0, gt=0)
    log_level: str = "INFO"
    instance_id: str = Field(default_factory=lambda: uuid.uuid4().hex[:8])
    instances: int = Field(default=1, ge=1, le=16, validation_alias="UTS_INSTANCES")


def configure_logging(level: str) -> None:
    """One log format for every process; per-message logs stay at DEBUG."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
