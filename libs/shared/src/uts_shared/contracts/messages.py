"""A conversation's messages and who handles it: contracts of the tickets service.

Messages are the conversation as the customer lives it: what they wrote (inbound, from the
channel system or an `ai.respond` turn), what the assistant and the agents answered
(outbound). Every new message is published as `conversation.message_created` (the channel
system delivers the outbound ones and reports back through the delivery RPC, published as
`conversation.message_updated`). A conversation is handled by the assistant or by an agent
(`conversation.handed_off`); while an agent handles it the assistant does not answer.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from uts_shared.contracts.base import (
    MAX_ATTACHMENTS,
    EventType,
    Id,
    Name,
    Pagination,
    Rpc,
    Text,
    WireModel,
    example,
)
from uts_shared.contracts.tickets import (
    Attachment,
    Conversation,
    Handler,
    Instant,
    Limit,
    Page,
)

MESSAGE_TEXT_MAX = 4_096
"""Characters of one message: WhatsApp's own limit for a text message."""

MessageText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MESSAGE_TEXT_MAX)]


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Author(StrEnum):
    CUSTOMER = "customer"
    ASSISTANT = "assistant"
    AGENT = "agent"


class Delivery(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


DELIVERY_RANK: dict[Delivery, int] = {
    Delivery.PENDING: 0,
    Delivery.SENT: 1,
    Delivery.DELIVERED: 2,
    Delivery.READ: 3,
    Delivery.FAILED: 1,
}
"""How far a message got: a report never moves it back (a late `sent` after `read` changes
nothing); `failed` only follows pending or sent."""


class Message(WireModel):
    model_config = example(
        {
            "id": "m-6f1c2a9e",
            "conversationId": "c0ffee1234",
            "direction": "outbound",
            "author": "agent",
            "agentId": "a7c1e3f5",
            "agentName": "Ana López",
            "text": "La cuadrilla va mañana temprano",
            "attachments": [],
            "createdAt": "2026-11-30T09:15:00Z",
            "delivery": "pending",
        }
    )

    id: str
    conversation_id: str
    customer_id: str
    direction: Direction
    author: Author
    agent_id: str | None = None
    agent_name: str | None = None
    text: str
    attachments: list[Attachment] = Field(default_factory=list)
    created_at: datetime
    delivery: Delivery
    delivery_reason: str | None = None
    """Why a delivery failed, as the channel system said."""
    delivery_updated_at: datetime | None = None
    ticket_id: str | None = None
    """The ticket whose public note or status change this message tells the customer about."""
    note_id: str | None = None


class PostMessage(WireModel):
    """A message in a conversation: inbound (the customer's, from the channel system) or
    outbound (an agent's or the assistant's reply, stored pending until the channel reports).
    The same `requestKey` again is the same message (nothing stored twice)."""

    model_config = example(
        {
            "conversationId": "c0ffee1234",
            "direction": "inbound",
            "text": "¿Qué pasó con mi reporte?",
        }
    )

    conversation_id: Id
    direction: Direction
    author: Author | None = None
    """Inbound: customer (the default); outbound: agent (the default) or assistant."""
    agent_id: Id | None = None
    agent_name: Name | None = None
    text: MessageText = ""
    attachments: Annotated[list[Attachment], Field(max_length=MAX_ATTACHMENTS)] = Field(
        default_factory=list
    )
    request_key: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    occurred_at: Instant | None = None
    ticket_id: Id | None = None
    note_id: Id | None = None
    sent_by_caller: bool = False
    """An outbound message the caller delivers itself (the assistant's answer to an
    `ai.respond` turn): stored as sent, nothing for the channel system to deliver."""

    @model_validator(mode="after")
    def _consistent(self) -> PostMessage:
        author = self.author or (
            Author.CUSTOMER if self.direction is Direction.INBOUND else Author.AGENT
        )
        if self.direction is Direction.INBOUND and author is not Author.CUSTOMER:
            raise ValueError("author: an inbound message is the customer's")
        if self.direction is Direction.OUTBOUND and author is Author.CUSTOMER:
            raise ValueError("author: an outbound message is an agent's or the assistant's")
        if author is Author.AGENT and self.agent_id is None:
            raise ValueError("agentId: an agent's message names the agent")
        if not self.text and not self.attachments:
            raise ValueError("text: a message needs text or attachments")
        self.author = author
        return self


class ListMessages(WireModel):
    conversation_id: Id
    page: Page = 1
    limit: Limit = 50


class MessagePage(WireModel):
    """Oldest first across pages and within a page (the newest is last)."""

    messages: list[Message]
    pagination: Pagination


class ReportDelivery(WireModel):
    """The channel system's report on an outbound message (`reason` says why it failed)."""

    model_config = example(
        {"conversationId": "c0ffee1234", "messageId": "m-6f1c2a9e", "status": "delivered"},
        {
            "conversationId": "c0ffee1234",
            "messageId": "m-6f1c2a9e",
            "status": "failed",
            "reason": "The customer's number is not on WhatsApp",
        },
    )

    conversation_id: Id
    message_id: Id
    status: Literal[Delivery.SENT, Delivery.DELIVERED, Delivery.READ, Delivery.FAILED]
    reason: Text | None = None
    occurred_at: Instant | None = None

    @model_validator(mode="after")
    def _reason_of_failure(self) -> ReportDelivery:
        if self.status is Delivery.FAILED and not self.reason:
            raise ValueError("reason: a failed delivery says why")
        return self


class HandOff(WireModel):
    """Give the conversation to the agents (optionally one of them) or back to the assistant."""

    model_config = example({"conversationId": "c0ffee1234", "to": "agent", "agentId": "a7c1e3f5"})

    conversation_id: Id
    to: Handler
    agent_id: Id | None = None
    reason: Text | None = None
    by: Id | None = None
    """Who handed it off: an agent's id, `assistant` for the assistant's own request."""

    @model_validator(mode="after")
    def _agent_for_agents(self) -> HandOff:
        if self.to is Handler.ASSISTANT and self.agent_id is not None:
            raise ValueError("agentId: only a handoff to an agent names one")
        return self


class HandedOff(WireModel):
    conversation: Conversation
    changed: bool
    """False when the conversation was already handled so (nothing published)."""


# --- operations -------------------------------------------------------------------------------

POST_MESSAGE = Rpc(
    "tickets.conversations.messages.post",
    PostMessage,
    Message,
    "Store a conversation message (inbound resumes paused SLA clocks; outbound is pending)",
)
LIST_MESSAGES = Rpc(
    "tickets.conversations.messages.list", ListMessages, MessagePage, "Messages, newest last"
)
REPORT_DELIVERY = Rpc(
    "tickets.conversations.messages.delivery",
    ReportDelivery,
    Message,
    "The channel system's delivery report of an outbound message",
)
HAND_OFF = Rpc(
    "tickets.conversations.handoff",
    HandOff,
    HandedOff,
    "Hand the conversation to the agents or back to the assistant",
)

RPCS: tuple[Rpc[Any, Any], ...] = (POST_MESSAGE, LIST_MESSAGES, REPORT_DELIVERY, HAND_OFF)


# --- events -----------------------------------------------------------------------------------


class MessageEvent(WireModel):
    """A message as stored after the change: the channel system delivers the outbound ones
    still `pending`."""

    message: Message
    customer_id: str


class ConversationHandedOff(WireModel):
    conversation_id: str
    customer_id: str
    handled_by: Handler
    agent_id: str | None = None
    reason: str | None = None
    by: str | None = None


CONVERSATION_MESSAGE_CREATED = EventType(
    "conversation.message_created",
    MessageEvent,
    "A message in a conversation: the channel system delivers the outbound ones",
)
CONVERSATION_MESSAGE_UPDATED = EventType(
    "conversation.message_updated",
    MessageEvent,
    "An outbound message's delivery state changed (sent, delivered, read, failed)",
)
CONVERSATION_HANDED_OFF = EventType(
    "conversation.handed_off",
    ConversationHandedOff,
    "A conversation was handed to the agents or back to the assistant",
)

EVENTS: tuple[EventType[Any], ...] = (
    CONVERSATION_MESSAGE_CREATED,
    CONVERSATION_MESSAGE_UPDATED,
    CONVERSATION_HANDED_OFF,
)

SOCKET_EVENT_NAMES: dict[str, str] = {
    e.routing_key: e.routing_key.replace(".", "_") for e in EVENTS
}
"""Routing key -> Socket.IO event name (`conversation.message_created` ->
`conversation_message_created`)."""
