"""Tickets (plan §2.1/§2.2), for agents: parse, authorise, call the tickets service, shape.

Every actor (`by`, `agentId` of a create) is the agent named by the bearer token, never a field
of the body. Bodies and query strings are the contract's own types with `extra="forbid"`, so an
unknown or protected field (`status` in a PUT, `status[$ne]` in a query) is a 422 naming it.
"""

from __future__ import annotations

import inspect
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.auth import Agent, CurrentAgent, TokenPrincipal, current_agent
from gateway.directory import Directory, DirectoryDep
from gateway.routes.envelope import (
    SEVERAL,
    FilterValue,
    FilterValues,
    Ok,
    answer,
    answer_fields,
    unique_query_keys,
    unique_query_keys_but,
)
from gateway.rpc import RpcDep
from gateway.visibility import Visibility, VisibilityDep
from uts_shared.contracts import tickets
from uts_shared.contracts.base import (
    Id,
    NoteText,
    Rpc,
    Shape,
    Text,
    WireModel,
    example,
    optional_not_null,
)
from uts_shared.contracts.tickets import (
    NEW_TICKET_EXAMPLE,
    Instant,
    Limit,
    NewTicket,
    Note,
    Page,
    Pagination,
    Priority,
    SlaState,
    SortBy,
    SortOrder,
    TicketChanges,
    TicketSource,
    TicketStats,
    TicketStatus,
    TicketSummary,
    TicketView,
)
from uts_shared.contracts.tickets import Query as SearchWords
from uts_shared.errors import Conflict, Forbidden, PreconditionFailed, ValidationFailed
from uts_shared.messaging import JSON, RpcClient, encode

TicketId = Id
"""As the tickets service reads it: trimmed, not blank."""


router = APIRouter(
    prefix="/tickets",
    tags=["tickets"],
    dependencies=[Depends(current_agent)],
)

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown ticket"}}
NO_ASSIGNEE: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown ticket, or no active agent by that id (the field is named)"}
}
PRECONDITION: dict[int | str, dict[str, Any]] = {
    412: {"description": "`If-Match` names a version the ticket no longer has"}
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "Not allowed in the ticket's state, its history is full, or version moved"}
}


# --- query strings and bodies --------------------------------------------------------------------


MULTI_VALUE_FILTERS = (
    "status", "category", "priority", "slaState", "source", "assignedAgent", "channel",
)  # fmt: skip
"""Keys of `GET /tickets` that take several values (comma-separated or repeated)."""


class TicketFilters(WireModel):
    """The filters of the ticket list (every one optional; `search` finds the tickets holding
    every word).

    `status`, `category`, `priority`, `slaState`: one value or several
    (`status=open,in_progress` or the key repeated), any of which matches. `assignedAgent`: an
    agent's id, `me` (the caller) or `unassigned` (nobody's yet); several: any of them.
    `createdFrom`/`createdTo`, `resolvedFrom`/`resolvedTo` (inclusive) and `updatedSince`:
    ISO 8601 date-times (UTC unless they name a zone). `source` (several: any): where the ticket
    came from; `channel` (several: any): the channel of the conversation it was reported in.
    `figure` with `figureFrom`/`figureTo`: the tickets behind a report's figure in that period
    (`backlog`: open at `figureTo`), as the reports count them."""

    status: Annotated[list[TicketStatus], *SEVERAL] | None = None
    category: FilterValues | None = None
    priority: Annotated[list[Priority], *SEVERAL] | None = None
    assigned_agent: FilterValues | None = None
    customer_id: FilterValue | None = None
    conversation_id: FilterValue | None = None
    tag: FilterValue | None = None
    is_escalated: bool | None = None
    created_from: Instant | None = None
    created_to: Instant | None = None
    updated_since: Instant | None = None
    sla_state: Annotated[list[SlaState], *SEVERAL] | None = None
    source: Annotated[list[TicketSource], *SEVERAL] | None = None
    resolved_from: Instant | None = None
    resolved_to: Instant | None = None
    channel: Annotated[list[tickets.Channel], *SEVERAL] | None = None
    figure: tickets.ReportFigure | None = None
    figure_from: Instant | None = None
    figure_to: Instant | None = None
    search: SearchWords | None = None

    def request(self, caller: str, visible_to: str | None = None) -> tickets.ListTickets:
        if self.created_from and self.created_to and self.created_to < self.created_from:
            raise ValidationFailed.on("createdTo", "is before createdFrom")
        if self.resolved_from and self.resolved_to and self.resolved_to < self.resolved_from:
            raise ValidationFailed.on("resolvedTo", "is before resolvedFrom")
        self._check_figure()
        fields = self.model_dump(exclude={"search", "assigned_agent"}, by_alias=False)
        asked = [caller if a == "me" else a for a in self.assigned_agent or ()]
        agents = [a for a in dict.fromkeys(asked) if a != "unassigned"]
        return tickets.ListTickets(
            **fields,
            assigned_agent=agents or None,
            unassigned="unassigned" in asked,
            q=self.search,
            visible_to=visible_to,
        )

    def _check_figure(self) -> None:
        if self.figure is None:
            if self.figure_from is not None or self.figure_to is not None:
                raise ValidationFailed.on("figure", "is required with figureFrom or figureTo")
            return
        if self.figure_to is None:
            raise ValidationFailed.on("figureTo", "is required with figure")
        if self.figure_from is None and self.figure != "backlog":
            raise ValidationFailed.on("figureFrom", "is required with figure")
        if self.figure_from is not None and self.figure_to < self.figure_from:
            raise ValidationFailed.on("figureTo", "is before figureFrom")


class TicketListQuery(TicketFilters):
    """Query string of `GET /tickets`: the filters, the page and the order (newest first, or
    the best matches first when searching)."""

    page: Page = 1
    limit: Limit = 20
    sort_by: SortBy | None = None
    sort_order: SortOrder = "desc"


class ChangesQuery(WireModel):
    cursor: tickets.Cursor | None = None
    since: Instant | None = None
    """Without a cursor: the changes from this moment on (ISO 8601), not from the beginning."""
    limit: Limit = 100


class StatsFilter(WireModel):
    agent_id: FilterValue | None = None
    customer_id: FilterValue | None = None


class NewTicketBody(NewTicket):
    """Body of `POST /tickets`: the creating agent is the token's, never a field."""

    model_config = example(
        {
            **NEW_TICKET_EXAMPLE,
            "tags": ["poste", "noche"],
            "location": {"address": "Juárez 14, Centro"},
        }
    )

    assign_to_self: bool = False


class TicketUpdate(TicketChanges):
    """General fields only: ticketId, customerId, createdAt, status, history, notes -> 422."""

    model_config = example({"priority": "urgent", "tags": ["riesgo"], "expectedVersion": 3})

    expected_version: int | None = None


class AssignBody(WireModel):
    model_config = example({"agentId": "a7c1e3f5"})

    agent_id: Id
    expected_version: int | None = None


class StatusBody(WireModel):
    model_config = example({"status": "in_progress"}, {"status": "closed", "reason": "duplicate"})

    status: TicketStatus
    reason: Text | None = None
    expected_version: int | None = None


class NoteBody(WireModel):
    model_config = example(
        {"content": "Cuadrilla asignada para mañana", "isInternal": False},
        {"content": "Cambiamos el foco mañana", "isInternal": False, "sendToCustomer": True},
    )

    content: NoteText
    is_internal: bool = True
    send_to_customer: bool = False
    """A public note also goes to the customer, as a message of the ticket's conversation."""


class ResolveBody(WireModel):
    model_config = example({"resolutionNotes": "Se cambió el foco del poste 14"})

    resolution_notes: NoteText
    expected_version: int | None = None


class EscalateBody(WireModel):
    model_config = example({"toAgentId": "a7c1e3f5", "reason": "Requiere supervisor"})

    to_agent_id: Id
    reason: NoteText


class FeedbackBody(WireModel):
    model_config = example({"rating": 5, "comment": "Muy rápido"})

    rating: int = Field(ge=1, le=5)
    comment: Text | None = None


# --- documented answers (the plan's shapes; built by `answer`) ------------------------------------


_BULK_EXAMPLES = [
    {
        "ticketIds": ["LUX-2026-000001", "LUX-2026-000002"],
        "action": {"kind": "assign", "agentId": "a7c1e3f5"},
    },
    {
        "filter": {"assignedAgent": "unassigned", "status": ["new"]},
        "action": {"kind": "close", "reason": "duplicate"},
    },
    {
        "ticketIds": ["LUX-2026-000001"],
        "action": {"kind": "tag", "add": ["poste"], "remove": ["noche"]},
    },
]


def _bulk_schema(schema: dict[str, Any]) -> None:
    schema["examples"] = _BULK_EXAMPLES
    # Exactly one of the two ways to name the tickets (the server refuses neither and both).
    schema["oneOf"] = [{"required": ["ticketIds"]}, {"required": ["filter"]}]


class BulkBody(WireModel):
    """Body of `POST /tickets/bulk`: the tickets (`ticketIds`, at most 500) or `filter` (the
    list's filters: the first 500 matches, newest first), and the action."""

    model_config = ConfigDict(json_schema_extra=_bulk_schema)

    ticket_ids: tickets.BulkIds | None = optional_not_null()
    filter: TicketFilters | None = optional_not_null()
    action: tickets.BulkAction


class TicketOut(Ok):
    ticket: TicketView


class TicketsOut(Ok):
    tickets: list[TicketSummary]
    pagination: Pagination


class StatsOut(Ok):
    stats: TicketStats


class ChangesOut(Ok):
    tickets: list[TicketSummary]
    next_cursor: str
    has_more: bool


class NoteOut(Ok):
    ticket: TicketView
    note: Note


class BulkOut(Ok):
    results: list[tickets.BulkItem]
    done: int
    refused: int
    matched: int
    capped: bool


# --- versions: `If-Match` header or `expectedVersion` in the body ---------------------------------

ETAG = r'^[ \t]*(?:W/)?"?([0-9]{1,18})"?[ \t]*$'
_ETAG = re.compile(ETAG)


WriteKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Repeat a change safely: the same key again is answered, not applied",
    ),
]


async def write_key(idempotency_key: WriteKeyHeader = None) -> str:
    """The caller's `Idempotency-Key`, or a key of this request's own: a request the broker
    delivers twice (a service lost its connection while handling it) is applied once."""
    return idempotency_key or uuid.uuid4().hex


WriteKey = Annotated[str, Depends(write_key)]


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


class _Versioned(BaseModel):
    """What an answer's ETag needs of a ticket's JSON; the JSON itself is passed on as the
    tickets service made it (no second parse and serialisation of the whole ticket)."""

    version: int


def ticket_answer(ticket: bytes, status_code: int = 200) -> Response:
    version = _Versioned.model_validate_json(ticket).version
    return answer("ticket", ticket, status_code=status_code, headers=etag(version))


def expected_version(if_match: str | None, in_body: int | None) -> int | None:
    """The version the change is conditional on; both given and different -> 422."""
    if if_match is None:
        return in_body
    match = _ETAG.match(if_match)
    if match is None:
        raise ValidationFailed.on("If-Match", 'must be a ticket version, e.g. "3"')
    version = int(match.group(1))
    if in_body is not None and in_body != version:
        raise ValidationFailed.on("expectedVersion", "differs from the If-Match header")
    return version


IfMatch = Annotated[
    Annotated[str, Shape(ETAG, 'must be a ticket version, e.g. "3"')] | None,
    Header(alias="If-Match", description='Ticket version, e.g. "3" (its ETag)'),
]


@dataclass(frozen=True)
class Writer:
    """Who writes and what it may see: carried by every write, enforced by the tickets
    service in its load and in its conditional write (no separate read here)."""

    principal: tickets.Principal
    visible_to: str | None

    @property
    def fields(self) -> dict[str, Any]:
        return {"principal": self.principal, "visible_to": self.visible_to}


async def writer(agent: CurrentAgent, visibility: VisibilityDep) -> Writer:
    kind = tickets.PrincipalKind.TOKEN if isinstance(agent, TokenPrincipal) else None
    principal = tickets.Principal(
        id=agent.id, kind=kind or tickets.PrincipalKind.AGENT, role=agent.role.value
    )
    return Writer(principal, await visibility.restricted_to(agent))


WriterDep = Annotated[Writer, Depends(writer)]


@dataclass(frozen=True)
class Reader:
    """What a ticket read takes from its request: the agent (or token), the tickets it may see
    and the client to ask with, in one dependency (FastAPI solves each dependency of a route
    again on every request, about 15 µs each)."""

    agent: Agent
    visible_to: str | None
    rpc: RpcClient


async def reader(request: Request, agent: CurrentAgent) -> Reader:
    state = request.app.state
    visibility: Visibility = state.visibility
    visible_to = await visibility.restricted_to(agent)
    return Reader(agent, visible_to, state.broker_link.client)


ReaderDep = Annotated[Reader, Depends(reader)]


# --- routes ---------------------------------------------------------------------------------------


@router.get(
    "",
    response_model=None,
    dependencies=[Depends(unique_query_keys_but(*MULTI_VALUE_FILTERS))],
    responses={200: {"model": TicketsOut}},
)
async def list_tickets(
    query: Annotated[TicketListQuery, Query()],
    reader: ReaderDep,
) -> Response:
    """Filter, search (every word, in the id, subject, description, address or customer's
    name; numbers by the ticket's number or phone digits; "quoted" phrases; case and accents
    ignored), sort and paginate; lists leave notes out (and the tickets an agent may not see)."""
    request = query.request(reader.agent.id, reader.visible_to)
    result = await reader.rpc.call_raw(tickets.LIST, request)
    return answer_fields(result)


@router.get(
    "/stats/summary",
    response_model=None,
    dependencies=[Depends(unique_query_keys)],
    responses={200: {"model": StatsOut}},
)
async def ticket_stats(
    query: Annotated[StatsFilter, Query()],
    reader: ReaderDep,
) -> Response:
    """Counts by status, priority and escalated, optionally for one agent or customer (of the
    tickets the agent may see)."""
    request = tickets.StatsQuery(
        agent_id=query.agent_id,
        customer_id=query.customer_id,
        visible_to=reader.visible_to,
    )
    result = await reader.rpc.call_raw(tickets.STATS, request)
    return answer("stats", result)


@router.get(
    "/changes",
    response_model=None,
    dependencies=[Depends(unique_query_keys)],
    responses={200: {"model": ChangesOut}},
)
async def ticket_changes(
    query: Annotated[ChangesQuery, Query()],
    reader: ReaderDep,
) -> Response:
    """Tickets changed since `cursor` (leave it out the first time; `since` then starts at a
    moment rather than at the beginning), oldest change first, for
    systems that keep a copy: store `nextCursor` and call again with it (at once while
    `hasMore`, else after your polling interval). A ticket changed again comes again; changes
    younger than a couple of seconds wait for the next call."""
    request = tickets.ListChanges(
        cursor=query.cursor,
        since=query.since,
        limit=query.limit,
        visible_to=reader.visible_to,
    )
    result = await reader.rpc.call_raw(tickets.LIST_CHANGES, request)
    return answer_fields(result)


@router.get(
    "/{ticket_id}",
    response_model=None,
    responses={
        200: {"model": TicketOut},
        304: {"description": "Unchanged since the ETag given in `If-None-Match`"},
        **NOT_FOUND,
    },
)
async def get_ticket(
    ticket_id: TicketId,
    reader: ReaderDep,
    if_none_match: Annotated[
        str | None, Header(alias="If-None-Match", description="The ETag of a copy you have")
    ] = None,
) -> Response:
    """The full ticket, internal notes included (agents only; 404 for one the agent may not
    see); 304 when it is still the version of the ETag in `If-None-Match`."""
    request = tickets.GetTicket(ticket_id=ticket_id, visible_to=reader.visible_to)
    result = await reader.rpc.call_raw(tickets.GET, request)
    answered = ticket_answer(result)
    if if_none_match is not None and answered.headers["ETag"] in _etags(if_none_match):
        return Response(status_code=304, headers={"ETag": answered.headers["ETag"]})
    return answered


def _etags(header: str) -> set[str]:
    """The entity tags of an `If-None-Match` header (weak ones compare as strong, RFC 9110)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


@router.post(
    "",
    status_code=201,
    response_model=None,
    responses={
        201: {"model": TicketOut, "description": "Created"},
        200: {"model": TicketOut, "description": "Same Idempotency-Key as an earlier create"},
        404: {"description": "Unknown customer"},
        409: {"description": "No free ticket id could be allocated"},
    },
)
async def create_ticket(
    body: NewTicketBody,
    agent: CurrentAgent,
    rpc: RpcDep,
    directory: DirectoryDep,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", min_length=1, max_length=200),
    ] = None,
) -> Response:
    """Manual creation by the signed-in agent (status open, source agent).

    The same `Idempotency-Key` (header, or `idempotencyKey` in the body) returns the first
    ticket again with 200 instead of creating a second one.
    """
    if body.assign_to_self and isinstance(agent, TokenPrincipal):
        raise ValidationFailed.on(
            "assignToSelf", "an API token is not an agent: assign the ticket to an agent instead"
        )
    key = body.idempotency_key
    if idempotency_key is not None:
        if key is not None and key != idempotency_key:
            raise ValidationFailed.on("idempotencyKey", "differs from the Idempotency-Key header")
        key = idempotency_key
    # A key of its own when the caller gave none: a redelivered create makes no second ticket.
    key = key or uuid.uuid4().hex
    # Already validated field by field as NewTicketBody: no second validation on the hot path.
    fields = {
        **body.__dict__,
        "idempotency_key": key,
        "agent_id": agent.id,
        "agent_name": await directory.name_of(agent),
    }
    result = await rpc.call(
        tickets.CREATE_FROM_AGENT, tickets.CreateFromAgent.model_construct(**fields)
    )
    ticket = result.ticket
    headers = {**etag(ticket.version), "Location": f"/api/v2/tickets/{ticket.ticket_id}"}
    return answer("ticket", ticket, status_code=201 if result.created else 200, headers=headers)


# --- ticket commands: one route helper per command shape ------------------------------------------


@dataclass(frozen=True)
class Caller:
    """What every ticket command takes from its request besides the body: the acting agent
    (or token), its write scope, the request's idempotency key, and the directory and client
    to ask with."""

    agent: Agent
    writer: Writer
    key: str
    directory: Directory
    rpc: RpcClient

    def command(self, ticket_id: str, **fields: Any) -> dict[str, Any]:
        """The fields every command carries, with the command's own."""
        return {"ticket_id": ticket_id, "request_key": self.key, **self.writer.fields, **fields}


async def caller(
    request: Request, agent: CurrentAgent, idempotency_key: WriteKeyHeader = None
) -> Caller:
    """Everything a command takes besides its body, in one dependency: FastAPI solves every
    dependency of a route again on each request (about 15 µs each), and a command is the
    gateway's busiest kind of request."""
    state = request.app.state
    scope = await writer(agent, state.visibility)
    key = await write_key(idempotency_key)
    return Caller(agent, scope, key, state.directory, state.broker_link.client)


CallerDep = Annotated[Caller, Depends(caller)]
Build = Callable[[str, Any, Caller, int | None], Awaitable[BaseModel]]
"""A command from the ticket id, the body, the caller and the version it is conditional on."""


def ticket_command(
    method: str,
    path: str,
    *,
    name: str,
    body: type[BaseModel],
    spec: Rpc[Any, Any],
    build: Build,
    responses: dict[int | str, dict[str, Any]],
    versioned: bool = False,
    reply: Literal["ticket", "fields"] = "ticket",
) -> None:
    """Register one ticket command's route: parse the body, build the command (with the
    caller's principal, scope and key), one RPC, answer with the ticket (and its ETag) or the
    reply's own fields. `versioned`: `If-Match` or `expectedVersion` make it conditional."""

    async def endpoint(
        ticket_id: str, body: Any, caller: Caller, if_match: str | None = None
    ) -> Response:
        version = expected_version(if_match, getattr(body, "expected_version", None))
        request = await build(ticket_id, body, caller, version)
        try:
            result = await caller.rpc.call_raw(spec, request)
        except Conflict as exc:
            if if_match is not None and "expectedVersion" in exc.context:
                # RFC 9110: a failed precondition of a header is 412; the body's is a 409.
                raise PreconditionFailed(exc.message, context=exc.context) from None
            raise
        return ticket_answer(result) if reply == "ticket" else answer_fields(result)

    params = [
        inspect.Parameter(
            "ticket_id", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=TicketId
        ),
        inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=body),
        inspect.Parameter("caller", inspect.Parameter.KEYWORD_ONLY, annotation=CallerDep),
    ]
    if versioned:
        responses = {**responses, **PRECONDITION}
        params.append(
            inspect.Parameter(
                "if_match", inspect.Parameter.KEYWORD_ONLY, annotation=IfMatch, default=None
            )
        )
    endpoint.__signature__ = inspect.Signature(params, return_annotation=Response)  # type: ignore[attr-defined]
    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__doc__ = build.__doc__
    router.add_api_route(
        path, endpoint, methods=[method], name=name, response_model=None, responses=responses
    )


TICKET_OK: dict[int | str, dict[str, Any]] = {200: {"model": TicketOut}}


async def _update(
    ticket_id: str, body: TicketUpdate, caller: Caller, version: int | None
) -> BaseModel:
    """General fields only; status, notes and ids have their own routes (or none)."""
    changes = TicketChanges.model_validate(
        body.model_dump(exclude={"expected_version"}, exclude_unset=True)
    )
    return tickets.UpdateTicket(
        **caller.command(ticket_id, changes=changes, by=caller.agent.id, expected_version=version)
    )


async def _assign(
    ticket_id: str, body: AssignBody, caller: Caller, version: int | None
) -> BaseModel:
    """Assign to an active agent (else 404 naming `agentId`); a new ticket becomes open
    (recorded in its history)."""
    name = await caller.directory.assignable(body.agent_id, field="agentId")
    return tickets.AssignTicket(
        **caller.command(
            ticket_id,
            agent_id=body.agent_id,
            agent_name=name,
            by=caller.agent.id,
            expected_version=version,
        )
    )


async def _change_status(
    ticket_id: str, body: StatusBody, caller: Caller, version: int | None
) -> BaseModel:
    """Move along the transition graph (illegal -> 409 with the allowed next states)."""
    return tickets.ChangeStatus(
        **caller.command(
            ticket_id,
            status=body.status,
            reason=body.reason,
            by=caller.agent.id,
            by_name=await caller.directory.name_of(caller.agent),
            expected_version=version,
        )
    )


async def _add_note(
    ticket_id: str, body: NoteBody, caller: Caller, version: int | None
) -> BaseModel:
    """Add a note (internal unless `isInternal` is false); a public one with `sendToCustomer`
    also goes to the customer as an outbound message of the ticket's conversation."""
    return tickets.AddNote(
        **caller.command(
            ticket_id,
            content=body.content,
            is_internal=body.is_internal,
            send_to_customer=body.send_to_customer,
            by=caller.agent.id,
            by_name=await caller.directory.name_of(caller.agent),
        )
    )


async def _resolve(
    ticket_id: str, body: ResolveBody, caller: Caller, version: int | None
) -> BaseModel:
    """Resolve with resolution notes (required), from any open state."""
    return tickets.ResolveTicket(
        **caller.command(
            ticket_id,
            resolution_notes=body.resolution_notes,
            by=caller.agent.id,
            by_name=await caller.directory.name_of(caller.agent),
            expected_version=version,
        )
    )


async def _escalate(
    ticket_id: str, body: EscalateBody, caller: Caller, version: int | None
) -> BaseModel:
    """Flag as escalated and reassign to `toAgentId`, an active agent (else 404 naming it),
    with the reason."""
    name = await caller.directory.assignable(body.to_agent_id, field="toAgentId")
    return tickets.EscalateTicket(
        **caller.command(
            ticket_id,
            to_agent_id=body.to_agent_id,
            to_agent_name=name,
            reason=body.reason,
            by=caller.agent.id,
        )
    )


async def _feedback(
    ticket_id: str, body: FeedbackBody, caller: Caller, version: int | None
) -> BaseModel:
    """Record the customer's rating (1-5) on a resolved or closed ticket."""
    return tickets.SubmitFeedback(
        **caller.command(ticket_id, rating=body.rating, comment=body.comment)
    )


ticket_command(
    "PUT",
    "/{ticket_id}",
    name="update_ticket",
    body=TicketUpdate,
    spec=tickets.UPDATE,
    build=_update,
    responses={**TICKET_OK, **NOT_FOUND, **CONFLICT},
    versioned=True,
)
ticket_command(
    "POST",
    "/{ticket_id}/assign",
    name="assign_ticket",
    body=AssignBody,
    spec=tickets.ASSIGN,
    build=_assign,
    responses={**TICKET_OK, **NO_ASSIGNEE, **CONFLICT},
    versioned=True,
)
ticket_command(
    "POST",
    "/{ticket_id}/status",
    name="change_status",
    body=StatusBody,
    spec=tickets.CHANGE_STATUS,
    build=_change_status,
    responses={
        **TICKET_OK,
        **NOT_FOUND,
        409: {
            "description": "Transition not allowed (`allowed` lists the next states), "
            "or the ticket's history is full"
        },
    },
    versioned=True,
)
ticket_command(
    "POST",
    "/{ticket_id}/notes",
    name="add_note",
    body=NoteBody,
    spec=tickets.ADD_NOTE,
    build=_add_note,
    responses={
        200: {"model": NoteOut},
        **NOT_FOUND,
        409: {"description": "The ticket holds the most notes it can"},
        422: {
            "description": "`sendToCustomer` on an internal note, or on a ticket without a "
            "conversation"
        },
    },
    reply="fields",
)
ticket_command(
    "POST",
    "/{ticket_id}/resolve",
    name="resolve_ticket",
    body=ResolveBody,
    spec=tickets.RESOLVE,
    build=_resolve,
    responses={**TICKET_OK, **NOT_FOUND, **CONFLICT},
    versioned=True,
)
ticket_command(
    "POST",
    "/{ticket_id}/escalate",
    name="escalate_ticket",
    body=EscalateBody,
    spec=tickets.ESCALATE,
    build=_escalate,
    responses={**TICKET_OK, **NO_ASSIGNEE, **CONFLICT},
)
ticket_command(
    "POST",
    "/{ticket_id}/feedback",
    name="submit_feedback",
    body=FeedbackBody,
    spec=tickets.SUBMIT_FEEDBACK,
    build=_feedback,
    responses={
        **TICKET_OK,
        **NOT_FOUND,
        409: {"description": "Ticket not resolved or closed yet: `allowed` lists the states"},
    },
)


BULK_TIMEOUT = 60.0
"""Seconds a bulk action of up to 500 tickets may take (each its own write)."""


@router.post(
    "/bulk",
    response_model=None,
    responses={
        200: {"model": BulkOut, "description": "What became of each ticket, in order"},
        404: {"description": "No active agent by the assign action's `agentId`"},
        409: {"description": "Never for one ticket: its conflict is its result's `reason`"},
        422: {"description": "Neither or both of ticketIds and filter; more than 500 ids"},
    },
)
async def bulk_tickets(body: BulkBody, caller: CallerDep) -> Response:
    """One action (`assign`, `status`, `priority`, `tag`, `close` with a reason; `macro` is
    not available yet) on many tickets; each goes through the same command as its single
    route (its own history entry, events and version), in the caller's visibility. Answered
    per ticket: `done` (the new version) or `refused` with the error's `reason` code and
    `params` (`illegal_transition`, `not_found` for one missing or not visible, `conflict`,
    `validation`...). With a filter, `matched` is every match and `capped` says some were
    left for another round."""
    if (body.ticket_ids is None) == (body.filter is None):
        raise ValidationFailed.on("ticketIds", "give either ticketIds or filter, not both")
    agent = caller.agent
    assignee = None
    if isinstance(body.action, tickets.BulkAssign):
        assignee = await caller.directory.assignable(body.action.agent_id, field="action.agentId")
    where = body.filter.request(agent.id, caller.writer.visible_to) if body.filter else None
    request = tickets.BulkTickets(
        ticket_ids=body.ticket_ids,
        filter=where,
        action=body.action,
        by=agent.id,
        by_name=await caller.directory.name_of(agent),
        assignee_name=assignee,
        request_key=caller.key,
        **caller.writer.fields,
    )
    result = await caller.rpc.call_raw(tickets.BULK, request, timeout=BULK_TIMEOUT)
    return answer_fields(result)


# --- merges, links, problems and incidents ----------------------------------------------------


class MergeBody(WireModel):
    model_config = example({"into": "LUX-2026-000001"})

    into: TicketId
    """The ticket that survives (open, not this one)."""


class LinkBody(WireModel):
    model_config = example({"ticketId": "LUX-2026-000001", "type": "related"})

    ticket_id: TicketId
    type: Literal["related", "duplicate_of"] = "related"


class IncidentsBody(WireModel):
    model_config = example({"ticketIds": ["LUX-2026-000002", "LUX-2026-000003"]})

    ticket_ids: Annotated[
        list[TicketId], Field(min_length=1, max_length=tickets.MAX_INCIDENTS_PER_REQUEST)
    ]


LINK_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "Not allowed in either ticket's state (`reason`: merged, "
        "merge_target_closed, merge_linked, incident_linked, incident_nested, link_closed)"
    }
}


async def _merge(ticket_id: str, body: MergeBody, caller: Caller, version: int | None) -> BaseModel:
    """Merge this ticket into `into`: its notes, attachments, customer and conversation move
    to the survivor, it closes with reason `merged` and `mergedInto`, its customer is told in
    their conversation; answers the survivor. A merged ticket still reads as it is (closed,
    `mergedInto`); every change to it is a 409 `merged` naming `mergedInto`."""
    return tickets.MergeTicket(
        **caller.command(
            ticket_id,
            into=body.into,
            by=caller.agent.id,
            by_name=await caller.directory.name_of(caller.agent),
        )
    )


async def _link(ticket_id: str, body: LinkBody, caller: Caller, version: int | None) -> BaseModel:
    """Link this ticket to another (`related`, or `duplicate_of` it); both show the link."""
    return tickets.LinkTicket(
        **caller.command(
            ticket_id, other_ticket_id=body.ticket_id, type=body.type, by=caller.agent.id
        )
    )


ticket_command(
    "POST",
    "/{ticket_id}/merge",
    name="merge_ticket",
    body=MergeBody,
    spec=tickets.MERGE,
    build=_merge,
    responses={**TICKET_OK, **NOT_FOUND, **LINK_CONFLICT},
)
ticket_command(
    "POST",
    "/{ticket_id}/links",
    name="link_ticket",
    body=LinkBody,
    spec=tickets.LINK,
    build=_link,
    responses={**TICKET_OK, **NOT_FOUND, **LINK_CONFLICT},
)


@router.delete(
    "/{ticket_id}/links/{other_id}",
    response_model=None,
    responses={**TICKET_OK, **NOT_FOUND, **LINK_CONFLICT},
)
async def unlink_ticket(ticket_id: TicketId, other_id: TicketId, caller: CallerDep) -> Response:
    """Remove this ticket's link to `other_id` (on both tickets); for an incident, `other_id`
    being its problem, it leaves the problem (and may then be resolved alone)."""
    request = tickets.UnlinkTicket(
        **caller.command(ticket_id, other_ticket_id=other_id, by=caller.agent.id)
    )
    return ticket_answer(await caller.rpc.call_raw(tickets.UNLINK, request))


@router.post(
    "/{ticket_id}/incidents",
    response_model=None,
    responses={**TICKET_OK, **NOT_FOUND, **LINK_CONFLICT},
)
async def link_incidents(ticket_id: TicketId, body: IncidentsBody, caller: CallerDep) -> Response:
    """Make each of `ticketIds` an incident of this problem ticket: resolving the problem
    resolves its open incidents with its resolution and tells each customer once; an incident
    is resolved or closed only with its problem until unlinked
    (`DELETE /tickets/{incident}/links/{problem}`). Answers the problem with its
    `incidentCount`."""
    request = tickets.LinkIncidents(
        ticket_id=ticket_id,
        ticket_ids=body.ticket_ids,
        request_key=caller.key,
        **caller.writer.fields,
    )
    return ticket_answer(await caller.rpc.call_raw(tickets.LINK_INCIDENTS, request))


class SimilarOut(Ok):
    tickets: list[tickets.SimilarTicket]


@router.get(
    "/{ticket_id}/similar", response_model=None, responses={200: {"model": SimilarOut}, **NOT_FOUND}
)
async def similar_tickets(
    ticket_id: TicketId,
    reader: ReaderDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Response:
    """Open tickets like this one, most alike first: `score` (0-1) and why (`words`: the word
    stems both share; `distanceMeters` between their coordinates; `sameAddress`). Reports
    from the same place (within the configured radius, or the same address) need fewer words
    in common; coordinates farther apart are never the same problem."""
    request = tickets.FindSimilar(ticket_id=ticket_id, limit=limit, visible_to=reader.visible_to)
    return answer_fields(await reader.rpc.call_raw(tickets.SIMILAR, request))


class MacroAppliedOut(Ok):
    ticket: TicketView
    changes: list[tickets.MacroChange]
    """What the macro changed, in its order (none: nothing differed, or a replay)."""
    reply: Note | None = None
    """The note sent to the customer, if the macro has a reply."""


@router.post(
    "/{ticket_id}/macros/{macro_id}",
    response_model=None,
    responses={
        200: {"model": MacroAppliedOut},
        403: {"description": "API tokens can't apply macros: sign in as an agent"},
        404: {"description": "Unknown ticket, or no macro by that id the agent may use"},
        409: {
            "description": "The ticket's state refuses one of the macro's actions (nothing "
            "is written), or its version moved"
        },
        422: {"description": "The macro has a reply and the ticket no conversation"},
        **PRECONDITION,
    },
)
async def apply_macro(
    ticket_id: TicketId,
    macro_id: Annotated[Id, Path()],
    caller: CallerDep,
    if_match: IfMatch = None,
) -> Response:
    """Apply a macro (`/api/v2/macros`) as one change: its assignee, status, priority, tags,
    internal note and reply to the customer, each recorded and announced as it would be on its
    own, in one write at one new version; an action the ticket refuses (an illegal status
    change) refuses the whole macro. Variables are filled for the ticket."""
    if isinstance(caller.agent, TokenPrincipal):
        raise Forbidden("API tokens can't apply macros: sign in as an agent", reason="agents_only")
    request = tickets.ApplyMacro(
        **caller.command(
            ticket_id,
            macro_id=macro_id,
            by=caller.agent.id,
            by_name=await caller.directory.name_of(caller.agent),
            expected_version=expected_version(if_match, None),
        )
    )
    try:
        result = await caller.rpc.call(tickets.APPLY_MACRO, request)
    except Conflict as exc:
        if if_match is not None and "expectedVersion" in exc.context:
            raise PreconditionFailed(exc.message, context=exc.context) from None
        raise
    out = MacroAppliedOut(ticket=result.ticket, changes=result.changes, reply=result.reply)
    return Response(encode(out), media_type=JSON, headers=etag(result.ticket.version))
