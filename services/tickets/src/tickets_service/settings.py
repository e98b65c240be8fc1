"""The tickets service's settings, read once from the environment."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from uts_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """Tickets service: its own database, config cache, outbox relay, SLA monitor."""

    mongodb_db: str = "uts_tickets"
    default_phone_region: str = Field(default="MX", min_length=2, max_length=2)
    config_cache_ttl: float = Field(default=30.0, ge=0)
    """Seconds a configuration value (categories, id format, SLA policy) is reused as is."""
    config_timeout: float = Field(default=2.0, gt=0)
    """How long a ticket creation waits for the config service before using the fallback."""
    config_retry_after: float = Field(default=5.0, ge=0)
    """After the config service failed to answer, use the fallback this long before asking."""
    publish_timeout: float = Field(default=3.0, gt=0)
    outbox_relay_interval: float = Field(default=1.0, gt=0)
    outbox_sweep_interval: float = Field(default=30.0, gt=0)
    """Full sweep for entries other (crashed) instances left; own failures retry every interval."""
    outbox_grace: float = Field(default=2.0, ge=0)
    """The relay leaves outbox entries younger than this to the writer's own publish."""
    outbox_ack_window: float = Field(default=0.2, ge=0)
    """Published ids are removed from the outbox in one write per window (keep < grace)."""
    write_retries: int = Field(default=8, ge=1)
    """Re-reads of a ticket after a lost conditional write, for changes that commute."""
    bulk_parallel: int = Field(default=16, ge=1)
    """Tickets a bulk action writes at the same time (each its own conditional write)."""
    changes_settle: float = Field(default=2.0, ge=0)
    """Seconds a change waits before the changes feed hands it out (writes in flight land)."""
    sla_check_interval: float = Field(default=15.0, gt=0)
    """Seconds between the SLA monitor's looks for warnings and breaches that fell due."""
    sla_check_batch: int = Field(default=200, ge=1)
    """Tickets the monitor settles per look (the rest on the next, at once)."""
    webhook_allow_private: bool | None = None
    """Whether webhooks may reach private, loopback and link-local addresses; unset: yes, except
    under `UTS_ENV=production`."""
    webhook_timeout: float = Field(default=10.0, gt=0)
    """Seconds one delivery attempt may take (connect, send, the receiver's answer)."""
    webhook_retry_base: float = Field(default=5.0, gt=0)
    """Seconds: the ceiling of the first retry's wait, doubled after each failure (full jitter)."""
    webhook_retry_cap: float = Field(default=3600.0, gt=0)
    """Seconds: the longest wait between two attempts."""
    webhook_retry_window: float = Field(default=86_400.0, gt=0)
    """Seconds after the first attempt that retries go on for; then the delivery has failed."""
    webhook_disable_after: int = Field(default=5, ge=1)
    """Deliveries in a row that failed for good switch a subscription off."""
    webhook_poll_interval: float = Field(default=1.0, gt=0)
    """Seconds between looks for retries that fell due (new events are sent at once)."""
    webhook_concurrency: int = Field(default=8, ge=1, le=256)
    """Deliveries one replica makes at once (one per subscription at a time)."""
    webhook_lease: float = Field(default=60.0, gt=0)
    """Seconds a replica holds a delivery it is making; one it dies holding is retried then."""
    webhook_log_retention: float = Field(default=7 * 86_400.0, gt=0)
    """Seconds finished deliveries stay in the log."""

    @model_validator(mode="after")
    def _lease_outlasts_an_attempt(self) -> Self:
        if self.webhook_lease <= self.webhook_timeout:
            raise ValueError("WEBHOOK_LEASE must be longer than WEBHOOK_TIMEOUT")
        return self

    @property
    def webhooks_reach_private(self) -> bool:
        if self.webhook_allow_private is not None:
            return self.webhook_allow_private
        return self.environment != "production"
