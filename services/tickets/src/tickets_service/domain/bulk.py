"""Bulk actions: the command each ticket of a bulk request gets, and how a refusal is told.

A bulk action is no new way to change a ticket: every ticket gets the same command a single
route would send (its own history entry, events and conditional write)."""

from __future__ import annotations

import hashlib
from typing import Any

from tickets_service.domain.ticket import InvalidTransition
from uts_shared.contracts import tickets as t
from uts_shared.errors import DomainError, ValidationFailed

S = t.TicketStatus


def key_for(request_key: str | None, ticket_id: str) -> str | None:
    """Each ticket's own request key from the bulk request's: a redelivered bulk request is a
    replay for every ticket it already changed."""
    if request_key is None:
        return None
    digest = hashlib.sha256(request_key.encode()).hexdigest()[:24]
    return f"bulk:{digest}:{ticket_id}"


def command_for(req: t.BulkTickets, ticket_id: str) -> t.TicketCommand:
    """The one command `req.action` makes for `ticket_id`, in the caller's write scope."""
    common: dict[str, Any] = {
        "ticket_id": ticket_id,
        "request_key": key_for(req.request_key, ticket_id),
        "principal": req.principal,
        "visible_to": req.visible_to,
    }
    match req.action:
        case t.BulkAssign(agent_id=agent_id):
            return t.AssignTicket(
                **common, agent_id=agent_id, agent_name=req.assignee_name, by=req.by
            )
        case t.BulkStatus(status=status, reason=reason):
            return t.ChangeStatus(
                **common, status=status, reason=reason, by=req.by, by_name=req.by_name
            )
        case t.BulkClose(reason=reason):
            return t.ChangeStatus(
                **common, status=S.CLOSED, reason=reason, by=req.by, by_name=req.by_name
            )
        case t.BulkPriority(priority=priority):
            changes = t.TicketChanges(priority=priority)
            return t.UpdateTicket(**common, changes=changes, by=req.by)
        case t.BulkTag(add=add, remove=remove):
            return t.TagTicket(**common, add=add, remove=remove, by=req.by)
        case t.BulkMacro(macro_id=macro_id):
            return t.ApplyMacro(**common, macro_id=macro_id, by=req.by, by_name=req.by_name)


def check(req: t.BulkTickets) -> None:
    """What refuses the whole request before any ticket is touched."""
    if (req.ticket_ids is None) == (req.filter is None):
        raise ValidationFailed.on("ticketIds", "give either ticketIds or filter, not both")


def refusal(ticket_id: str, exc: DomainError) -> t.BulkItem:
    """A ticket the action could not change: the error's reason code and parameters."""
    reason = exc.reason
    if reason is None:
        reason = "illegal_transition" if isinstance(exc, InvalidTransition) else exc.code.value
    params = dict(exc.context)
    if exc.details:
        params.setdefault("field", exc.details[0].field)
    return t.BulkItem(
        ticket_id=ticket_id,
        outcome=t.BulkOutcome.REFUSED,
        reason=reason,
        params=params,
        message=exc.message,
    )
