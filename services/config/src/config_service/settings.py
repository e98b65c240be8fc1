"""The config service's settings, read once from the environment."""

from __future__ import annotations

from pydantic import Field, field_validator

from uts_shared.contracts.config import TicketIdFormat
from uts_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """`ServiceSettings` plus the cache TTL and the optional first-seeding values (2025-12-18 plan).

    `TICKET_PREFIX`, `ASSISTANT_NAME`, `PRIMARY_SERVICE_ISSUE`, `TICKET_NOUN` (and
    `TICKET_NOUN_PLURAL` for irregular plurals) are used only when a key is seeded for the first
    time; afterwards the database (changed through the RPCs) is the truth. `COMPANY_NAME` is part
    of the built-in default assistant configuration, as in the 2025-12-21 plan.
    """

    mongodb_db: str = "uts_config"
    config_cache_ttl: float = Field(default=300.0, ge=0)
    company_name: str | None = None
    ticket_prefix: str | None = None
    assistant_name: str | None = None
    primary_service_issue: str | None = None
    ticket_noun: str | None = None
    ticket_noun_plural: str | None = None

    @field_validator(
        "company_name",
        "ticket_prefix",
        "assistant_name",
        "primary_service_issue",
        "ticket_noun",
        "ticket_noun_plural",
    )
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return value.strip()

    @field_validator("ticket_prefix")
    @classmethod
    def _prefix_is_valid(cls, value: str | None) -> str | None:
        # Fail at start-up, not at seeding: a bad prefix would otherwise be silently dropped.
        if value is not None:
            TicketIdFormat(prefix=value)
        return value
