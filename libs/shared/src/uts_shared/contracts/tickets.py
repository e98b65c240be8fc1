"""Tickets service contracts: ticket, customer and conversation models, RPCs and ticket events.

Plan 2025-12-21 §1.2 (Ticket), §2.1/§2.2 (operations) and §2.4 (event payloads). Every actor
field (`by`) is the id of the agent (or service) making the change; it ends up in the audit
trail (statusHistory, events). Durations (SLA targets) are milliseconds, as in the plan.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    field_validator,
    model_serializer,
    model_validator,
)

from uts_shared.contracts import base, states
from uts_shared.contracts.base import (
    MAX_ATTACHMENTS,
    MAX_TAGS,
    Empty,
    EventType,
    LongText,
    Name,
    NoteText,
    Rpc,
    ShortText,
    Text,
    Url,
    WireModel,
    example,
    health_rpc,
)
from uts_shared.contracts.config import TicketIdFormat

# --- scalar types (sizes: contracts/base.py) --------------------------------------------------

Id = base.Id
TicketStatus = states.TicketStatus
Priority = states.Priority
Pagination = base.Pagination
Page = base.Page

Subject = Annotated[str, base.stripped(1, base.SHORT_TEXT_MAX)]
Description = LongText
CategoryId = Annotated[str, base.stripped(1, 64)]
Tag = Annotated[str, base.stripped(1, 50)]
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS)]
Limit = Annotated[int, Field(ge=1, le=100)]
Query = Annotated[str, base.stripped(1, 200)]

EMAIL = rf"^[^@{base.SPACE}]+@[^@{base.SPACE}]+\.[^@{base.SPACE}]+$"
PHONE = r"^\+?[0-9(][0-9 ().-]*[0-9]$"
"""What a phone number is written with (from `+`, a digit or `(` to a digit); whether it is a
number in use is the numbering plan's (the tickets service checks it: `'000' is not a valid
phone number`)."""

PhoneNumber = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=32),
    base.Shape(PHONE, "must be a phone number: digits, spaces, '+', '(', ')', '.' or '-'"),
]

MAX_FILTER_VALUES = 20
"""Most values one list filter takes (`status=open,in_progress`)."""


def _listed(value: Any) -> Any:
    """One value or several: a single value becomes a list of one."""
    return value if isinstance(value, list | tuple) else [value]


def _utc(value: datetime) -> datetime:
    """A datetime without a zone is taken as UTC (stored times are UTC)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


_ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?")


def _iso_only(value: Any) -> Any:
    """A date-time as the document says it (ISO 8601 text), never a number of seconds: pydantic
    would read `0.5` or `"0"` as a Unix time."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE_TIME.match(value):
        raise ValueError("must be an ISO 8601 date-time, e.g. 2026-03-14T09:30:00Z")
    return value


Instant = Annotated[datetime, BeforeValidator(_iso_only), AfterValidator(_utc)]
"""An ISO 8601 date-time; UTC when it names no zone."""

TICKET_ID_PATTERN = r"^[A-Za-z0-9]{1,16}(?:[-_.]?\d{4})?[-_.]?\d{1,18}$"
"""The shape of every id a `TicketIdFormat` can give (`LUX-2026-000001`, `RPT_0042`, `A7.12`):
prefix, optional year, zero-padded sequence, joined by one of the allowed separators. Any format
the configuration allows, since a ticket keeps the id it was created with."""


PRIORITY_RANK: dict[Priority, int] = {
    Priority.URGENT: 0,
    Priority.HIGH: 1,
    Priority.MEDIUM: 2,
    Priority.LOW: 3,
}
"""Most urgent first: what "ordered by priority" means everywhere (never the string order)."""


class TicketSource(StrEnum):
    WHATSAPP = "whatsapp"
    WEB = "web"
    MOBILE_APP = "mobile_app"
    AI = "ai"
    AGENT = "agent"


class Channel(StrEnum):
    WHATSAPP = "whatsapp"
    WEB = "web"
    MOBILE_APP = "mobile_app"
    EMAIL = "email"
    PHONE = "phone"


class ConversationStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    CLOSED = "closed"


class Handler(StrEnum):
    """Who answers the customer in a conversation."""

    ASSISTANT = "assistant"
    AGENT = "agent"


SortBy = Literal["createdAt", "updatedAt", "priority", "status", "ticketId", "relevance", "slaDue"]
"""`priority` sorts by rank (desc = urgent first); `relevance` = newest first among a search's
matches; `slaDue` by the next SLA due time (asc = soonest first, tickets no clock runs on last)."""
SortOrder = Literal["asc", "desc"]


# --- ticket parts -----------------------------------------------------------------------------


class Coordinates(WireModel):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class Location(WireModel):
    address: Text | None = None
    coordinates: Coordinates | None = None
    description: Text | None = None


class Attachment(WireModel):
    url: Url
    type: ShortText | None = None
    uploaded_by: Id | None = None
    uploaded_at: datetime | None = None


Attachments = Annotated[list[Attachment], Field(max_length=MAX_ATTACHMENTS)]


class StatusChange(WireModel):
    """One statusHistory entry; `from` is always the real previous status."""

    from_: TicketStatus = Field(alias="from")
    to: TicketStatus
    changed_by: str | None = None
    reason: str | None = None
    timestamp: datetime


class SlaState(StrEnum):
    OK = "ok"
    WARNING = "warning"
    """A clock passed the policy's warning share of its target."""
    BREACHED = "breached"
    """A clock passed its target (this stays, whatever happens next)."""
    MET = "met"
    """Resolved within target."""


SlaClockName = Literal["first_response", "resolution"]


class Sla(WireModel):
    """The ticket's SLA clock: targets (business milliseconds, from the priority), the time
    counted, when each target falls due, and what happened.

    The clock counts business time (the policy's calendar) from creation, except while the
    ticket is in a pausing status; first response stops at the first move to in_progress or
    the first public note, resolution at resolving (a reopen resumes it)."""

    first_response_target: int
    resolution_target: int
    first_response_at: datetime | None = None
    first_response_met: bool | None = None
    first_response_elapsed_ms: int | None = None
    """Business time counted when the first response came (what reports take as its time)."""
    resolution_met: bool | None = None
    elapsed_ms: int = 0
    """Business time counted up to `runningSince` (or until the clock paused or stopped)."""
    running_since: datetime | None = None
    paused_since: datetime | None = None
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    """When the target falls due if the clock keeps running; none while paused or stopped."""
    next_check_at: datetime | None = None
    """The next warning or breach moment (what the monitor looks for)."""
    first_response_warned_at: datetime | None = None
    first_response_breached_at: datetime | None = None
    resolution_warned_at: datetime | None = None
    resolution_breached_at: datetime | None = None
    state: SlaState = SlaState.OK
    remaining_ms: int | None = None
    """Business time left to the next target not yet met (negative: overdue); on reads."""
    paused: bool = False


class LinkType(StrEnum):
    """How two tickets are linked; each link is shown on both tickets (the other side of
    `duplicate_of` is `duplicated_by`, of `incident_of` the problem's incident count)."""

    RELATED = "related"
    DUPLICATE_OF = "duplicate_of"
    DUPLICATED_BY = "duplicated_by"
    INCIDENT_OF = "incident_of"


INVERSE_LINK: dict[LinkType, LinkType] = {
    LinkType.RELATED: LinkType.RELATED,
    LinkType.DUPLICATE_OF: LinkType.DUPLICATED_BY,
    LinkType.DUPLICATED_BY: LinkType.DUPLICATE_OF,
}

MAX_LINKS_PER_TICKET = 50
MAX_INCIDENTS_PER_REQUEST = 50


class TicketLink(WireModel):
    """A ticket linked to this one (`related`, `duplicate_of` or `duplicated_by`)."""

    ticket_id: str
    type: LinkType


class MergedTicket(WireModel):
    """A ticket merged into this one: its customer and conversation are now this one's too."""

    ticket_id: str
    customer_id: str
    conversation_id: str | None = None


class CustomerFeedback(WireModel):
    rating: int = Field(ge=1, le=5)
    comment: str | None = None
    submitted_at: datetime | None = None


class Note(WireModel):
    """A note on a ticket; internal notes are never shown to customers."""

    id: str
    agent_id: str
    agent_name: str | None = None
    """The author's name ("firstName lastName"), kept current when the agent is renamed."""
    content: str
    is_internal: bool = True
    by_customer: bool = False
    """Written by the customer (through the assistant): `agentId` is then the customer's id."""
    timestamp: datetime


class CustomerRef(WireModel):
    """The ticket's customer as lists show it (kept current when the customer's name is)."""

    id: str
    name: str | None = None
    """"firstName lastName", or None when the customer gave no name."""
    phone_number: str


# --- ticket views -----------------------------------------------------------------------------


class TicketSummary(WireModel):
    """A ticket in agents' lists: every field except notes (plan: lists `select('-notes')`)."""

    ticket_id: str
    subject: str
    description: str
    category: str
    subcategory: str | None = None
    priority: Priority
    status: TicketStatus
    status_history: list[StatusChange] = Field(default_factory=list)
    customer_id: str
    customer: CustomerRef | None = None
    conversation_id: str | None = None
    assigned_agent: str | None = None
    assigned_agent_name: str | None = None
    assigned_at: datetime | None = None
    location: Location | None = None
    sla: Sla
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolved_by_name: str | None = None
    resolution_notes: str | None = None
    customer_feedback: CustomerFeedback | None = None
    tags: list[str] = Field(default_factory=list)
    is_escalated: bool = False
    escalated_to: str | None = None
    escalated_to_name: str | None = None
    escalation_reason: str | None = None
    escalated_at: datetime | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    source: TicketSource
    created_by: str | None = None
    """The agent who created it (none for the assistant's tickets)."""
    created_by_name: str | None = None
    closed_at: datetime | None = None
    close_reason: str | None = None
    """Why it was closed (`duplicate`, `spam`, `no_response` or an agent's words)."""
    created_at: datetime
    updated_at: datetime
    version: int
    merged_into: str | None = None
    """The ticket this one was merged into (it is closed with reason `merged`)."""
    merged_from: list[MergedTicket] = Field(default_factory=list)
    links: list[TicketLink] = Field(default_factory=list)
    problem_id: str | None = None
    """The problem ticket this one is an incident of: resolved with it, not alone."""
    is_problem: bool = False
    incident_count: int = 0
    """How many incidents a problem has (open or not)."""
    allowed_next_statuses: list[TicketStatus] = Field(default_factory=list)
    """The statuses it may move to now (the transition graph), so a UI offers only those."""
    score: int | None = None
    """Number of search words matched (only in search results)."""


class TicketView(TicketSummary):
    """The full ticket, for agents: everything including internal notes."""

    notes: list[Note] = Field(default_factory=list)


class CustomerTicketSummary(WireModel):
    """A ticket in a customer's list: no notes, no SLA, no escalation internals."""

    ticket_id: str
    subject: str
    description: str
    category: str
    subcategory: str | None = None
    priority: Priority
    status: TicketStatus
    customer_id: str
    conversation_id: str | None = None
    assigned_agent: str | None = None
    assigned_agent_name: str | None = None
    resolved_at: datetime | None = None
    resolution_notes: str | None = None
    customer_feedback: CustomerFeedback | None = None
    source: TicketSource
    closed_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class CustomerStatusChange(WireModel):
    """A status change as its customer reads it: when and to what, never who or why (the
    reason is the agents' own words)."""

    from_: TicketStatus = Field(alias="from")
    to: TicketStatus
    timestamp: datetime


class CustomerNote(WireModel):
    """An agent's public note as its customer reads it: the words, the time, the author's
    name (never an agent's id)."""

    id: str
    content: str
    agent_name: str | None = None
    timestamp: datetime


_CUSTOMER_NOTE_KEYS = ("id", "content", "agentName", "agent_name", "timestamp")


def _as_customer_reads(value: Any, keys: tuple[str, ...]) -> Any:
    """A model or dict reduced to the keys a customer may read (wire or Python names)."""
    if isinstance(value, BaseModel):
        value = value.model_dump(by_alias=True)
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k in keys}
    return value


class CustomerTicketView(CustomerTicketSummary):
    """A ticket as its customer may see it: its status timeline (no reasons, no agent ids) and
    only the agents' public notes."""

    status_history: list[CustomerStatusChange] = Field(default_factory=list)
    location: Location | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    notes: list[CustomerNote] = Field(default_factory=list)
    expected_resolution_at: datetime | None = None
    """When the resolution target falls due (None while the clock is paused or stopped)."""

    @field_validator("status_history", mode="before")
    @classmethod
    def _timeline_only(cls, value: Any) -> Any:
        keys = ("from", "from_", "to", "timestamp")
        return [_as_customer_reads(c, keys) for c in value] if isinstance(value, list) else value

    @field_validator("notes", mode="before")
    @classmethod
    def _public_only(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value

        def internal(note: Any) -> bool:
            if isinstance(note, Note):
                return note.is_internal
            return bool(isinstance(note, dict) and note.get("isInternal", note.get("is_internal")))

        return [_as_customer_reads(n, _CUSTOMER_NOTE_KEYS) for n in value if not internal(n)]


class TicketPage(WireModel):
    tickets: list[TicketSummary]
    pagination: Pagination


class ChangesPage(WireModel):
    """Tickets changed after a cursor, oldest change first (see `ListChanges`)."""

    tickets: list[TicketSummary]
    next_cursor: str
    """Where the next call goes on from (the same cursor again when nothing changed)."""
    has_more: bool
    """More changes are ready: call again at once rather than after the polling interval."""


class CustomerTicketPage(WireModel):
    tickets: list[CustomerTicketSummary]
    pagination: Pagination


class CreateTicketResult(WireModel):
    """`created` is false when an earlier create with the same idempotency key is returned."""

    ticket: TicketView
    created: bool = True
    known_problem_id: str | None = None
    """The assistant's report matched this open problem and was linked as its incident."""


class NoteResult(WireModel):
    ticket: TicketView
    note: Note


class SlaAttainment(WireModel):
    met: int = 0
    breached: int = 0
    attainment: float | None = None
    """met / (met + breached); none while no ticket of the priority has a decided SLA."""

    @classmethod
    def of(cls, met: int, breached: int) -> SlaAttainment:
        decided = met + breached
        return cls(met=met, breached=breached, attainment=met / decided if decided else None)


class TicketStats(WireModel):
    """Counts per status, per priority and escalated (plan's `getTicketStats`, completed), and
    the SLA: tickets in warning or breached, attainment per priority."""

    total: int = 0
    new: int = 0
    open: int = 0
    in_progress: int = 0
    pending_customer: int = 0
    waiting_internal: int = 0
    resolved: int = 0
    closed: int = 0
    low: int = 0
    medium: int = 0
    high: int = 0
    urgent: int = 0
    escalated: int = 0
    sla_warning: int = 0
    sla_breached: int = 0
    sla_by_priority: dict[Priority, SlaAttainment] = Field(default_factory=dict)


# --- ticket requests --------------------------------------------------------------------------


RequestKey = Annotated[str, StringConstraints(min_length=1, max_length=200)]
"""A write's idempotency key: the caller's `Idempotency-Key`, or one the gateway makes."""


VisibleTo = Annotated[
    Id | None,
    Field(
        description="Only tickets assigned to this agent or to nobody (the ticket-visibility "
        "setting, for an agent who is not an admin); others read as not found"
    ),
]


class PrincipalKind(StrEnum):
    AGENT = "agent"
    TOKEN = "token"
    CUSTOMER = "customer"
    SYSTEM = "system"


class Principal(WireModel):
    """Who asks for a write: an agent (its role), an API token (`token:<id>`), a customer or
    the system itself (the SLA monitor, the assistant)."""

    model_config = example({"id": "a7c1e3f5", "kind": "agent", "role": "agent"})

    id: Id
    kind: PrincipalKind = PrincipalKind.AGENT
    role: Literal["admin", "agent"] | None = None


class TicketWrite(WireModel):
    """A change to a ticket; the same `requestKey` again (e.g. a redelivered request) is a
    replay: the ticket as it is, nothing applied twice.

    `visibleTo` scopes the write as it scopes a read: the ticket is loaded and written only
    while it is assigned to that agent or to nobody, else the write is a 404."""

    ticket_id: Id
    request_key: RequestKey | None = None
    principal: Principal | None = None
    visible_to: VisibleTo = None


class NewTicket(WireModel):
    """Fields shared by both ways of creating a ticket."""

    subject: Subject
    description: Description
    category: CategoryId
    subcategory: ShortText | None = None
    priority: Priority = Priority.MEDIUM
    customer_id: Id
    conversation_id: Id | None = None
    tags: Tags = Field(default_factory=list)
    location: Location | None = None
    attachments: Attachments = Field(default_factory=list)
    idempotency_key: RequestKey | None = None
    """Same key -> the first ticket is returned, no second one is created (a different request
    under a used key is refused)."""


AgentName = Name
"""An agent's display name, as the gateway's directory has it ("firstName lastName")."""


NEW_TICKET_EXAMPLE: dict[str, Any] = {
    "subject": "Poste sin luz en la calle Juárez",
    "description": "La luminaria del poste 14 no enciende desde anoche",
    "category": "light_malfunction",
    "priority": "high",
    "customerId": "6f1c2a9e8b7d4c3a2f1e0d9c",
}
"""The documented example of a new ticket's fields (each API adds its own)."""


class CreateFromAgent(NewTicket):
    """Manual creation by an agent: status open, source agent."""

    model_config = example(
        {
            **NEW_TICKET_EXAMPLE,
            "agentId": "a7c1e3f5",
            "agentName": "Ana Ruiz",
            "idempotencyKey": "4f9d1c2b7a",
        }
    )

    agent_id: Id
    agent_name: AgentName | None = None
    assign_to_self: bool = False


class CreateFromAi(NewTicket):
    """Creation by the assistant (tool call): status new, source ai; key = the tool call id."""


class CreateForCaller(WireModel):
    """The assistant's report for the customer on the line, in one call: the customer found by
    `phone_number`, the ticket filed in `conversation_id` or else in the customer's active
    conversation (as `CreateFromAi` then; key = the tool call id)."""

    phone_number: PhoneNumber
    subject: Subject
    description: Description
    category: CategoryId
    priority: Priority = Priority.MEDIUM
    location: Location | None = None
    conversation_id: Id | None = None
    idempotency_key: RequestKey | None = None


class CallerTicket(WireModel):
    """What `CreateForCaller` did: no `customer_id` (and no ticket) when no customer has the
    phone number; else the customer and the create's result (an earlier ticket of the same key
    may belong to another customer: compare `customer_id` with the ticket's)."""

    customer_id: Id | None = None
    created: CreateTicketResult | None = None


class GetTicket(WireModel):
    model_config = example({"ticketId": "LUX-2026-000001"})

    ticket_id: Id
    visible_to: VisibleTo = None


class GetForCustomer(WireModel):
    """Ownership checked: another customer's ticket is reported as not found."""

    ticket_id: Id
    customer_id: Id


class PageQuery(WireModel):
    page: Page = 1
    limit: Limit = 20


_SEVERAL = (BeforeValidator(_listed), Field(min_length=1, max_length=MAX_FILTER_VALUES))
Statuses = Annotated[list[TicketStatus], *_SEVERAL]
Priorities = Annotated[list[Priority], *_SEVERAL]
CategoryIds = Annotated[list[CategoryId], *_SEVERAL]
SlaStates = Annotated[list[SlaState], *_SEVERAL]
Sources = Annotated[list[TicketSource], *_SEVERAL]
AgentIds = Annotated[list[Id], *_SEVERAL]
Channels = Annotated[list[Channel], *_SEVERAL]

ReportFigure = Literal[
    "created",
    "resolved",
    "reopened",
    "backlog",
    "assigned",
    "firstResponded",
    "firstResponseMet",
    "firstResponseBreached",
    "resolutionMet",
    "resolutionBreached",
    "breached",
    "rated",
]
"""A figure of the admin reports whose tickets the list can show: those created, resolved,
reopened, first answered (met or breaching its SLA), resolved meeting or breaching its SLA,
breaching any SLA, rated or assigned to their agent within `figureFrom`..`figureTo`; `backlog`:
open at the instant `figureTo`."""


class ListTickets(PageQuery):
    """Every filter is a typed field: nothing from the client reaches MongoDB as an operator.

    `status`, `category` and `priority` take one value or several (any of them matches);
    `createdFrom`/`createdTo` bound the creation time (both inclusive), `resolvedFrom`/
    `resolvedTo` the resolution time, `updatedSince` the last change; `source` is where the
    ticket came from (several: any of them)."""

    status: Statuses | None = None
    category: CategoryIds | None = None
    priority: Priorities | None = None
    assigned_agent: AgentIds | None = None
    """Tickets assigned to any of these agents."""
    unassigned: bool = False
    """Tickets assigned to nobody (the queue agents take work from); with `assigned_agent`,
    those agents' tickets and nobody's."""
    customer_id: Id | None = None
    conversation_id: Id | None = None
    tag: Tag | None = None
    is_escalated: bool | None = None
    created_from: Instant | None = None
    created_to: Instant | None = None
    updated_since: Instant | None = None
    sla_state: SlaStates | None = None
    """The SLA clock's state (ok, warning, breached, met); several: any of them."""
    source: Sources | None = None
    resolved_from: Instant | None = None
    resolved_to: Instant | None = None
    channel: Channels | None = None
    """The channel of the conversation the ticket was reported in (several: any of them)."""
    figure: ReportFigure | None = None
    figure_from: Instant | None = None
    figure_to: Instant | None = None
    """The tickets behind a report's figure in a period (both ends inclusive; see
    `ReportFigure`), as the reports count them."""
    q: Query | None = None
    """Search words across ticketId, subject and description (case and accents ignored)."""
    sort_by: SortBy | None = None
    """Default: `relevance` when `q` is given, else `createdAt`."""
    sort_order: SortOrder = "desc"
    visible_to: VisibleTo = None


MAP_POINTS_MAX = 5_000
"""The most points one map answers (the newest tickets first; `capped` says more matched)."""


class MapTickets(ListTickets):
    """The list's filters for the map (`page`, `limit` and the order are not used): only
    tickets with coordinates, the open statuses unless `status` names others, newest first,
    at most `MAP_POINTS_MAX`."""

    known: str | None = Field(default=None, max_length=200)
    """The `stamp` of an answer the caller keeps: while no ticket changed since, the answer is
    `unchanged` and carries no points."""


class MapPoint(WireModel):
    """A ticket as the map draws it: where, how urgent, what it is, whether it is a problem."""

    ticket_id: str
    latitude: float
    longitude: float
    priority: Priority
    status: TicketStatus
    subject: str
    category: str
    is_problem: bool = False
    incident_count: int = 0
    """How many incidents a problem has (0 for a ticket that is not a problem)."""
    sla_state: SlaState = SlaState.OK


class MapPoints(WireModel):
    points: list[MapPoint]
    capped: bool
    """More tickets matched than `limit`: the newest `limit` are shown."""
    limit: int = MAP_POINTS_MAX
    stamp: str = ""
    """Which state of the tickets the answer shows (opaque: the newest change's)."""
    unchanged: bool = False
    """No ticket changed since `known`: keep the answer you have (no points sent)."""


class PreviewNextId(WireModel):
    """The id the next ticket would get under `format` (nothing is drawn)."""

    model_config = example({"format": {"prefix": "RPT", "includeYear": False, "padLength": 4}})

    format: TicketIdFormat


class NextId(WireModel):
    ticket_id: str


Cursor = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    base.Shape(r"^[A-Za-z0-9_-]+$", "is not a cursor this API gave (use nextCursor as it came)"),
]
"""Opaque (URL-safe base64): one the changes feed answered, as it came."""


class ListChanges(WireModel):
    """Tickets changed since `cursor` (none: from the beginning), for systems that keep a copy.

    Ordered by (updatedAt, ticketId); a ticket changed again later comes again. Changes younger
    than a couple of seconds wait for the next call, so that a write still in flight is never
    passed over."""

    cursor: Cursor | None = None
    since: Instant | None = None
    """Without a cursor: start at this moment rather than at the beginning (a console catching
    up after a dropped connection); ignored with a cursor."""
    limit: Limit = 100
    visible_to: VisibleTo = None


class ListByCustomer(PageQuery):
    customer_id: Id
    status: TicketStatus | None = None
    sort_by: SortBy = "createdAt"
    sort_order: SortOrder = "desc"
    visible_to: VisibleTo = None


class ListByConversation(PageQuery):
    conversation_id: Id
    visible_to: VisibleTo = None


class ListByAgent(PageQuery):
    """Ordered urgent -> low (by rank), then newest first."""

    agent_id: Id
    status: TicketStatus | None = None


class TicketChanges(WireModel):
    """General fields a PUT may change; anything else (status, notes, ids...) is rejected.

    Only the fields given are sent and applied (absent = unchanged; `null` clears
    subcategory or location, and is refused for the others: the document does not allow it).
    """

    subject: Subject | None = base.optional_not_null()
    description: Description | None = base.optional_not_null()
    category: CategoryId | None = base.optional_not_null()
    subcategory: ShortText | None = None
    priority: Priority | None = base.optional_not_null()
    tags: Tags | None = base.optional_not_null()
    location: Location | None = None
    attachments: Attachments | None = base.optional_not_null()

    @model_serializer(mode="wrap")
    def _only_given(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        fields = type(self).model_fields
        given = {fields[n].alias or n for n in self.model_fields_set if n in fields}
        return {key: value for key, value in data.items() if key in given}


class UpdateTicket(TicketWrite):
    """Only the fields set in `changes` are written; `expectedVersion` -> 409 if it moved."""

    kind: Literal["update"] = "update"
    ticket_id: Id
    changes: TicketChanges
    by: Id
    expected_version: int | None = None


class AssignTicket(TicketWrite):
    kind: Literal["assign"] = "assign"
    ticket_id: Id
    agent_id: Id
    agent_name: AgentName | None = None
    by: Id
    expected_version: int | None = None


class ChangeStatus(TicketWrite):
    """A move to `resolved` takes `reason` as the resolution notes (required)."""

    model_config = example(
        {
            "ticketId": "LUX-2026-000001",
            "status": "in_progress",
            "by": "a7c1e3f5",
            "requestKey": "k1",
        }
    )

    kind: Literal["change_status"] = "change_status"
    ticket_id: Id
    status: TicketStatus
    reason: Text | None = None
    by: Id
    by_name: AgentName | None = None
    expected_version: int | None = None


class AddNote(TicketWrite):
    model_config = example(
        {"ticketId": "LUX-2026-000001", "content": "Cuadrilla en camino", "by": "a7c1e3f5"}
    )

    kind: Literal["add_note"] = "add_note"
    ticket_id: Id
    content: NoteText
    is_internal: bool = True
    send_to_customer: bool = False
    """A public note also goes to the customer as an outbound message of the ticket's
    conversation (an internal one never can: 422)."""
    by: Id
    by_name: AgentName | None = None
    by_customer: bool = False
    """The customer wrote it (through the assistant): a public note, `by` is the customer."""


class ResolveTicket(TicketWrite):
    kind: Literal["resolve"] = "resolve"
    ticket_id: Id
    resolution_notes: NoteText
    by: Id
    by_name: AgentName | None = None
    expected_version: int | None = None


class EscalateTicket(TicketWrite):
    kind: Literal["escalate"] = "escalate"
    ticket_id: Id
    to_agent_id: Id
    to_agent_name: AgentName | None = None
    reason: NoteText
    by: Id


class SubmitFeedback(TicketWrite):
    """Only on resolved or closed tickets (else 409); `customerId` given -> ownership checked."""

    kind: Literal["feedback"] = "feedback"
    ticket_id: Id
    customer_id: Id | None = None
    rating: int = Field(ge=1, le=5)
    comment: Text | None = None
    first_only: bool = False
    """The customer's own answer (the assistant's `rate_ticket`): refused once the ticket has
    a rating (one rating per ticket); an agent's `/feedback` records or corrects it."""


class AddAttachment(TicketWrite):
    """A file stored for the ticket (by the gateway), added to its attachments."""

    kind: Literal["add_attachment"] = "add_attachment"
    ticket_id: Id
    attachment: Attachment
    by: Id


class TagTicket(TicketWrite):
    """Tags added and removed (a tag both added and removed is removed); re-applied on the
    fresh tags when another write got there first."""

    kind: Literal["tag"] = "tag"
    ticket_id: Id
    add: Tags = Field(default_factory=list)
    remove: Tags = Field(default_factory=list)
    by: Id


class Recategorize(TicketWrite):
    """An open ticket of a category a preset removes moved to another (the admin's choice,
    checked against the preset by the gateway): nothing when it is no longer in `from`."""

    kind: Literal["recategorize"] = "recategorize"
    ticket_id: Id
    from_category: CategoryId
    to_category: CategoryId
    by: Id


class MergeTicket(TicketWrite):
    """Merge this ticket into `into`: it closes with reason `merged` and `mergedInto`; its
    notes, attachments, customer and conversation go to `into` (a follow-up write)."""

    model_config = example({"ticketId": "LUX-2026-000002", "into": "LUX-2026-000001", "by": "a1"})

    kind: Literal["merge"] = "merge"
    into: Id
    by: Id
    by_name: AgentName | None = None


class AbsorbMerged(TicketWrite):
    """The survivor's side of a merge (a follow-up of `ticket.merged`; never a route)."""

    kind: Literal["absorb"] = "absorb"
    merged: MergedTicket
    notes: list[Note] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
    by: Id


LinkKind = Literal["related", "duplicate_of", "incident_of"]


class LinkTicket(TicketWrite):
    """Link this ticket to `otherTicketId`; `incident_of` makes it an incident of that problem."""

    model_config = example(
        {"ticketId": "LUX-2026-000002", "otherTicketId": "LUX-2026-000001", "type": "related"}
    )

    kind: Literal["link"] = "link"
    other_ticket_id: Id
    type: LinkKind = "related"
    by: Id | None = None


class UnlinkTicket(TicketWrite):
    """Remove this ticket's link to `otherTicketId` (an incident leaves its problem)."""

    kind: Literal["unlink"] = "unlink"
    other_ticket_id: Id
    by: Id | None = None


class MirrorLink(TicketWrite):
    """The other side of a link (a follow-up of `ticket.linked`; never a route)."""

    kind: Literal["mirror_link"] = "mirror_link"
    other_ticket_id: Id
    type: LinkType
    removed: bool = False
    incident_count: int | None = None


class ResolveIncident(TicketWrite):
    """An incident resolved with its problem's resolution (the problem's fan-out)."""

    kind: Literal["resolve_incident"] = "resolve_incident"
    problem_id: Id
    resolution_notes: NoteText
    by: Id
    by_name: AgentName | None = None


class LinkIncidents(WireModel):
    """Make each of `ticketIds` an incident of the problem `ticketId`."""

    model_config = example({"ticketId": "LUX-2026-000001", "ticketIds": ["LUX-2026-000002"]})

    ticket_id: Id
    ticket_ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_INCIDENTS_PER_REQUEST)]
    request_key: RequestKey | None = None
    principal: Principal | None = None
    visible_to: VisibleTo = None


class FindSimilar(WireModel):
    """Open tickets similar to `ticketId` (by words and place), most alike first."""

    model_config = example({"ticketId": "LUX-2026-000001"})

    ticket_id: Id
    limit: int = Field(default=10, ge=1, le=50)
    visible_to: VisibleTo = None


class SimilarTicket(WireModel):
    """An open ticket like another: how alike (0-1) and why."""

    ticket: TicketSummary
    score: float
    words: list[str] = Field(default_factory=list)
    """The word stems both share (those that tell a problem apart first)."""
    distance_meters: float | None = None
    """How far apart their coordinates are, when both have them."""
    same_address: bool = False
    meaning: float | None = None
    """The cosine of their texts' embeddings, when both have one (an OpenAI key is set)."""


class SimilarTickets(WireModel):
    tickets: list[SimilarTicket]


def embedding_text(subject: str, description: str, address: str | None) -> str:
    """The text a ticket's embedding is made of: the ai-tools service embeds it, and the
    tickets service keeps the vector only while the ticket still reads so."""
    return "\n".join(part for part in (subject, description, address) if part)


EMBEDDING_DIMENSIONS_MAX = 3072


class StoreEmbedding(WireModel):
    """A ticket's embedding (`embedding_text` of it, as `text` was when embedded)."""

    ticket_id: Id
    text: Annotated[str, Field(max_length=20_000)]
    model: Annotated[str, Field(min_length=1, max_length=100)]
    vector: Annotated[list[float], Field(min_length=2, max_length=EMBEDDING_DIMENSIONS_MAX)]


class EmbeddingStored(WireModel):
    stored: bool
    reason: Literal["text_changed", "not_open"] | None = None
    """Why it was not kept: the ticket's text changed since, or it is no longer open."""


class ApplyMacro(TicketWrite):
    """A macro's actions (`contracts/replies.py`) applied as one change: one conditional write,
    one event per change it makes; an action the ticket's state refuses (an illegal status
    change) refuses the whole macro and nothing is written. Its texts are rendered for the
    ticket; its reply goes to the customer as `sendToCustomer` notes do."""

    model_config = example(
        {"ticketId": "LUX-2026-000001", "macroId": "5b0e7f2c", "by": "a7c1e3f5", "requestKey": "k1"}
    )

    kind: Literal["apply_macro"] = "apply_macro"
    ticket_id: Id
    macro_id: Id
    by: Id
    by_name: AgentName | None = None
    expected_version: int | None = None


MacroChange = Literal["assignee", "status", "priority", "tags", "note", "reply"]


class MacroApplied(WireModel):
    """The ticket after a macro, and what the macro changed on it (none: a replay, or nothing
    differed)."""

    ticket: TicketView
    changes: list[MacroChange]
    reply: Note | None = None
    """The note sent to the customer, if the macro had a reply."""


TicketCommand = Annotated[
    UpdateTicket
    | AssignTicket
    | ChangeStatus
    | AddNote
    | ResolveTicket
    | EscalateTicket
    | SubmitFeedback
    | AddAttachment
    | TagTicket
    | Recategorize
    | MergeTicket
    | AbsorbMerged
    | LinkTicket
    | UnlinkTicket
    | MirrorLink
    | ResolveIncident
    | ApplyMacro,
    Field(discriminator="kind"),
]
"""Every write to an existing ticket, told apart by `kind`: the tickets service handles each
with one path (load in the writer's scope, decide, one conditional write, reply)."""


# --- bulk: one action on many tickets, one command each ------------------------------------

MAX_BULK = 500
"""The most tickets one bulk request changes (a filter's matches beyond it are left alone)."""


def _kind_required(schema: dict[str, Any]) -> None:
    schema["required"] = ["kind", *(f for f in schema.get("required", []) if f != "kind")]


class BulkActionBase(WireModel):
    """A bulk action: `kind` names it, required on the wire (its default serves callers in
    Python, who name the class instead)."""

    model_config = ConfigDict(json_schema_extra=_kind_required)


def _tag_named(schema: dict[str, Any]) -> None:
    _kind_required(schema)
    schema["anyOf"] = [
        {"required": [field], "properties": {field: {"minItems": 1}}} for field in ("add", "remove")
    ]


class BulkAssign(BulkActionBase):
    kind: Literal["assign"] = "assign"
    agent_id: Id


class BulkStatus(BulkActionBase):
    """A move along the graph; to `resolved` the reason is the resolution notes (required)."""

    kind: Literal["status"] = "status"
    status: TicketStatus
    reason: Text | None = None


class BulkPriority(BulkActionBase):
    kind: Literal["priority"] = "priority"
    priority: Priority


class BulkTag(BulkActionBase):
    """Tags to add and to remove: at least one named."""

    model_config = ConfigDict(json_schema_extra=_tag_named)

    kind: Literal["tag"] = "tag"
    add: Tags = Field(default_factory=list)
    remove: Tags = Field(default_factory=list)

    @model_validator(mode="after")
    def _some(self) -> BulkTag:
        if not self.add and not self.remove:
            raise ValueError("name a tag to add or to remove")
        return self


class BulkClose(BulkActionBase):
    kind: Literal["close"] = "close"
    reason: Text


class BulkMacro(BulkActionBase):
    """A saved macro (`/macros`) applied to each ticket as its own `ApplyMacro`: one write, its
    changes' events, its reply sent to that ticket's customer."""

    kind: Literal["macro"] = "macro"
    macro_id: Id


BulkAction = Annotated[
    BulkAssign | BulkStatus | BulkPriority | BulkTag | BulkClose | BulkMacro,
    Field(discriminator="kind"),
]

BulkIds = Annotated[list[Id], Field(min_length=1, max_length=MAX_BULK)]


class BulkTickets(WireModel):
    """One action on the tickets named (`ticketIds`) or on the first `MAX_BULK` matching
    `filter` (newest first); each ticket goes through the command path on its own."""

    ticket_ids: BulkIds | None = None
    filter: ListTickets | None = None
    action: BulkAction
    by: Id
    by_name: AgentName | None = None
    assignee_name: AgentName | None = None
    """The assignee's name (the gateway's directory has it) for an `assign` action."""
    request_key: RequestKey | None = None
    principal: Principal | None = None
    visible_to: VisibleTo = None


class BulkOutcome(StrEnum):
    DONE = "done"
    REFUSED = "refused"


class BulkItem(WireModel):
    """What became of one ticket: done (its new version) or refused, with the error's
    `reason` code and `params` (the same codes as the single routes' errors, plus
    `illegal_transition`, `not_found` for a ticket missing or not visible to the caller)."""

    ticket_id: str
    outcome: BulkOutcome
    version: int | None = None
    reason: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    message: str | None = None


class BulkResult(WireModel):
    results: list[BulkItem]
    done: int
    refused: int
    matched: int
    """Tickets named, or matching the filter (may exceed the `MAX_BULK` changed)."""
    capped: bool


class CountOpenByCategory(WireModel):
    """How many open tickets (neither resolved nor closed) each of `categories` has."""

    categories: Annotated[list[CategoryId], Field(max_length=base.MAX_CATEGORIES)]


class CategoryCounts(WireModel):
    counts: dict[str, int]


class RecategorizeOpen(WireModel):
    """Every open ticket of each key of `mapping` moved to its value, one command each."""

    mapping: Annotated[dict[CategoryId, CategoryId], Field(max_length=base.MAX_CATEGORIES)]
    by: Id
    request_key: RequestKey | None = None
    principal: Principal | None = None


class Recategorized(WireModel):
    moved: dict[str, int]
    """Tickets moved, by the category they left."""
    refused: int


class StatsQuery(WireModel):
    agent_id: Id | None = None
    customer_id: Id | None = None
    visible_to: VisibleTo = None


# --- customers and conversations --------------------------------------------------------------


class CustomerStatistics(WireModel):
    total_tickets: int = 0


class Customer(WireModel):
    id: str
    phone_number: str
    """E.164 (e.g. +5215512345678)."""
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    statistics: CustomerStatistics = Field(default_factory=CustomerStatistics)
    created_at: datetime
    updated_at: datetime


class CreateCustomer(WireModel):
    """`phoneNumber` is normalised to E.164 (default region from DEFAULT_PHONE_REGION)."""

    model_config = example(
        {"phoneNumber": "+52 55 1234 5678", "firstName": "Lucía", "lastName": "Hernández"}
    )

    phone_number: PhoneNumber
    first_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = (
        None
    )
    last_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = (
        None
    )
    email: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, to_lower=True, max_length=254),
            base.Shape(EMAIL, "not an email address"),
        ]
        | None
    ) = None


class UpsertCustomerByPhone(CreateCustomer):
    """The customer with this phone number (E.164 once normalised), created if there is none;
    for an existing customer, the names and email given fill only what it lacks."""


class UpsertedCustomer(WireModel):
    customer: Customer
    created: bool
    """True when this request created the customer."""


class UpdateCustomer(CreateCustomer):
    """A customer's edit: the phone number (normalised, unused by another customer), names and
    email replaced by the ones given (left out: none); its tickets show the new name and phone."""

    customer_id: Id


class GetCustomer(WireModel):
    customer_id: Id


class GetCustomerByPhone(WireModel):
    phone_number: PhoneNumber


class ListCustomers(PageQuery):
    q: Query | None = None
    """Words every customer found holds: a name or its beginning, email, phone digits."""


class CustomerPage(WireModel):
    customers: list[Customer]
    pagination: Pagination


class Conversation(WireModel):
    id: str
    customer_id: str
    channel: Channel
    status: ConversationStatus
    assigned_agent: str | None = None
    handled_by: Handler = Handler.ASSISTANT
    """While `agent`, the assistant records the customer's messages but does not answer."""
    handling_agent: str | None = None
    """The agent it was handed to, if one was named."""
    waiting: bool = False
    """The customer wrote last: their last message has no answer yet."""
    last_message_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class CreateConversation(WireModel):
    model_config = example({"customerId": "6f1c2a9e8b7d4c3a2f1e0d9c", "channel": "whatsapp"})

    customer_id: Id
    channel: Channel = Channel.WHATSAPP
    status: ConversationStatus = ConversationStatus.OPEN
    assigned_agent: Id | None = None


class OpenConversation(WireModel):
    """The customer's open (or assigned) conversation on `channel`, or a new open one."""

    customer_id: Id
    channel: Channel = Channel.WHATSAPP


class OpenedConversation(WireModel):
    conversation: Conversation
    created: bool
    """True when this request opened a new conversation."""


class GetConversation(WireModel):
    conversation_id: Id


class ListConversations(PageQuery):
    customer_id: Id | None = None
    status: ConversationStatus | None = None
    handled_by: Handler | None = None
    waiting: bool | None = None
    """True: those whose customer wrote last and has no answer yet; false: the others."""


class ConversationPage(WireModel):
    conversations: list[Conversation]
    pagination: Pagination


class FindActiveConversation(WireModel):
    """The customer's most recently updated conversation that is open or assigned."""

    customer_id: Id


class ActiveConversation(WireModel):
    conversation: Conversation | None = None


class UpdateConversationStatus(WireModel):
    conversation_id: Id
    status: ConversationStatus
    assigned_agent: Id | None = None
    by: Id | None = None


# --- operations -------------------------------------------------------------------------------

CREATE_FROM_AGENT = Rpc(
    "tickets.create_from_agent", CreateFromAgent, CreateTicketResult, "Agent creates a ticket"
)
CREATE_FROM_AI = Rpc(
    "tickets.create_from_ai", CreateFromAi, CreateTicketResult, "Assistant creates a ticket"
)
CREATE_FOR_CALLER = Rpc(
    "tickets.create_for_caller",
    CreateForCaller,
    CallerTicket,
    "Assistant creates a ticket for the customer calling (found by phone, in their active "
    "conversation)",
)
GET = Rpc("tickets.get", GetTicket, TicketView, "Full ticket by ticketId (agents)")
GET_FOR_CUSTOMER = Rpc(
    "tickets.get_for_customer", GetForCustomer, CustomerTicketView, "Ticket for its customer"
)
LIST = Rpc("tickets.list", ListTickets, TicketPage, "Filter, search, sort, paginate")
LIST_BY_CUSTOMER = Rpc(
    "tickets.list_by_customer", ListByCustomer, TicketPage, "A customer's tickets (agents)"
)
LIST_FOR_CUSTOMER = Rpc(
    "tickets.list_for_customer",
    ListByCustomer,
    CustomerTicketPage,
    "A customer's tickets, customer-facing",
)
LIST_BY_CONVERSATION = Rpc(
    "tickets.list_by_conversation", ListByConversation, TicketPage, "Tickets of a conversation"
)
LIST_BY_AGENT = Rpc("tickets.list_by_agent", ListByAgent, TicketPage, "Urgent first, then newest")
UPDATE = Rpc("tickets.update", UpdateTicket, TicketView, "General fields only")
ASSIGN = Rpc("tickets.assign", AssignTicket, TicketView, "Assign (new -> open)")
CHANGE_STATUS = Rpc("tickets.change_status", ChangeStatus, TicketView, "Transition graph")
ADD_NOTE = Rpc("tickets.add_note", AddNote, NoteResult, "Note (internal by default)")
RESOLVE = Rpc("tickets.resolve", ResolveTicket, TicketView, "Resolve with notes")
ESCALATE = Rpc("tickets.escalate", EscalateTicket, TicketView, "Escalate and reassign")
ADD_ATTACHMENT = Rpc(
    "tickets.add_attachment", AddAttachment, TicketView, "An uploaded file added to the ticket"
)
MERGE = Rpc(
    "tickets.merge", MergeTicket, TicketView, "Merge into another ticket; answers the survivor"
)
LINK = Rpc("tickets.link", LinkTicket, TicketView, "Link two tickets (shown on both)")
UNLINK = Rpc("tickets.unlink", UnlinkTicket, TicketView, "Remove a link (or leave a problem)")
LINK_INCIDENTS = Rpc(
    "tickets.link_incidents", LinkIncidents, TicketView, "Link incidents to a problem ticket"
)
SIMILAR = Rpc(
    "tickets.similar", FindSimilar, SimilarTickets, "Open tickets similar to one (score and why)"
)
STORE_EMBEDDING = Rpc(
    "tickets.store_embedding",
    StoreEmbedding,
    EmbeddingStored,
    "Keep a ticket's text embedding (similar tickets by meaning)",
)
SUBMIT_FEEDBACK = Rpc(
    "tickets.feedback", SubmitFeedback, TicketView, "Customer rating (resolved/closed only)"
)
BULK = Rpc("tickets.bulk", BulkTickets, BulkResult, "One action on many tickets, one command each")
COUNT_OPEN_BY_CATEGORY = Rpc(
    "tickets.count_open_by_category",
    CountOpenByCategory,
    CategoryCounts,
    "Open tickets per category (a preset's preview)",
)
RECATEGORIZE_OPEN = Rpc(
    "tickets.recategorize_open",
    RecategorizeOpen,
    Recategorized,
    "Move the open tickets of categories a preset removes, one command each",
)
APPLY_MACRO = Rpc(
    "tickets.apply_macro", ApplyMacro, MacroApplied, "A macro's actions as one change"
)
STATS = Rpc("tickets.stats", StatsQuery, TicketStats, "Counts by status/priority/escalated")
PREVIEW_NEXT_ID = Rpc(
    "tickets.next_id.preview", PreviewNextId, NextId, "The id the next ticket would get"
)
MAP = Rpc(
    "tickets.map", MapTickets, MapPoints, "Located tickets as map points (the list's filters)"
)
LIST_CHANGES = Rpc(
    "tickets.changes", ListChanges, ChangesPage, "Tickets changed since a cursor (incremental sync)"
)

CREATE_CUSTOMER = Rpc("tickets.customers.create", CreateCustomer, Customer, "Unique E.164 phone")
UPSERT_CUSTOMER_BY_PHONE = Rpc(
    "tickets.customers.upsert_by_phone",
    UpsertCustomerByPhone,
    UpsertedCustomer,
    "The customer with this phone, created if absent (idempotent; for integrating systems)",
)
UPDATE_CUSTOMER = Rpc(
    "tickets.customers.update", UpdateCustomer, Customer, "Edit; unique E.164 phone"
)
GET_CUSTOMER = Rpc("tickets.customers.get", GetCustomer, Customer)
GET_CUSTOMER_BY_PHONE = Rpc("tickets.customers.get_by_phone", GetCustomerByPhone, Customer)
LIST_CUSTOMERS = Rpc("tickets.customers.list", ListCustomers, CustomerPage)

CREATE_CONVERSATION = Rpc("tickets.conversations.create", CreateConversation, Conversation)


class CustomerReplied(WireModel):
    """The conversation system heard from the customer: the conversation's tickets waiting on
    the customer move back to in_progress (their SLA clocks resume)."""

    model_config = example({"conversationId": "c0ffee1234", "occurredAt": "2026-11-30T09:15:00Z"})

    conversation_id: Id
    occurred_at: Instant | None = None


class CustomerRepliedResult(WireModel):
    resumed: list[str] = Field(default_factory=list)
    """Ids of the tickets moved back to in_progress."""


CUSTOMER_REPLIED = Rpc(
    "tickets.conversations.customer_replied",
    CustomerReplied,
    CustomerRepliedResult,
    "The customer replied: tickets waiting on them move back to in_progress",
)
CUSTOMER_REPLIED_QUEUE = "tickets.customer-replied"
"""The tickets service's shared queue for `conversation.customer_replied` (one replica acts)."""
OPEN_CONVERSATION = Rpc(
    "tickets.conversations.open",
    OpenConversation,
    OpenedConversation,
    "The customer's open conversation on a channel, or a new one (idempotent)",
)
GET_CONVERSATION = Rpc("tickets.conversations.get", GetConversation, Conversation)
LIST_CONVERSATIONS = Rpc("tickets.conversations.list", ListConversations, ConversationPage)
FIND_ACTIVE_CONVERSATION = Rpc(
    "tickets.conversations.find_active",
    FindActiveConversation,
    ActiveConversation,
    "Most recent open/assigned conversation of a customer",
)
UPDATE_CONVERSATION_STATUS = Rpc(
    "tickets.conversations.update_status", UpdateConversationStatus, Conversation
)


# --- administration (uts-admin) -----------------------------------------------------------------


class Reindexed(WireModel):
    reindexed: int
    """Tickets whose stored search terms differed from their id, subject and description."""


class OutboxReplayed(WireModel):
    published: int
    """Events published from the tickets' outboxes."""


class CountsRebuilt(WireModel):
    tickets: int
    """Tickets the counts were rebuilt from."""


ADMIN_REBUILD_COUNTS = Rpc(
    "tickets.admin.rebuild_counts",
    Empty,
    CountsRebuilt,
    "Rebuild the ticket counts (stats, customers' totals) from the tickets "
    "(uts-admin tickets rebuild-counts)",
)
ADMIN_REINDEX_SEARCH = Rpc(
    "tickets.admin.reindex_search",
    Empty,
    Reindexed,
    "Recompute every ticket's search terms (uts-admin tickets reindex-search)",
)
ADMIN_REPLAY_OUTBOX = Rpc(
    "tickets.admin.replay_outbox",
    Empty,
    OutboxReplayed,
    "Publish every pending outbox event now: the relay's full sweep "
    "(uts-admin tickets replay-outbox)",
)

HEALTH = health_rpc("tickets")

RPCS: tuple[Rpc[Any, Any], ...] = (
    CREATE_FROM_AGENT,
    CREATE_FROM_AI,
    CREATE_FOR_CALLER,
    GET,
    GET_FOR_CUSTOMER,
    LIST,
    LIST_BY_CUSTOMER,
    LIST_FOR_CUSTOMER,
    LIST_BY_CONVERSATION,
    LIST_BY_AGENT,
    UPDATE,
    ASSIGN,
    CHANGE_STATUS,
    ADD_NOTE,
    RESOLVE,
    ESCALATE,
    ADD_ATTACHMENT,
    SUBMIT_FEEDBACK,
    BULK,
    COUNT_OPEN_BY_CATEGORY,
    RECATEGORIZE_OPEN,
    MERGE,
    LINK,
    UNLINK,
    LINK_INCIDENTS,
    SIMILAR,
    APPLY_MACRO,
    STATS,
    LIST_CHANGES,
    PREVIEW_NEXT_ID,
    CREATE_CUSTOMER,
    UPSERT_CUSTOMER_BY_PHONE,
    GET_CUSTOMER,
    GET_CUSTOMER_BY_PHONE,
    LIST_CUSTOMERS,
    CREATE_CONVERSATION,
    OPEN_CONVERSATION,
    GET_CONVERSATION,
    LIST_CONVERSATIONS,
    FIND_ACTIVE_CONVERSATION,
    UPDATE_CONVERSATION_STATUS,
    CUSTOMER_REPLIED,
)


# --- events (plan §2.4; every payload names the customer so relays can route by it) ----------


class TicketCreated(WireModel):
    ticket: TicketView
    customer_id: str
    conversation_id: str | None = None
    created_by: str | None = None
    version: int = 1


class TicketUpdated(WireModel):
    """A status change (`oldStatus`, `newStatus`, `reason`) and/or general `updates`."""

    model_config = example(
        {
            "ticketId": "LUX-2026-000001",
            "customerId": "6f1c2a9e8b7d4c3a2f1e0d9c",
            "updatedBy": "a7c1e3f5",
            "oldStatus": "open",
            "newStatus": "in_progress",
            "assignedAgent": "a7c1e3f5",
            "version": 3,
        }
    )

    ticket_id: str
    customer_id: str
    updated_by: str | None = None
    old_status: TicketStatus | None = None
    new_status: TicketStatus | None = None
    reason: str | None = None
    updates: dict[str, Any] | None = None
    """Only the changed fields, camelCase (general update, feedback)."""
    assigned_agent: str | None = None
    """Who the ticket is assigned to (relays send events to those who may see the ticket)."""
    version: int


class TicketAssigned(WireModel):
    ticket_id: str
    agent_id: str
    agent_name: str | None = None
    customer_id: str
    assigned_by: str | None = None
    previous_agent: str | None = None
    version: int


class TicketNoteAdded(WireModel):
    """`note.isInternal` tells relays to keep the note away from customers."""

    ticket_id: str
    note: Note
    agent_id: str
    customer_id: str
    assigned_agent: str | None = None
    version: int


class TicketResolved(WireModel):
    ticket_id: str
    resolved_by: str
    resolved_by_name: str | None = None
    resolution_notes: str
    customer_id: str
    assigned_agent: str | None = None
    version: int
    problem_id: str | None = None
    """Resolved with this problem (its customer is told by the problem's fan-out)."""
    is_problem: bool = False
    """A problem: its open incidents are resolved with it."""


class TicketMerged(WireModel):
    """A ticket merged into another (`into`): closed with reason `merged`."""

    model_config = example(
        {
            "ticketId": "LUX-2026-000002",
            "into": "LUX-2026-000001",
            "customerId": "6f1c2a9e8b7d4c3a2f1e0d9c",
            "mergedBy": "a7c1e3f5",
            "version": 4,
        }
    )

    ticket_id: str
    into: str
    customer_id: str
    conversation_id: str | None = None
    merged_by: str | None = None
    assigned_agent: str | None = None
    version: int


class TicketLinked(WireModel):
    """A link added to (or `removed` from) a ticket; the other ticket shows it too."""

    ticket_id: str
    other_ticket_id: str
    type: LinkType
    removed: bool = False
    by: str | None = None
    customer_id: str
    assigned_agent: str | None = None
    version: int


class TicketEscalated(WireModel):
    ticket_id: str
    from_agent: str | None = None
    to_agent: str
    to_agent_name: str | None = None
    reason: str
    customer_id: str
    previous_agent: str | None = None
    version: int


class TicketSlaAlarm(WireModel):
    """A clock passed its warning share or its target (each sent once per clock)."""

    model_config = example(
        {
            "ticketId": "LUX-2026-000001",
            "clock": "first_response",
            "dueAt": "2026-11-30T10:15:00Z",
            "targetMs": 900000,
            "elapsedMs": 901250,
            "priority": "urgent",
            "customerId": "6f1c2a9e8b7d4c3a2f1e0d9c",
            "assignedAgent": None,
            "version": 2,
        }
    )

    ticket_id: str
    clock: SlaClockName
    due_at: datetime | None = None
    target_ms: int
    elapsed_ms: int
    priority: Priority
    customer_id: str
    assigned_agent: str | None = None
    version: int


class TicketSurveyRequested(WireModel):
    """The customer was asked to rate their resolved ticket (the question went out as the
    conversation's outbound message `messageId`)."""

    ticket_id: str
    customer_id: str
    conversation_id: str
    message_id: str
    assigned_agent: str | None = None
    version: int


TICKET_CREATED = EventType("ticket.created", TicketCreated, "New ticket")
TICKET_UPDATED = EventType("ticket.updated", TicketUpdated, "Status change or general update")
TICKET_ASSIGNED = EventType("ticket.assigned", TicketAssigned, "Ticket assigned to an agent")
TICKET_NOTE_ADDED = EventType("ticket.note_added", TicketNoteAdded, "Note added")
TICKET_RESOLVED = EventType("ticket.resolved", TicketResolved, "Ticket resolved")
TICKET_ESCALATED = EventType("ticket.escalated", TicketEscalated, "Ticket escalated")
TICKET_SLA_WARNING = EventType(
    "ticket.sla_warning", TicketSlaAlarm, "An SLA clock passed its warning share of the target"
)
TICKET_SLA_BREACHED = EventType("ticket.sla_breached", TicketSlaAlarm, "An SLA target was missed")


class TicketClusterDetected(WireModel):
    """Similar open tickets reported within the window (`clusterSize` or more): probably one
    problem. Published once per cluster, whichever replica saw it."""

    model_config = example(
        {
            "clusterId": "LUX-2026-000001",
            "ticketId": "LUX-2026-000001",
            "ticketIds": ["LUX-2026-000001", "LUX-2026-000002", "LUX-2026-000003"],
            "problemCreated": False,
            "customerId": "6f1c2a9e8b7d4c3a2f1e0d9c",
            "version": 1,
        }
    )

    cluster_id: str
    ticket_id: str
    """The problem ticket: proposed (the cluster's first report) or created."""
    ticket_ids: list[str]
    problem_created: bool = False
    subject: str | None = None
    customer_id: str
    assigned_agent: str | None = None
    version: int = 1


TICKET_CLUSTER_DETECTED = EventType(
    "ticket.cluster_detected",
    TicketClusterDetected,
    "Similar open tickets within the window: probably one problem (a problem proposed or created)",
)
TICKET_MERGED = EventType(
    "ticket.merged", TicketMerged, "Ticket merged into another (closed, reason merged)"
)
TICKET_LINKED = EventType(
    "ticket.linked", TicketLinked, "Ticket linked to (or unlinked from) another, or a problem"
)
TICKET_SURVEY_REQUESTED = EventType(
    "ticket.survey_requested",
    TicketSurveyRequested,
    "The customer was asked to rate their resolved ticket (satisfaction survey)",
)
CONVERSATION_CUSTOMER_REPLIED = EventType(
    "conversation.customer_replied",
    CustomerReplied,
    "The customer replied: tickets waiting on them resume (published by the conversation system)",
)

EVENTS: tuple[EventType[Any], ...] = (
    TICKET_CREATED,
    TICKET_UPDATED,
    TICKET_ASSIGNED,
    TICKET_NOTE_ADDED,
    TICKET_RESOLVED,
    TICKET_ESCALATED,
    TICKET_SLA_WARNING,
    TICKET_SLA_BREACHED,
    TICKET_MERGED,
    TICKET_LINKED,
    TICKET_CLUSTER_DETECTED,
    TICKET_SURVEY_REQUESTED,
)

FOLLOW_UPS_QUEUE = "tickets.follow-ups"
"""The tickets service's second writes of a change touching two tickets (a merge's survivor,
a link's other side, a problem's incidents), taken from the first write's event: done once
inline, and again (idempotently) from here if the service died between the two writes."""
FOLLOW_UPS_BINDINGS = (
    TICKET_MERGED.routing_key,
    TICKET_LINKED.routing_key,
    TICKET_RESOLVED.routing_key,
)

CUSTOMER_UPDATES_QUEUE = "tickets.customer-updates"
"""Ticket events the tickets service words as updates to their customers; bound to
CUSTOMER_UPDATES_BINDINGS only while some update is switched on."""
CUSTOMER_UPDATES_BINDINGS = (
    TICKET_CREATED.routing_key,
    TICKET_UPDATED.routing_key,
    TICKET_RESOLVED.routing_key,
)
CUSTOMER_UPDATES_PARKED = "customer-updates.parked"
"""The key the queue is declared with (nothing publishes it)."""

SOCKET_EVENT_NAMES: dict[str, str] = {
    e.routing_key: e.routing_key.replace(".", "_") for e in EVENTS
}
"""Routing key -> the plan's Socket.IO event name (`ticket.note_added` -> `ticket_note_added`)."""
