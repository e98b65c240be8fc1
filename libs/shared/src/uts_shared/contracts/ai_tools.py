"""AI-tools service contracts: the assistant's tool calls, a whole assistant turn, webhook events.

The tools (`create_ticket_report`, `get_ticket_information`) keep the plan's behaviour (plan
2025-12-21 §1.4) on OpenAI's Responses API: a model's `function_call` items come in as
`FunctionCall`s and leave as `FunctionCallOutput`s (`output` is the JSON string sent back to the
model as a `function_call_output` item). The gateway verifies OpenAI's webhooks and publishes
them as `openai.<type>` events; the ai-tools service consumes `openai.response.completed`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from uts_shared.contracts.base import (
    MAX_TOOL_CALLS,
    TOOL_ARGUMENTS_MAX,
    Empty,
    EventType,
    Id,
    Rpc,
    WireModel,
    example,
    health_rpc,
    stripped,
)
from uts_shared.contracts.tickets import TICKET_CREATED, TICKET_UPDATED, Handler, PhoneNumber

Phone = PhoneNumber
CallId = Annotated[str, stripped(1, 200)]
ResponseId = Annotated[str, stripped(1, 200)]
ConversationId = Id


# --- tool calls -------------------------------------------------------------------------------


class FunctionCall(WireModel):
    """One `function_call` item as the model produced it; `arguments` is its raw JSON string."""

    call_id: CallId
    name: str = Field(max_length=128)
    arguments: str = Field(default="{}", max_length=TOOL_ARGUMENTS_MAX)


class FunctionCallOutput(WireModel):
    """The answer to one call: `output` is a JSON string (`{"success": ..., ...}`)."""

    call_id: str
    output: str


class ToolCallsRequest(WireModel):
    """Function calls made on behalf of the customer with this phone number (E.164)."""

    model_config = example(
        {
            "phone": "+525512345678",
            "calls": [
                {
                    "callId": "call_1",
                    "name": "get_ticket_information",
                    "arguments": '{"ticketId": "LUX-2026-000001"}',
                }
            ],
        }
    )

    phone: Phone
    conversation_id: ConversationId | None = None
    """Linked to a created ticket; default: the customer's open/assigned conversation."""
    calls: list[FunctionCall] = Field(default_factory=list, max_length=MAX_TOOL_CALLS)


class ToolCallsResult(WireModel):
    """One output per call, in the order of the request's calls."""

    outputs: list[FunctionCallOutput]


# --- a whole assistant turn -------------------------------------------------------------------


class RespondRequest(WireModel):
    """A customer's message; `previousResponseId` continues an earlier turn's chain."""

    model_config = example({"phone": "+525512345678", "message": "El poste de mi calle no prende"})

    phone: Phone
    conversation_id: ConversationId | None = None
    message: Annotated[str, stripped(1, 20_000)]
    previous_response_id: ResponseId | None = None


class ToolCallRecord(WireModel):
    """A call the model made during the turn and the output it was given."""

    call_id: str
    name: str
    arguments: str
    output: str


class RespondResult(WireModel):
    """The model's final text; `responseId` is the id to pass as `previousResponseId` next time.

    `handledBy: agent`: an agent handles the conversation; the customer's message was recorded
    for them and the model was not asked (no text, no response)."""

    text: str = ""
    response_id: str | None = None
    handled_by: Handler = Handler.ASSISTANT
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    loop_guard_tripped: bool = False


# --- health -----------------------------------------------------------------------------------


class AiToolsStatus(WireModel):
    """What `ai-tools.status` reports: the broker/HTTP tool path always runs; the model paths
    (webhook continuation, `ai.respond`) only with an OpenAI key configured."""

    service: str = "ai-tools"
    instance: str
    tools_enabled: bool = True
    model_enabled: bool
    webhooks_enabled: bool
    model: str | None = None
    reason: str | None = None
    config_changes_seen: int = 0
    """`config.updated` events this instance has applied (its cache was dropped that often)."""
    webhooks: dict[str, int] = Field(default_factory=dict)
    """What this instance did with webhook deliveries (`continued`, `duplicate`, `retried`, ...)."""


# --- operations -------------------------------------------------------------------------------

TOOL_CALLS = Rpc(
    "ai.tool_calls",
    ToolCallsRequest,
    ToolCallsResult,
    "Execute the assistant's function calls for a customer (idempotent per callId)",
)
RESPOND = Rpc(
    "ai.respond",
    RespondRequest,
    RespondResult,
    "A whole assistant turn: model call, tool rounds, final text",
)
STATUS = Rpc(
    "ai-tools.status",
    Empty,
    AiToolsStatus,
    "Which ai-tools paths are enabled (webhook/respond need an OpenAI key)",
)

HEALTH = health_rpc("ai-tools")

RPCS: tuple[Rpc[Any, Any], ...] = (TOOL_CALLS, RESPOND, STATUS)


# --- events: OpenAI webhooks, as the gateway publishes them -----------------------------------


class WebhookData(WireModel):
    model_config = {**WireModel.model_config, "extra": "ignore"}

    id: str
    """The response id (`resp_...`)."""


class OpenAiWebhook(WireModel):
    """A verified OpenAI webhook; the event envelope's `eventId` is the `webhook-id` header."""

    webhook_id: str
    type: str
    """OpenAI's event type, e.g. `response.completed`."""
    data: WebhookData
    created_at: int


WEBHOOK_PREFIX = "openai."
WEBHOOK_QUEUE = "ai-tools.openai-webhooks"
"""The one durable queue every ai-tools replica consumes webhooks from (competing consumers)."""
WEBHOOK_BINDING = "openai.response.*"


EMBEDDINGS_QUEUE = "ai-tools.embeddings"
"""New and reworded tickets whose text the ai-tools service embeds (OpenAI embeddings) for
the tickets service's similar tickets; bound only while an OpenAI key is configured."""
EMBEDDINGS_PARKED = "embeddings.parked"
EMBEDDINGS_BINDINGS = (TICKET_CREATED.routing_key, TICKET_UPDATED.routing_key)


def webhook_routing_key(openai_type: str) -> str:
    """`response.completed` -> `openai.response.completed`."""
    return f"{WEBHOOK_PREFIX}{openai_type}"


OPENAI_RESPONSE_COMPLETED = EventType(
    "openai.response.completed", OpenAiWebhook, "OpenAI webhook: a background response completed"
)
OPENAI_RESPONSE_FAILED = EventType(
    "openai.response.failed", OpenAiWebhook, "OpenAI webhook: a background response failed"
)
OPENAI_RESPONSE_CANCELLED = EventType(
    "openai.response.cancelled", OpenAiWebhook, "OpenAI webhook: a background response cancelled"
)
OPENAI_RESPONSE_INCOMPLETE = EventType(
    "openai.response.incomplete", OpenAiWebhook, "OpenAI webhook: a response ended incomplete"
)

WEBHOOK_EVENTS: tuple[EventType[Any], ...] = (
    OPENAI_RESPONSE_COMPLETED,
    OPENAI_RESPONSE_FAILED,
    OPENAI_RESPONSE_CANCELLED,
    OPENAI_RESPONSE_INCOMPLETE,
)


# --- events the ai-tools service publishes ----------------------------------------------------


class ResponseEnded(WireModel):
    """A response that did not complete: for the conversation system to tell the customer."""

    response_id: str
    status: str
    """`failed`, `cancelled` or `incomplete` (OpenAI's status)."""
    phone: str | None = None
    conversation_id: str | None = None
    reason: str | None = None


class ResponseAnswered(WireModel):
    """A background response (webhook path) ended in text: the message for the customer."""

    response_id: str
    phone: str | None = None
    conversation_id: str | None = None
    text: str


class LoopGuardTripped(WireModel):
    """The model repeated a call or used up its tool rounds; the loop was stopped."""

    response_id: str | None = None
    phone: str | None = None
    conversation_id: str | None = None
    reason: str
    call_name: str | None = None
    arguments: str | None = None
    rounds: int


class ToolCallCompleted(WireModel):
    """One tool call executed (first time only: replays of the same callId publish nothing)."""

    call_id: str
    name: str
    phone: str
    conversation_id: str | None = None
    success: bool
    ticket_id: str | None = None


AI_RESPONSE_FAILED = EventType("ai.response.failed", ResponseEnded, "A model response failed")
AI_RESPONSE_CANCELLED = EventType(
    "ai.response.cancelled", ResponseEnded, "A model response was cancelled"
)
AI_RESPONSE_INCOMPLETE = EventType(
    "ai.response.incomplete", ResponseEnded, "A model response ended incomplete"
)
AI_RESPONSE_ANSWERED = EventType(
    "ai.response.answered", ResponseAnswered, "A background response ended with text"
)
AI_LOOP_GUARD_TRIPPED = EventType(
    "ai.loop_guard_tripped", LoopGuardTripped, "A runaway tool loop was stopped"
)
AI_TOOL_CALL_COMPLETED = EventType(
    "ai.tool_call.completed", ToolCallCompleted, "A tool call was executed"
)

ENDED_EVENTS: dict[str, EventType[ResponseEnded]] = {
    "failed": AI_RESPONSE_FAILED,
    "cancelled": AI_RESPONSE_CANCELLED,
    "incomplete": AI_RESPONSE_INCOMPLETE,
}
"""OpenAI status -> the event published for it."""

EVENTS: tuple[EventType[Any], ...] = (
    AI_RESPONSE_FAILED,
    AI_RESPONSE_CANCELLED,
    AI_RESPONSE_INCOMPLETE,
    AI_RESPONSE_ANSWERED,
    AI_LOOP_GUARD_TRIPPED,
    AI_TOOL_CALL_COMPLETED,
)
