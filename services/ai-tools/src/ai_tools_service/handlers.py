"""The service's broker endpoints: thin, each a contract in and a service call out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream.rabbit import RabbitBroker

from ai_tools_service.embeddings import Embedder
from ai_tools_service.openai_loop import ModelLoop, WebhookConsumer
from ai_tools_service.service import ToolService
from uts_shared.contracts import ai_tools
from uts_shared.contracts.base import Empty, HealthStatus
from uts_shared.messaging import serve, subscribe_events, work_queue


def register(
    broker: RabbitBroker,
    *,
    tools: ToolService,
    loop: ModelLoop,
    health: Callable[[], Awaitable[HealthStatus]],
    status: Callable[[], ai_tools.AiToolsStatus],
) -> None:
    async def tool_calls(request: ai_tools.ToolCallsRequest) -> ai_tools.ToolCallsResult:
        outputs = await tools.execute_all(request.calls, request.phone, request.conversation_id)
        return ai_tools.ToolCallsResult(outputs=outputs)

    async def respond(request: ai_tools.RespondRequest) -> ai_tools.RespondResult:
        return await loop.respond(request)

    async def on_health(_: Empty) -> HealthStatus:
        return await health()

    async def on_status(_: Empty) -> ai_tools.AiToolsStatus:
        return status()

    serve(broker, ai_tools.TOOL_CALLS, tool_calls)
    serve(broker, ai_tools.RESPOND, respond)
    serve(broker, ai_tools.HEALTH, on_health)
    serve(broker, ai_tools.STATUS, on_status)


def subscribe_webhooks(broker: RabbitBroker, consumer: WebhookConsumer) -> None:
    """One durable queue shared by every replica (competing consumers)."""
    subscribe_events(broker, work_queue(ai_tools.WEBHOOK_QUEUE, ai_tools.WEBHOOK_BINDING), consumer)


def subscribe_embeddings(broker: RabbitBroker, embedder: Embedder) -> None:
    """One durable queue shared by every replica, bound to ticket events only while an OpenAI
    key is configured (`AiToolsService.started`)."""
    queue = work_queue(ai_tools.EMBEDDINGS_QUEUE, ai_tools.EMBEDDINGS_PARKED)
    subscribe_events(broker, queue, embedder.on_event)


def webhook_consumer(
    broker: RabbitBroker, loop: ModelLoop, *, max_attempts: int, retry_delay: float
) -> WebhookConsumer:
    return WebhookConsumer(
        loop,
        broker,
        queue=ai_tools.WEBHOOK_QUEUE,
        max_attempts=max_attempts,
        retry_delay=retry_delay,
    )
