"""The tickets service's settings, read once from the environment."""

from __future__ import annotations

from pydantic import Field, field_validator

from uts_shared.contracts.base import WireModel
from uts_shared.contracts.tickets import Priority
from uts_shared.settings import ServiceSettings

MINUTE_MS = 60 * 1000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS


class SlaTarget(WireModel):
    """Milliseconds to first response and to resolution, for one priority."""

    first_response: int = Field(gt=0)
    resolution: int = Field(gt=0)


def default_sla_targets() -> dict[Priority, SlaTarget]:
    return {
        Priority.URGENT: SlaTarget(first_response=15 * MINUTE_MS, resolution=4 * HOUR_MS),
        Priority.HIGH: SlaTarget(first_response=1 * HOUR_MS, resolution=24 * HOUR_MS),
        Priority.MEDIUM: SlaTarget(first_response=4 * HOUR_MS, resolution=72 * HOUR_MS),
        Priority.LOW: SlaTarget(first_response=24 * HOUR_MS, resolution=7 * DAY_MS),
    }


class Settings(ServiceSettings):
    """Tickets service: its own database, config cache, outbox relay, SLA targets."""

    mongodb_db: str = "uts_tickets"
    default_phone_region: str = Field(default="MX", min_length=2, max_length=2)
    config_cache_ttl: float = Field(default=30.0, ge=0)
    """Seconds a configuration value (categories, id format) is reused without asking again."""
    config_timeout: float = Field(default=2.0, gt=0)
    """How long a ticket creation waits for the config service before using the fallback."""
    config_retry_after: float = Field(default=5.0, ge=0)
    """After the config service failed to answer, use the fallback this long before asking."""
    publish_timeout: float = Field(default=3.0, gt=0)
    stop_timeout: float = Field(default=15.0, gt=0)
    outbox_relay_interval: float = Field(default=1.0, gt=0)
    outbox_sweep_interval: float = Field(default=30.0, gt=0)
    """Full sweep for entries other (crashed) instances left; own failures retry every interval."""
    outbox_grace: float = Field(default=2.0, ge=0)
    """The relay leaves outbox entries younger than this to the writer's own publish."""
    outbox_ack_window: float = Field(default=0.2, ge=0)
    """Published ids are removed from the outbox in one write per window (keep < grace)."""
    write_retries: int = Field(default=8, ge=1)
    """Re-reads of a ticket after a lost conditional write, for changes that commute."""
    sla_targets_ms: dict[Priority, SlaTarget] = Field(default_factory=default_sla_targets)
    """JSON in SLA_TARGETS_MS, e.g. {"urgent": {"firstResponse": 900000, "resolution": ...}}."""

    @field_validator("sla_targets_ms")
    @classmethod
    def _complete(cls, value: dict[Priority, SlaTarget]) -> dict[Priority, SlaTarget]:
        """Priorities left out of the environment keep their built-in targets."""
        return {**default_sla_targets(), **value}
