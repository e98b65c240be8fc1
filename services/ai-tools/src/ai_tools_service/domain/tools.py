"""The assistant's two tools, transport-free: the plan's `handleToolCalls` (§1.4) for one call.

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
from uts_shared.contracts.tickets import (
    CreateFromAi,
    Customer,
    CustomerTicketSummary,
    CustomerTicketView,
    Location,
    Priority,
    TicketView,
)
from uts_shared.errors import DomainError, ErrorCode
from uts_shared.messaging import why_invalid

log = logging.getLogger(__name__)

CREATE_TICKET = "create_ticket_report"
GET_TICKET_INFO = "get_ticket_information"
TOOL_NAMES = (CREATE_TICKET, GET_TICKET_INFO)

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

    async def create_ticket(self, request: CreateFromAi) -> TicketView: ...

    async def ticket_for_customer(
        self, ticket_id: str, customer_id: str
    ) -> CustomerTicketView | None: ...

    async def recent_tickets(self, customer_id: str, limit: int) -> list[CustomerTicketSummary]: ...


class ToolConfig(Protocol):
    """The configuration the tools read (the config service, cached)."""

    async def category_ids(self) -> list[str]: ...

    async def fallback_category(self) -> str:
        """The configured fallback category's id (the categories setting marks one)."""
        ...

    async def messages(self) -> Messages:
        """Never fails: the last known (or built-in) terminology when config is unreachable."""
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
            return await self._lookup(args, phone, messages)
        except Exception as exc:  # the plan's outer catch: never throw to the model
            log.warning("tool %s (%s) failed: %r", call.name, call.call_id, exc)
            message = (
                messages.create_failed() if call.name == CREATE_TICKET else messages.lookup_failed()
            )
            return failure(message, transient=is_transient(exc))

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

        customer = await self._customer(phone)
        if customer is None:
            return failure(messages.unknown_customer_create())
        conversation = conversation_id or await self._directory.active_conversation(customer.id)
        category = choose_category(
            args.get("category"),
            await self._config.category_ids(),
            await self._config.fallback_category(),
        )
        try:
            request = CreateFromAi(
                subject=subject[:SUBJECT_MAX],
                description=description[:DESCRIPTION_MAX],
                category=category,
                priority=choose_priority(args.get("priority")),
                location=choose_location(args.get("location")),
                customer_id=customer.id,
                conversation_id=conversation,
                idempotency_key=call_id,
            )
        except ValidationError as exc:
            log.debug("create_ticket_report %s: invalid ticket: %s", call_id, why_invalid(exc))
            return failure(messages.create_failed())
        ticket = await self._directory.create_ticket(request)
        if ticket.customer_id != customer.id:
            # The call id was used before for someone else: never show their ticket.
            log.warning("call id %s already created a ticket for another customer", call_id)
            return failure(messages.call_id_reused())
        log.debug("created %s for customer %s (call %s)", ticket.ticket_id, customer.id, call_id)
        body = {
            "success": True,
            "ticketId": ticket.ticket_id,
            "message": messages.created(ticket.ticket_id),
        }
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
        body = {
            "success": True,
            "ticket": {
                "ticketId": ticket.ticket_id,
                "subject": ticket.subject,
                "status": ticket.status.value,
                "priority": ticket.priority.value,
                "createdAt": js_date(ticket.created_at),
                "assignedAgent": assignee(ticket, messages),
                "resolutionNotes": ticket.resolution_notes,
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
