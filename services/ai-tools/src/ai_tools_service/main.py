"""Composition root of the ai-tools service: settings, broker, store, OpenAI client, handlers."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from openai import AsyncOpenAI

from ai_tools_service import handlers
from ai_tools_service.directory import TicketsDirectory
from ai_tools_service.domain.tools import ToolRunner
from ai_tools_service.openai_loop import ModelLoop
from ai_tools_service.profile import ConfigCache
from ai_tools_service.service import ToolService
from ai_tools_service.settings import Settings
from ai_tools_service.store import AiToolsStore
from uts_shared import runtime
from uts_shared.clock import utc_now
from uts_shared.contracts.ai_tools import AiToolsStatus
from uts_shared.contracts.base import HealthStatus
from uts_shared.logs import configure_logging
from uts_shared.messaging import (
    EventPublisher,
    RpcClient,
    declare_topology,
    make_broker,
)
from uts_shared.mongo import describe_store, open_database
from uts_shared.tracing import configure_tracing

log = logging.getLogger(__name__)

SERVICE = "ai-tools"
DISABLED_REASON = "OPENAI_API_KEY is not configured: webhook continuation and ai.respond are off"


def make_openai_client(settings: Settings) -> AsyncOpenAI | None:
    """The SDK client (it retries 429/5xx with backoff), or None when no key is configured."""
    if settings.openai_api_key is None:
        return None
    return AsyncOpenAI(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_base_url,
        timeout=settings.openai_timeout,
        max_retries=settings.openai_max_retries,
    )


class AiToolsService:
    def __init__(
        self,
        settings: Settings,
        *,
        database: Any = None,
        openai_client: AsyncOpenAI | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.instance = f"{settings.instance_id}-{uuid.uuid4().hex[:6]}"
        self.database = (
            database
            if database is not None
            else open_database(
                settings.mongodb_url, settings.mongodb_db, data_dir=settings.data_dir
            )
        )
        self._mongo = describe_store(settings.mongodb_url, settings.data_dir)
        self.broker = make_broker(settings.rabbitmq_url, app_id=SERVICE)
        self.rpc = RpcClient(self.broker, timeout=settings.rpc_timeout, name=SERVICE)
        self.publisher = EventPublisher(self.broker)
        self.store = AiToolsStore(self.database)
        self.config = ConfigCache(self.rpc, ttl=settings.config_cache_ttl)
        self.tools = ToolService(
            ToolRunner(TicketsDirectory(self.rpc), self.config),
            self.config,
            self.store,
            self.publisher,
            owner=self.instance,
            lease=settings.tool_call_lease,
            clock=clock,
        )
        self.openai = openai_client if openai_client is not None else make_openai_client(settings)
        self.loop = ModelLoop(
            self.openai,
            model=settings.openai_model,
            tools=self.tools,
            profile=self.config,
            store=self.store,
            publisher=self.publisher,
            owner=self.instance,
            max_rounds=settings.max_tool_rounds,
            max_repeats=settings.max_repeated_calls,
            webhook_lease=settings.webhook_lease,
            clock=clock,
        )
        handlers.register(
            self.broker, tools=self.tools, loop=self.loop, health=self.health, status=self.status
        )
        self.config.subscribe(self.broker, SERVICE, self.instance)
        if self.loop.enabled:
            handlers.subscribe_webhooks(
                self.broker,
                handlers.webhook_consumer(
                    self.broker,
                    self.loop,
                    max_attempts=settings.webhook_max_attempts,
                    retry_delay=settings.webhook_retry_delay,
                ),
            )

    async def start(self) -> None:
        await self.store.ensure_indexes()
        await self.broker.connect()
        await declare_topology(self.broker)
        await self.broker.start()
        if self.loop.enabled:
            log.info("ai-tools %s started (model %s)", self.instance, self.settings.openai_model)
        else:
            log.warning("ai-tools %s started; %s", self.instance, DISABLED_REASON)

    async def stop(self) -> None:
        await self.broker.stop()
        if self.openai is not None:
            await self.openai.close()

    async def health(self) -> HealthStatus:
        await self.store.ping()
        return HealthStatus(service=SERVICE, instance=self.instance, mongo=self._mongo)

    def status(self) -> AiToolsStatus:
        enabled = self.loop.enabled
        return AiToolsStatus(
            instance=self.instance,
            model_enabled=enabled,
            webhooks_enabled=enabled,
            model=self.settings.openai_model if enabled else None,
            reason=None if enabled else DISABLED_REASON,
            config_changes_seen=self.config.generation,
            webhooks=dict(self.loop.counters.values),
        )


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level, fmt=settings.log_format, service="ai-tools")
    configure_tracing("ai-tools")
    runtime.run(lambda: AiToolsService(settings), settings.instances, settings.metrics_port)
