"""A new ticket, and the views of one: full (agents), summary (lists), customer-facing."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from pydantic import BaseModel

from tickets_service.domain.customers import display_name
from tickets_service.domain.lifecycle import TRANSITIONS
from uts_shared.contracts.tickets import (
    Customer,
    CustomerRef,
    CustomerTicketSummary,
    CustomerTicketView,
    NewTicket,
    Sla,
    TicketSource,
    TicketStatus,
    TicketSummary,
    TicketView,
)

_CUSTOMER_SUMMARY_FIELDS = tuple(CustomerTicketSummary.model_fields)
_CUSTOMER_VIEW_FIELDS = tuple(f for f in CustomerTicketView.model_fields if f != "notes")


def customer_ref(customer: Customer) -> CustomerRef:
    """How a ticket names its customer: id, "firstName lastName" (if given) and phone."""
    return CustomerRef(
        id=customer.id, name=display_name(customer), phone_number=customer.phone_number
    )


def new_ticket(
    request: NewTicket,
    *,
    ticket_id: str,
    status: TicketStatus,
    source: TicketSource,
    sla: Sla,
    assigned_agent: str | None,
    now: datetime,
    customer: CustomerRef | None = None,
    created_by: str | None = None,
    created_by_name: str | None = None,
) -> TicketView:
    """The ticket as first stored (version 1, no history yet); an agent assigning it to itself
    is its creator, so the assignee's name is the creator's."""
    return TicketView(
        ticket_id=ticket_id,
        subject=request.subject,
        description=request.description,
        category=request.category,
        subcategory=request.subcategory,
        priority=request.priority,
        status=status,
        customer_id=request.customer_id,
        customer=customer,
        conversation_id=request.conversation_id,
        assigned_agent=assigned_agent,
        assigned_agent_name=created_by_name if assigned_agent == created_by else None,
        assigned_at=now if assigned_agent else None,
        location=request.location,
        sla=sla,
        tags=list(dict.fromkeys(request.tags)),
        attachments=request.attachments,
        source=source,
        created_by=created_by,
        created_by_name=created_by_name,
        created_at=now,
        updated_at=now,
        version=1,
        allowed_next_statuses=list(TRANSITIONS[status]),
    )


def customer_summary(ticket: TicketSummary) -> CustomerTicketSummary:
    """What a customer's list shows: no notes, SLA or escalation internals."""
    return CustomerTicketSummary.model_construct(
        **{f: getattr(ticket, f) for f in _CUSTOMER_SUMMARY_FIELDS}
    )


def customer_view(ticket: TicketView) -> CustomerTicketView:
    """What the ticket's customer may see: internal notes removed."""
    fields = {f: getattr(ticket, f) for f in _CUSTOMER_VIEW_FIELDS}
    public = [note for note in ticket.notes if not note.is_internal]
    return CustomerTicketView.model_construct(**fields, notes=public)


NOTES = uuid.UUID("6f1c2a8e-8d2b-4c59-9d1a-3f0e7b2c4a10")


def note_id_for(request_key: str) -> str:
    """The id of the note a request adds: the same for every delivery of that request."""
    return uuid.uuid5(NOTES, request_key).hex


def request_fingerprint(request: BaseModel) -> str:
    """What identifies a create request apart from its idempotency key (same request, same
    fingerprint; any other field different, another fingerprint)."""
    # The creator's display name may change between two deliveries; the request does not.
    body = request.model_dump_json(exclude={"idempotency_key", "agent_name"}, by_alias=True)
    return hashlib.sha256(body.encode()).hexdigest()
