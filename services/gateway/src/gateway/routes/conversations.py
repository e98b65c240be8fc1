"""Conversations (no CRM exists around us): create, look up, list, change status, their tickets."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from gateway.auth import CurrentAgent, current_agent
from gateway.directory import DirectoryDep
from gateway.routes.envelope import FilterValue, Ok, answer, answer_fields, unique_query_keys
from gateway.routes.tickets import TicketsOut
from gateway.rpc import RpcDep
from gateway.visibility import VisibilityDep
from uts_shared.contracts import tickets
from uts_shared.contracts.base import WireModel, example
from uts_shared.contracts.tickets import (
    Conversation,
    ConversationStatus,
    CreateConversation,
    CustomerReplied,
    Handler,
    Id,
    Instant,
    Limit,
    Page,
    Pagination,
)

router = APIRouter(
    prefix="/conversations",
    tags=["conversations"],
    dependencies=[Depends(current_agent)],
)

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown conversation"}}
ConversationId = FilterValue


class ConversationListQuery(WireModel):
    page: Page = 1
    limit: Limit = 20
    customer_id: FilterValue | None = None
    status: ConversationStatus | None = None
    handled_by: Handler | None = None
    """Who answers the customer: the assistant or the agents."""
    waiting: bool | None = None
    """true: the customer wrote last and has no answer yet; false: the others."""


class PageQuery(WireModel):
    page: Page = 1
    limit: Limit = 20


class ConversationStatusBody(WireModel):
    model_config = example({"status": "assigned", "assignedAgent": "a7c1e3f5"})

    status: ConversationStatus
    assigned_agent: Id | None = None


class CustomerRepliedBody(WireModel):
    model_config = example({"occurredAt": "2026-11-30T09:15:00Z"})

    occurred_at: Instant | None = None


class ResumedOut(Ok):
    resumed: list[str]
    """Ids of the tickets moved back to in_progress."""


class ConversationOut(Ok):
    conversation: Conversation


class ConversationsOut(Ok):
    conversations: list[Conversation]
    pagination: Pagination


@router.post(
    "",
    status_code=201,
    response_model=None,
    responses={
        201: {"model": ConversationOut},
        404: {"description": "Unknown customer, or no active agent as `assignedAgent`"},
    },
)
async def create_conversation(
    body: CreateConversation, rpc: RpcDep, directory: DirectoryDep
) -> Response:
    """Open a conversation with a customer (optionally assigned to an active agent); tickets
    filed from it name it."""
    if body.assigned_agent is not None:
        await directory.assignable(body.assigned_agent, field="assignedAgent")
    conversation = await rpc.call(tickets.CREATE_CONVERSATION, body)
    return answer("conversation", conversation, status_code=201)


@router.get(
    "",
    response_model=None,
    dependencies=[Depends(unique_query_keys)],
    responses={200: {"model": ConversationsOut}},
)
async def list_conversations(
    query: Annotated[ConversationListQuery, Query()], rpc: RpcDep
) -> Response:
    """Conversations, most recently updated (or written in) first; optionally one customer's,
    one status, those one handler answers (`handledBy`), those waiting for an answer."""
    request = tickets.ListConversations(**query.model_dump(by_alias=False))
    result = await rpc.call_raw(tickets.LIST_CONVERSATIONS, request)
    return answer_fields(result)


@router.get(
    "/{conversation_id}",
    response_model=None,
    responses={200: {"model": ConversationOut}, **NOT_FOUND},
)
async def get_conversation(conversation_id: ConversationId, rpc: RpcDep) -> Response:
    """One conversation by its id."""
    request = tickets.GetConversation(conversation_id=conversation_id)
    result = await rpc.call_raw(tickets.GET_CONVERSATION, request)
    return answer("conversation", result)


@router.patch(
    "/{conversation_id}",
    response_model=None,
    responses={
        200: {"model": ConversationOut},
        404: {"description": "Unknown conversation, or no active agent as `assignedAgent`"},
    },
)
async def update_conversation(
    conversation_id: ConversationId,
    body: ConversationStatusBody,
    agent: CurrentAgent,
    rpc: RpcDep,
    directory: DirectoryDep,
) -> Response:
    """Change the status (open, assigned, closed), optionally naming the assigned agent (an
    active one)."""
    if body.assigned_agent is not None:
        await directory.assignable(body.assigned_agent, field="assignedAgent")
    request = tickets.UpdateConversationStatus(
        conversation_id=conversation_id,
        status=body.status,
        assigned_agent=body.assigned_agent,
        by=agent.id,
    )
    result = await rpc.call(tickets.UPDATE_CONVERSATION_STATUS, request)
    return answer("conversation", result)


@router.get(
    "/{conversation_id}/tickets",
    response_model=None,
    dependencies=[Depends(unique_query_keys)],
    responses={200: {"model": TicketsOut}},
)
async def conversation_tickets(
    conversation_id: ConversationId,
    query: Annotated[PageQuery, Query()],
    agent: CurrentAgent,
    rpc: RpcDep,
    visibility: VisibilityDep,
) -> Response:
    """The tickets opened from a conversation (that the agent may see), newest first."""
    request = tickets.ListByConversation(
        conversation_id=conversation_id,
        page=query.page,
        limit=query.limit,
        visible_to=await visibility.restricted_to(agent),
    )
    result = await rpc.call_raw(tickets.LIST_BY_CONVERSATION, request)
    return answer_fields(result)


@router.post(
    "/{conversation_id}/customer-replied",
    response_model=None,
    responses={200: {"model": ResumedOut}, **NOT_FOUND},
)
async def customer_replied(
    conversation_id: ConversationId, rpc: RpcDep, body: CustomerRepliedBody | None = None
) -> Response:
    """The customer wrote again (for systems that speak HTTP rather than publish
    `conversation.customer_replied`): the conversation's tickets waiting on the customer move
    back to in_progress, resuming their SLA clocks."""
    request = CustomerReplied(
        conversation_id=conversation_id, occurred_at=body.occurred_at if body else None
    )
    result = await rpc.call(tickets.CUSTOMER_REPLIED, request)
    return answer_fields(result)
