"""A conversation's messages, their delivery and its handoff (under `/conversations`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import Field

from gateway.auth import CurrentAgent, current_agent
from gateway.directory import DirectoryDep
from gateway.routes.conversations import NOT_FOUND, ConversationId
from gateway.routes.envelope import FilterValue, Ok, answer, answer_fields, unique_query_keys
from gateway.rpc import RpcDep
from uts_shared.contracts import messages as m
from uts_shared.contracts.base import MAX_ATTACHMENTS, Id, Text, WireModel, example
from uts_shared.contracts.tickets import (
    Attachment,
    Conversation,
    Handler,
    Instant,
    Limit,
    Page,
    Pagination,
)
from uts_shared.errors import ValidationFailed

router = APIRouter(
    prefix="/conversations",
    tags=["conversations"],
    dependencies=[Depends(current_agent)],
)

MessageId = FilterValue


class MessagesQuery(WireModel):
    page: Page = 1
    limit: Limit = 50


class MessageBody(WireModel):
    """Inbound: the customer's message, as the channel system received it. Outbound: the
    caller's reply (author `agent`, the default) or the assistant's, for the channel system to
    deliver."""

    model_config = example(
        {"direction": "outbound", "text": "La cuadrilla va mañana temprano"},
        {
            "direction": "inbound",
            "text": "Aquí la foto",
            "attachments": [{"url": "https://media.example/poste.jpg", "type": "image/jpeg"}],
        },
    )

    direction: m.Direction
    author: m.Author | None = None
    text: m.MessageText = ""
    attachments: Annotated[list[Attachment], Field(max_length=MAX_ATTACHMENTS)] = Field(
        default_factory=list
    )
    occurred_at: Instant | None = None

    def check(self) -> None:
        """The rules between fields (a 422 naming the field)."""
        inbound = self.direction is m.Direction.INBOUND
        if inbound and self.author not in (None, m.Author.CUSTOMER):
            raise ValidationFailed.on("author", "an inbound message is the customer's")
        if not inbound and self.author is m.Author.CUSTOMER:
            raise ValidationFailed.on(
                "author", "an outbound message is an agent's or the assistant's"
            )
        if not self.text and not self.attachments:
            raise ValidationFailed.on("text", "a message needs text or attachments")


class DeliveryBody(WireModel):
    model_config = example(
        {"status": "delivered"},
        {"status": "failed", "reason": "The customer's number is not on WhatsApp"},
    )

    status: Literal[m.Delivery.SENT, m.Delivery.DELIVERED, m.Delivery.READ, m.Delivery.FAILED]
    """What became of the message (`pending` is where every outbound one starts)."""
    reason: Text | None = None
    occurred_at: Instant | None = None

    def check(self) -> None:
        if self.status is m.Delivery.FAILED and not self.reason:
            raise ValidationFailed.on("reason", "a failed delivery says why")


class HandoffBody(WireModel):
    model_config = example({"to": "agent", "agentId": "a7c1e3f5"}, {"to": "assistant"})

    to: Handler
    agent_id: Id | None = None
    reason: Text | None = None

    def check(self) -> None:
        if self.to is Handler.ASSISTANT and self.agent_id is not None:
            raise ValidationFailed.on("agentId", "only a handoff to an agent names one")


class MessageOut(Ok):
    message: m.Message


class MessagesOut(Ok):
    messages: list[m.Message]
    pagination: Pagination


class ConversationHandoffOut(Ok):
    conversation: Conversation
    changed: bool


@router.get(
    "/{conversation_id}/messages",
    response_model=None,
    dependencies=[Depends(unique_query_keys)],
    responses={200: {"model": MessagesOut}, **NOT_FOUND},
)
async def list_messages(
    conversation_id: ConversationId, query: Annotated[MessagesQuery, Query()], rpc: RpcDep
) -> Response:
    """The conversation's messages, oldest first (the newest last), page by page."""
    request = m.ListMessages(conversation_id=conversation_id, page=query.page, limit=query.limit)
    return answer_fields(await rpc.call_raw(m.LIST_MESSAGES, request))


@router.post(
    "/{conversation_id}/messages",
    status_code=201,
    response_model=None,
    responses={201: {"model": MessageOut}, **NOT_FOUND},
)
async def post_message(
    conversation_id: ConversationId,
    body: MessageBody,
    *,
    agent: CurrentAgent,
    rpc: RpcDep,
    directory: DirectoryDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            description="The same key again answers the message stored the first time",
        ),
    ] = None,
) -> Response:
    """Store a message and publish it as `conversation.message_created`. An inbound one (the
    customer's) resumes the conversation's tickets waiting on the customer; an outbound one is
    pending until the channel system reports its delivery."""
    body.check()
    outbound = body.direction is m.Direction.OUTBOUND
    author = body.author or (m.Author.AGENT if outbound else m.Author.CUSTOMER)
    by_agent = author is m.Author.AGENT
    request = m.PostMessage(
        conversation_id=conversation_id,
        direction=body.direction,
        author=author,
        agent_id=agent.id if by_agent else None,
        agent_name=await directory.name_of(agent) if by_agent else None,
        text=body.text,
        attachments=body.attachments,
        occurred_at=body.occurred_at,
        request_key=idempotency_key,
    )
    return answer("message", await rpc.call_raw(m.POST_MESSAGE, request), status_code=201)


@router.post(
    "/{conversation_id}/messages/{message_id}/delivery",
    response_model=None,
    responses={
        200: {"model": MessageOut},
        404: {"description": "Unknown conversation or message"},
        409: {"description": "The message is the customer's (inbound): nothing to deliver"},
    },
)
async def report_delivery(
    conversation_id: ConversationId, message_id: MessageId, body: DeliveryBody, rpc: RpcDep
) -> Response:
    """The channel system's report on an outbound message: sent, delivered, read or failed
    (with the reason). A report never moves a message back; it is published as
    `conversation.message_updated` when it moves it on."""
    body.check()
    request = m.ReportDelivery(
        conversation_id=conversation_id,
        message_id=message_id,
        status=body.status,
        reason=body.reason,
        occurred_at=body.occurred_at,
    )
    return answer("message", await rpc.call_raw(m.REPORT_DELIVERY, request))


@router.post(
    "/{conversation_id}/handoff",
    response_model=None,
    responses={
        200: {"model": ConversationHandoffOut},
        404: {"description": "Unknown conversation, or no active agent as `agentId`"},
    },
)
async def hand_off(
    conversation_id: ConversationId,
    body: HandoffBody,
    agent: CurrentAgent,
    rpc: RpcDep,
    directory: DirectoryDep,
) -> Response:
    """Hand the conversation to the agents (optionally one, an active agent) or back to the
    assistant; published as `conversation.handed_off`. While agents handle it the assistant
    records the customer's messages and does not answer."""
    body.check()
    if body.agent_id is not None:
        await directory.assignable(body.agent_id, field="agentId")
    request = m.HandOff(
        conversation_id=conversation_id,
        to=body.to,
        agent_id=body.agent_id,
        reason=body.reason,
        by=agent.id,
    )
    return answer_fields(await rpc.call_raw(m.HAND_OFF, request))
