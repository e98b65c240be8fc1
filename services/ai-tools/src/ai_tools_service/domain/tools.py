"""The assistant's tools, transport-free: the plan's `handleToolCalls` (§1.4) for one call, and
the loop with the customer's: handing the conversation to agents, adding to a report.

`ToolRunner.run` never raises: every failure becomes a `{"success": false, "error": ...}` output
in the configured language, as the plan requires ("always return JSON to OpenAI, never throw").
The tickets and config services are reached through two small ports, so the rules here are
tested with in-memory fakes and run unchanged over the broker.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import ValidationError

from ai_tools_service.domain.messages import Messages
from uts_shared import json_depth
from uts_shared.contracts.ai_tools import FunctionCall
from uts_shared.contracts.config import DEFAULT_FALLBACK
from uts_shared.contracts.messages import HandOff
from uts_shared.contracts.tickets import (
    AddNote,
    CallerTicket,
    CreateForCaller,
    Customer,
    CustomerTicketSummary,
    CustomerTicketView,
    Handler,
    Location,
    Priority,
    SubmitFeedback,
    TicketChanges,
    TicketSummary,
    UpdateTicket,
)
from uts_shared.errors import DomainError, ErrorCode
from uts_shared.messaging import why_invalid

log = logging.getLogger(__name__)

CREATE_TICKET = "create_ticket_report"
GET_TICKET_INFO = "get_ticket_information"
REQUEST_HUMAN = "request_human_agent"
ADD_COMMENT = "add_ticket_comment"
RATE_TICKET = "rate_ticket"
TOOL_NAMES = (CREATE_TICKET, GET_TICKET_INFO, REQUEST_HUMAN, ADD_COMMENT, RATE_TICKET)
ASSISTANT = "assistant"
"""Who the assistant's own changes are by (a handoff it asks for)."""
COMMENT_MAX = 5_000
RAISED = {
    Priority.LOW: Priority.MEDIUM,
    Priority.MEDIUM: Priority.HIGH,
    Priority.HIGH: Priority.URGENT,
    Priority.URGENT: Priority.URGENT,
}
"""One priority level up (urgent stays urgent)."""

FALLBACK_CATEGORY = DEFAULT_FALLBACK
DEFAULT_PRIORITY = Priority.MEDIUM
RECENT_LIMIT = 5
SUBJECT_MAX = 200
DESCRIPTION_MAX = 10_000

TRANSIENT_CODES = frozenset({ErrorCode.TIMEOUT, ErrorCode.UNAVAILABLE, ErrorCode.INTERNAL})
"""Downstream failures a later retry of the same call may get past."""


class Directory(Protocol):
    """The tickets service as the tools need it (customer-facing views only)."""

    async def customer_by_phone(self, phone: str) -> Customer | None: ...

    async def active_conversation(self, customer_id: str) -> str | None: ...

    async def create_for_caller(self, request: CreateForCaller) -> CallerTicket:
        """The ticket for the customer with the request's phone number (none: no customer),
        in the conversation given or the customer's active one."""
        ...

    async def ticket_for_customer(
        self, ticket_id: str, customer_id: str
    ) -> CustomerTicketView | None: ...

    async def recent_tickets(self, customer_id: str, limit: int) -> list[CustomerTicketSummary]: ...

    async def hand_off(self, request: HandOff) -> None: ...

    async def open_tickets(self, conversation_id: str) -> list[TicketSummary]:
        """The conversation's tickets still being worked (not resolved or closed)."""
        ...

    async def update_ticket(self, request: UpdateTicket) -> None: ...

    async def add_note(self, request: AddNote) -> None:
        """NotFound when the ticket is not the customer's."""
        ...

    async def submit_feedback(self, request: SubmitFeedback) -> None:
        """NotFound when the ticket is not the customer's; Conflict when it is not resolved
        or closed, or (`first_only`) already rated."""
        ...


class ToolConfig(Protocol):
    """The configuration the tools read (the config service, cached)."""

    async def category_ids(self) -> list[str]: ...

    async def fallback_category(self) -> str:
        """The configured fallback category's id (the categories setting marks one)."""
        ...

    async def messages(self) -> Messages:
        """Never fails: the last known (or built-in) terminology when config is unreachable."""
        ...

    async def handoff_raises_priority(self) -> bool:
        """Whether a handoff raises the conversation's open tickets one priority level."""
        ...


@dataclass(frozen=True)
class ToolOutcome:
    """One call's output (a JSON string) and what the caller needs to know about it."""

    output: str
    success: bool
    transient: bool = False
    """A downstream failure: not remembered, so a retry of the same call id runs it again."""
    ticket_id: str | None = None


def dump(value: dict[str, Any]) -> str:
    """JSON as the plan's `JSON.stringify` writes it: compact, UTF-8 kept as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def js_date(value: datetime) -> str:
    """A date as JavaScript's JSON shows it (`2026-01-05T10:00:00.000Z`)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def failure(error: str, *, transient: bool = False) -> ToolOutcome:
    return ToolOutcome(dump({"success": False, "error": error}), False, transient)


def parse_arguments(raw: str) -> dict[str, Any] | None:
    """The call's arguments as an object; None when they are not a JSON object."""
    if not raw or not raw.strip():
        return {}
    try:
        value = json_depth.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def text_argument(args: dict[str, Any], name: str) -> str | None:
    """A non-blank text argument (numbers are accepted as text); None when absent or blank."""
    value = args.get(name)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "si", "sí"}
    return bool(value) and not isinstance(value, dict | list)


def choose_category(
    requested: Any, configured: list[str], fallback: str = FALLBACK_CATEGORY
) -> str:
    """The requested category if configured, else the configured fallback (plan: never reject
    the ticket)."""
    if isinstance(requested, str):
        wanted = requested.strip().lower()
        if wanted in configured:
            return wanted
    return fallback


def choose_priority(requested: Any) -> Priority:
    """The requested priority if valid, else `medium`."""
    if isinstance(requested, str):
        try:
            return Priority(requested.strip().lower())
        except ValueError:
            pass
    return DEFAULT_PRIORITY


def choose_location(requested: Any) -> Location | None:
    """A location object the model gave, keeping only what the ticket accepts; else none."""
    if not isinstance(requested, dict):
        return None
    try:
        location = Location.model_validate(
            {k: v for k, v in requested.items() if k in {"address", "description", "coordinates"}}
        )
    except ValidationError:
        return None
    return location if location.model_dump(exclude_none=True) else None


def assignee(ticket: CustomerTicketView, messages: Messages) -> str:
    """Who works the ticket, as the plan says it: "firstName lastName" (or that it is assigned,
    for a ticket stored before names were), else not assigned."""
    if not ticket.assigned_agent:
        return messages.unassigned()
    return ticket.assigned_agent_name or messages.assigned()


def _name_of(customer: Customer) -> str | None:
    """The customer as a note names its author: "firstName lastName", if given."""
    return " ".join(p for p in (customer.first_name, customer.last_name) if p) or None


def _failed(name: str, messages: Messages) -> str:
    """What a tool that failed unexpectedly tells the model."""
    if name == CREATE_TICKET:
        return messages.create_failed()
    if name == REQUEST_HUMAN:
        return messages.handoff_failed()
    if name == ADD_COMMENT:
        return messages.comment_failed()
    if name == RATE_TICKET:
        return messages.rating_failed()
    return messages.lookup_failed()


def is_transient(exc: Exception) -> bool:
    return not isinstance(exc, DomainError) or exc.code in TRANSIENT_CODES


class ToolRunner:
    """Runs one function call for the customer with `phone`; never raises."""

    def __init__(self, directory: Directory, config: ToolConfig) -> None:
        self._directory = directory
        self._config = config

    async def run(
        self, call: FunctionCall, phone: str | None, conversation_id: str | None
    ) -> ToolOutcome:
        messages = await self._config.messages()
        try:
            if call.name not in TOOL_NAMES:
                return failure(messages.unknown_function())
            args = parse_arguments(call.arguments)
            if args is None:
                return failure(messages.bad_arguments())
            if call.name == CREATE_TICKET:
                return await self._create(call.call_id, args, phone, conversation_id, messages)
            if call.name == REQUEST_HUMAN:
                return await self._hand_off(call.call_id, args, phone, conversation_id, messages)
            if call.name == ADD_COMMENT:
                return await self._comment(call.call_id, args, phone, messages)
            if call.name == RATE_TICKET:
                return await self._rate(call.call_id, args, phone, messages)
            return await self._lookup(args, phone, messages)
        except Exception as exc:  # the plan's outer catch: never throw to the model
            log.warning("tool %s (%s) failed: %r", call.name, call.call_id, exc)
            return failure(_failed(call.name, messages), transient=is_transient(exc))

    async def _customer(self, phone: str | None) -> Customer | None:
        if not phone or not phone.strip():
            return None
        return await self._directory.customer_by_phone(phone.strip())

    async def _create(
        self,
        call_id: str,
        args: dict[str, Any],
        phone: str | None,
        conversation_id: str | None,
        messages: Messages,
    ) -> ToolOutcome:
        subject = text_argument(args, "subject")
        description = text_argument(args, "description")
        missing = [
            name for name, v in (("subject", subject), ("description", description)) if not v
        ]
        if missing or subject is None or description is None:
            return failure(messages.missing_arguments(missing))

        if not phone or not phone.strip():
            return failure(messages.unknown_customer_create())
        category = choose_category(
            args.get("category"),
            await self._config.category_ids(),
            await self._config.fallback_category(),
        )
        try:
            request = CreateForCaller(
                phone_number=phone.strip(),
                subject=subject[:SUBJECT_MAX],
                description=description[:DESCRIPTION_MAX],
                category=category,
                priority=choose_priority(args.get("priority")),
                location=choose_location(args.get("location")),
                conversation_id=conversation_id or None,
                idempotency_key=call_id,
            )
        except ValidationError as exc:
            log.debug("create_ticket_report %s: invalid ticket: %s", call_id, why_invalid(exc))
            return failure(messages.create_failed())
        # One call: the customer by phone, their active conversation, the ticket.
        answer = await self._directory.create_for_caller(request)
        if answer.customer_id is None or answer.created is None:
            return failure(messages.unknown_customer_create())
        ticket = answer.created.ticket
        if ticket.customer_id != answer.customer_id:
            # The call id was used before for someone else: never show their ticket.
            log.warning("call id %s already created a ticket for another customer", call_id)
            return failure(messages.call_id_reused())
        log.debug("created %s for %s (call %s)", ticket.ticket_id, answer.customer_id, call_id)
        body: dict[str, Any] = {
            "success": True,
            "ticketId": ticket.ticket_id,
            "message": messages.created(ticket.ticket_id),
        }
        if ticket.problem_id is not None:  # an open problem matched: linked as its incident
            body["knownProblemId"] = ticket.problem_id
            body["message"] = messages.known_problem(ticket.problem_id)
        return ToolOutcome(dump(body), True, ticket_id=ticket.ticket_id)

    async def _lookup(
        self, args: dict[str, Any], phone: str | None, messages: Messages
    ) -> ToolOutcome:
        customer = await self._customer(phone)
        if customer is None:
            return failure(messages.unknown_customer_lookup())
        ticket_id = text_argument(args, "ticket_id")
        if ticket_id:
            return await self._one(ticket_id, customer.id, messages)
        if truthy(args.get("lookup_recent")):
            return await self._recent(customer.id, messages)
        return failure(messages.lookup_needs_argument())

    async def _one(self, ticket_id: str, customer_id: str, messages: Messages) -> ToolOutcome:
        try:
            ticket = await self._directory.ticket_for_customer(ticket_id, customer_id)
        except DomainError as exc:
            if exc.code in TRANSIENT_CODES:
                raise
            ticket = None
        if ticket is None or ticket.customer_id != customer_id:
            return failure(messages.not_found(ticket_id))
        due = ticket.expected_resolution_at
        body = {
            "success": True,
            "ticket": {
                "ticketId": ticket.ticket_id,
                "subject": ticket.subject,
                "description": ticket.description,
                "status": ticket.status.value,
                "priority": ticket.priority.value,
                "createdAt": js_date(ticket.created_at),
                "assignedAgent": assignee(ticket, messages),
                "resolutionNotes": ticket.resolution_notes,
                "expectedResolutionAt": js_date(due) if due is not None else None,
                # The customer's view holds public notes only (never internal ones, never the
                # reasons of status changes).
                "notes": [
                    {"content": n.content, "author": n.agent_name, "at": js_date(n.timestamp)}
                    for n in ticket.notes
                ],
            },
        }
        return ToolOutcome(dump(body), True, ticket_id=ticket.ticket_id)

    async def _recent(self, customer_id: str, messages: Messages) -> ToolOutcome:
        tickets = await self._directory.recent_tickets(customer_id, RECENT_LIMIT)
        tickets = [t for t in tickets if t.customer_id == customer_id][:RECENT_LIMIT]
        if not tickets:
            return ToolOutcome(dump({"success": True, "message": messages.none_registered()}), True)
        body = {
            "success": True,
            "tickets": [
                {
                    "ticketId": t.ticket_id,
                    "subject": t.subject,
                    "status": t.status.value,
                    "createdAt": js_date(t.created_at),
                }
                for t in tickets
            ],
            "message": messages.found_recent(len(tickets)),
        }
        return ToolOutcome(dump(body), True)

    async def _hand_off(
        self,
        call_id: str,
        args: dict[str, Any],
        phone: str | None,
        conversation_id: str | None,
        messages: Messages,
    ) -> ToolOutcome:
        customer = await self._customer(phone)
        if customer is None:
            return failure(messages.unknown_customer_lookup())
        conversation = conversation_id or await self._directory.active_conversation(customer.id)
        if conversation is None:
            return failure(messages.no_conversation())
        reason = text_argument(args, "reason")
        await self._directory.hand_off(
            HandOff(
                conversation_id=conversation,
                to=Handler.AGENT,
                reason=reason[:2_000] if reason else None,
                by=ASSISTANT,
            )
        )
        if await self._config.handoff_raises_priority():
            for ticket in await self._directory.open_tickets(conversation):
                if RAISED[ticket.priority] is not ticket.priority:
                    await self._directory.update_ticket(
                        UpdateTicket(
                            ticket_id=ticket.ticket_id,
                            changes=TicketChanges(priority=RAISED[ticket.priority]),
                            by=ASSISTANT,
                            request_key=f"{call_id}:{ticket.ticket_id}",
                        )
                    )
        body = {"success": True, "handedOff": True, "message": messages.handed_to_agent()}
        return ToolOutcome(dump(body), True)

    async def _comment(
        self, call_id: str, args: dict[str, Any], phone: str | None, messages: Messages
    ) -> ToolOutcome:
        ticket_id = text_argument(args, "ticketId") or text_argument(args, "ticket_id")
        comment = text_argument(args, "comment")
        missing = [n for n, v in (("ticketId", ticket_id), ("comment", comment)) if not v]
        if missing or ticket_id is None or comment is None:
            return failure(messages.missing_arguments(missing))
        customer = await self._customer(phone)
        if customer is None:
            return failure(messages.unknown_customer_lookup())
        try:
            await self._directory.add_note(
                AddNote(
                    ticket_id=ticket_id,
                    content=comment[:COMMENT_MAX],
                    is_internal=False,
                    by=customer.id,
                    by_name=_name_of(customer),
                    by_customer=True,
                    request_key=call_id,  # the same call adds the note once
                )
            )
        except DomainError as exc:
            if exc.code in TRANSIENT_CODES:
                raise
            return failure(messages.not_found(ticket_id))
        except ValidationError:
            return failure(messages.not_found(ticket_id))
        body = {
            "success": True,
            "ticketId": ticket_id,
            "message": messages.comment_added(ticket_id),
        }
        return ToolOutcome(dump(body), True, ticket_id=ticket_id)

    async def _rate(
        self, call_id: str, args: dict[str, Any], phone: str | None, messages: Messages
    ) -> ToolOutcome:
        """The customer's answer to the satisfaction survey: one rating per ticket, for their
        own resolved or closed ticket; the same call id records it once."""
        ticket_id = text_argument(args, "ticketId") or text_argument(args, "ticket_id")
        rating = args.get("rating")
        if isinstance(rating, str) and rating.strip().isdigit():
            rating = int(rating.strip())
        missing = [n for n, v in (("ticketId", ticket_id), ("rating", rating)) if v is None]
        if missing or ticket_id is None:
            return failure(messages.missing_arguments(missing))
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            return failure(messages.bad_rating())
        customer = await self._customer(phone)
        if customer is None:
            return failure(messages.unknown_customer_lookup())
        comment = text_argument(args, "comment")
        try:
            await self._directory.submit_feedback(
                SubmitFeedback(
                    ticket_id=ticket_id,
                    customer_id=customer.id,
                    rating=rating,
                    comment=comment[:COMMENT_MAX] if comment else None,
                    first_only=True,
                    request_key=call_id,
                )
            )
        except DomainError as exc:
            if exc.code in TRANSIENT_CODES:
                raise
            if exc.code is ErrorCode.CONFLICT and exc.reason == "already_rated":
                return failure(messages.already_rated(ticket_id))
            if exc.code is ErrorCode.CONFLICT:
                return failure(messages.not_resolved_yet(ticket_id))
            return failure(messages.not_found(ticket_id))
        except ValidationError:
            return failure(messages.not_found(ticket_id))
        body = {"success": True, "ticketId": ticket_id, "message": messages.rated(ticket_id)}
        return ToolOutcome(dump(body), True, ticket_id=ticket_id)
