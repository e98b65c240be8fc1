"""Composition root of the config service: settings, broker, store, cache, endpoints."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from config_service.cache import TtlCache
from config_service.domain.defaults import InitialValues
from config_service.handlers import register
from config_service.service import Configuration
from config_service.settings import Settings
from config_service.store import SettingsStore
from uts_shared import runtime
from uts_shared.clock import Clock, SystemClock
from uts_shared.contracts.base import HealthStatus
from uts_shared.logs import configure_logging
from uts_shared.messaging import EventPublisher, declare_topology, make_broker
from uts_shared.mongo import describe_store, open_database
from uts_shared.tracing import configure_tracing

log = logging.getLogger(__name__)


class ConfigService:
    """One replica of the config service; tests start several in one process."""

    def __init__(
        self, settings: Settings, *, database: Any = None, clock: Clock | None = None
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.mongo = describe_store(settings.mongodb_url, settings.data_dir)
        self._owns_database = database is None
        self.database = (
            open_database(settings.mongodb_url, settings.mongodb_db, data_dir=settings.data_dir)
            if database is None
            else database
        )
        # The suffix keeps two replicas apart even if they were given the same settings.
        self.instance = f"{settings.instance_id}-{uuid.uuid4().hex[:4]}"
        self.broker = make_broker(settings.rabbitmq_url, app_id=f"config-{self.instance}")
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
        )
        health = HealthStatus(service="config", instance=self.instance, mongo=self.mongo)
        register(self.broker, self.config, health=health, instance=self.instance)

    async def start(self) -> None:
        log.info(
            "config service %s starting; MongoDB: %s (database %s)",
            self.instance,
            self.mongo,
            getattr(self.database, "name", self.settings.mongodb_db),
        )
        await self.broker.connect()
        await declare_topology(self.broker)
        await self.config.seed()
        await self.broker.start()
        log.info("config service %s ready", self.instance)

    async def stop(self) -> None:
        await self.broker.stop()
        if self._owns_database:
            client = getattr(self.database, "client", None)
            if client is not None:
                await client.close()
        log.info("config service %s stopped", self.instance)


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level, fmt=settings.log_format, service="config")
    configure_tracing("config")
    # Each replica gets its own Settings, hence its own instance id and cache queue.
    runtime.run(lambda: ConfigService(Settings()), settings.instances, settings.metrics_port)
