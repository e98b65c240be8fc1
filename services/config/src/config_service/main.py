"""Composition root of the config service: store, cache, configuration, endpoints
(`ServiceHost` does the rest)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from config_service.cache import TtlCache
from config_service.domain.defaults import InitialValues
from config_service.handlers import register
from config_service.service import Configuration
from config_service.settings import Settings
from config_service.store import SettingsStore
from uts_shared.clock import Clock
from uts_shared.contracts.base import HealthStatus
from uts_shared.contracts.config import REGISTRY, Setting
from uts_shared.host import ServiceHost, serve_forever
from uts_shared.messaging import EventPublisher


class ConfigService(ServiceHost):
    """One replica of the config service; tests start several in one process."""

    service = "config"

    def __init__(
        self,
        settings: Settings,
        *,
        database: Any = None,
        clock: Clock | None = None,
        instance: str | None = None,
        registry: Sequence[Setting] = REGISTRY,
    ) -> None:
        super().__init__(settings, database=database, clock=clock, instance=instance)
        self.config = Configuration(
            SettingsStore(self.database),
            publisher=EventPublisher(self.broker),
            clock=self.clock,
            cache=TtlCache(settings.config_cache_ttl, self.clock.monotonic),
            company_name=settings.company_name,
            initial=InitialValues(
                ticket_prefix=settings.ticket_prefix,
                assistant_name=settings.assistant_name,
                primary_service_issue=settings.primary_service_issue,
                ticket_noun=settings.ticket_noun,
                ticket_noun_plural=settings.ticket_noun_plural,
            ),
            registry=registry,
        )
        health = HealthStatus(service=self.service, instance=self.instance, mongo=self.mongo)
        register(self.broker, self.config, health=health, instance=self.instance)

    async def prepare(self) -> None:
        await self.config.seed()


def main() -> None:
    serve_forever(ConfigService, Settings)
