"""Composition root of the ai-tools service: settings, broker, store, OpenAI client, handlers."""

from __future__ import annotations

import logging
from typing import Any

from openai import AsyncOpenAI

from ai_tools_service import handlers
from ai_tools_service.conversation_log import ConversationLog
from ai_tools_service.directory import TicketsDirectory
from ai_tools_service.domain.tools import ToolRunner
from ai_tools_service.embeddings import Embedder
from ai_tools_service.openai_loop import ModelLoop
from ai_tools_service.profile import ConfigCache
from ai_tools_service.service import ToolService
from ai_tools_service.settings import Settings
from ai_tools_service.store import AiToolsStore
from uts_shared.clock import Clock
from uts_shared.contracts import ai_tools
from uts_shared.contracts.ai_tools import AiToolsStatus
from uts_shared.contracts.base import HealthStatus
from uts_shared.host import ServiceHost, serve_forever
from uts_shared.messaging import (
    EventPublisher,
    RpcClient,
    bind_work_queue,
    consumers_of,
    declare_work_queue,
)

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


class AiToolsService(ServiceHost):
    service = SERVICE

    def __init__(
        self,
        settings: Settings,
        *,
        database: Any = None,
        openai_client: AsyncOpenAI | None = None,
        clock: Clock | None = None,
        instance: str | None = None,
    ) -> None:
        super().__init__(settings, database=database, clock=clock, instance=instance)
        self.settings: Settings = settings
        self.rpc = RpcClient(self.broker, timeout=settings.rpc_timeout, name=SERVICE)
        self.publisher = EventPublisher(self.broker)
        self.store = AiToolsStore(self.database)
        self.config = ConfigCache(self.rpc, ttl=settings.config_cache_ttl)
        directory = TicketsDirectory(self.rpc)
        self.tools = ToolService(
            ToolRunner(directory, self.config),
            self.config,
            self.store,
            self.publisher,
            owner=self.instance,
            lease=settings.tool_call_lease,
            clock=self.clock.now,
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
            clock=self.clock.now,
            conversations=ConversationLog(directory),
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

        if self.openai is not None and settings.embeddings_enabled:
            embedder = Embedder(
                self.openai,
                self.rpc,
                model=settings.embedding_model,
                dimensions=settings.embedding_dimensions,
            )
            handlers.subscribe_embeddings(self.broker, embedder)

    async def prepare(self) -> None:
        await self.store.ensure_indexes()

    async def started(self) -> None:
        # Ticket events reach the embeddings' queue while some replica can embed them: one
        # with a key binds it; one without unbinds it only when no replica consumes it.
        queue = ai_tools.EMBEDDINGS_QUEUE
        await declare_work_queue(self.broker, queue, ai_tools.EMBEDDINGS_PARKED)
        bound = self.openai is not None and self.settings.embeddings_enabled
        if bound or await consumers_of(self.broker, queue) == 0:
            for binding in ai_tools.EMBEDDINGS_BINDINGS:
                await bind_work_queue(self.broker, queue, binding, bound=bound)
        if self.loop.enabled:
            log.info("ai-tools %s: model %s", self.instance, self.settings.openai_model)
        else:
            log.warning("ai-tools %s: %s", self.instance, DISABLED_REASON)

    async def closed(self) -> None:
        if self.openai is not None:
            await self.openai.close()

    async def health(self) -> HealthStatus:
        await self.store.ping()
        return await super().health()

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
    serve_forever(AiToolsService, Settings)
