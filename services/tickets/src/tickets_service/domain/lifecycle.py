"""The ticket lifecycle: transition graph, status history, assignment, escalation, notes.

Every function takes a ticket and returns a changed copy (the input is never modified); the
service writes the copy conditionally on the version it read.
"""

from __future__ import annotations

from datetime import datetime

from uts_shared.contracts.base import MAX_NOTES_PER_TICKET, MAX_STATUS_CHANGES_PER_TICKET
from uts_shared.contracts.tickets import (
    CustomerFeedback,
    Note,
    StatusChange,
    TicketChanges,
    TicketStatus,
    TicketView,
)
from uts_shared.errors import Conflict, ValidationFailed

S = TicketStatus

OPEN_STATES = (S.NEW, S.OPEN, S.IN_PROGRESS, S.PENDING_CUSTOMER, S.WAITING_INTERNAL)
"""Statuses of a ticket still being worked: each may be resolved or closed."""

TRANSITIONS: dict[TicketStatus, tuple[TicketStatus, ...]] = {
    S.NEW: (S.OPEN, S.RESOLVED, S.CLOSED),
    S.OPEN: (S.IN_PROGRESS, S.RESOLVED, S.CLOSED),
    S.IN_PROGRESS: (S.PENDING_CUSTOMER, S.WAITING_INTERNAL, S.RESOLVED, S.CLOSED),
    S.PENDING_CUSTOMER: (S.IN_PROGRESS, S.RESOLVED, S.CLOSED),
    S.WAITING_INTERNAL: (S.IN_PROGRESS, S.RESOLVED, S.CLOSED),
    S.RESOLVED: (S.CLOSED, S.OPEN),
    S.CLOSED: (),
}
"""The plan's path (new→open→in_progress⇄pending_customer, in_progress⇄waiting_internal,
in_progress→resolved→closed, resolved→open to reopen), plus what agents need: resolve (with
notes) or close (with a reason) from any open state."""

ALLOWED_WIRE: dict[str, list[str]] = {
    status.value: [s.value for s in targets] for status, targets in TRANSITIONS.items()
}
"""`allowedNextStatuses` of a stored status, as the wire has it (read paths fill views with it)."""

CLOSE_REASONS = ("duplicate", "spam", "no_response")
"""The usual reasons to close a ticket nobody resolved; any other words are accepted too."""

FEEDBACK_STATUSES = (S.RESOLVED, S.CLOSED)


class InvalidTransition(Conflict):
    """A status change the graph does not allow; names the allowed next states."""

    def __init__(self, current: TicketStatus, target: TicketStatus) -> None:
        allowed = [s.value for s in TRANSITIONS[current]]
        shown = ", ".join(allowed) if allowed else "none (final state)"
        super().__init__(
            f"Cannot change status from '{current.value}' to '{target.value}'; "
            f"allowed next states: {shown}",
            context={"from": current.value, "to": target.value, "allowed": allowed},
        )


def allowed_next(status: TicketStatus) -> tuple[TicketStatus, ...]:
    """The statuses a ticket in `status` may move to."""
    return TRANSITIONS[status]


def can_transition(current: TicketStatus, target: TicketStatus) -> bool:
    return target in TRANSITIONS[current]


def with_allowed_next(ticket: TicketView) -> TicketView:
    """The view with `allowedNextStatuses` matching its status."""
    return ticket.model_copy(update={"allowed_next_statuses": list(TRANSITIONS[ticket.status])})


def transition(
    ticket: TicketView,
    target: TicketStatus,
    *,
    by: str | None,
    reason: str | None,
    now: datetime,
    by_name: str | None = None,
) -> TicketView:
    """Move to `target` (or raise InvalidTransition) and record history.

    History's `from` is always the status the ticket really had. Resolved stamps
    resolvedAt/resolvedBy; closed stamps closedAt (and the reason as `closeReason`); reopening
    clears the resolution stamps of the previous round (history keeps them). Closing a ticket
    nobody resolved needs a reason. (SLA stamps are the clock's: `domain/sla.py`.)
    """
    current = ticket.status
    if not can_transition(current, target):
        raise InvalidTransition(current, target)
    if target is S.CLOSED and current is not S.RESOLVED and not (reason and reason.strip()):
        raise ValidationFailed.on(
            "reason",
            "closing a ticket that is not resolved needs a reason: "
            f"{', '.join(CLOSE_REASONS)} or your own words",
        )
    if len(ticket.status_history) >= MAX_STATUS_CHANGES_PER_TICKET:
        raise Conflict(
            f"Ticket {ticket.ticket_id} has had {MAX_STATUS_CHANGES_PER_TICKET} status changes, "
            "the most one ticket records; open a new ticket to go on",
            context={"limit": MAX_STATUS_CHANGES_PER_TICKET},
        )
    change = StatusChange(from_=current, to=target, changed_by=by, reason=reason, timestamp=now)
    update: dict[str, object] = {
        "status": target,
        "status_history": [*ticket.status_history, change],
        "allowed_next_statuses": list(TRANSITIONS[target]),
        "updated_at": now,
    }
    if target is S.RESOLVED:
        update["resolved_at"] = now
        update["resolved_by"] = by
        update["resolved_by_name"] = by_name
    if target is S.CLOSED:
        update["closed_at"] = now
        update["close_reason"] = reason
    if current is S.RESOLVED and target is S.OPEN:
        update["resolved_at"] = None
        update["resolved_by"] = None
        update["resolved_by_name"] = None
    return ticket.model_copy(update=update)


def _taken_up(
    ticket: TicketView, action: str, *, by: str | None, reason: str, now: datetime
) -> TicketView:
    """A ticket someone takes up (assigned, escalated): never a closed one; a new one opens."""
    if ticket.status is S.CLOSED:
        raise Conflict(
            f"Ticket {ticket.ticket_id} is closed and can't be {action}",
            context={"status": ticket.status.value},
        )
    if ticket.status is S.NEW:
        return transition(ticket, S.OPEN, by=by, reason=reason, now=now)
    return ticket


def assign(
    ticket: TicketView,
    agent_id: str,
    *,
    by: str | None,
    now: datetime,
    agent_name: str | None = None,
) -> TicketView:
    """Assign to `agent_id` (named `agent_name`); a new ticket moves to open (in history)."""
    changed = _taken_up(ticket, "assigned", by=by or agent_id, reason="Assigned to agent", now=now)
    return changed.model_copy(
        update={
            "assigned_agent": agent_id,
            "assigned_agent_name": agent_name,
            "assigned_at": now,
            "updated_at": now,
        }
    )


def resolve(
    ticket: TicketView,
    resolution_notes: str,
    *,
    by: str,
    now: datetime,
    reason: str = "Resolved by agent",
    by_name: str | None = None,
) -> TicketView:
    """Resolve with notes, from any open state (the graph says which)."""
    resolved = transition(ticket, S.RESOLVED, by=by, reason=reason, now=now, by_name=by_name)
    return resolved.model_copy(update={"resolution_notes": resolution_notes})


def change_status(
    ticket: TicketView,
    target: TicketStatus,
    *,
    by: str | None,
    reason: str | None,
    now: datetime,
    by_name: str | None = None,
) -> TicketView:
    """A status change asked for by name: a move to resolved takes its reason as the
    resolution notes (required, as on the resolve route); any other follows `transition`."""
    if target is not S.RESOLVED:
        return transition(ticket, target, by=by, reason=reason, now=now, by_name=by_name)
    if not can_transition(ticket.status, target):
        raise InvalidTransition(ticket.status, target)
    if not (reason and reason.strip()) or by is None:
        raise ValidationFailed.on(
            "reason", "resolving needs resolution notes: give them as the reason"
        )
    return resolve(ticket, reason, by=by, now=now, reason=reason, by_name=by_name)


def escalate(
    ticket: TicketView,
    to_agent: str,
    reason: str,
    *,
    by: str,
    now: datetime,
    to_agent_name: str | None = None,
) -> TicketView:
    """Flag as escalated to `to_agent` (who becomes the assignee); a new ticket opens."""
    changed = _taken_up(ticket, "escalated", by=by, reason="Escalated", now=now)
    return changed.model_copy(
        update={
            "is_escalated": True,
            "escalated_to": to_agent,
            "escalated_to_name": to_agent_name,
            "escalation_reason": reason,
            "escalated_at": now,
            "assigned_agent": to_agent,
            "assigned_agent_name": to_agent_name,
            "assigned_at": now,
            "updated_at": now,
        }
    )


def add_note(
    ticket: TicketView,
    content: str,
    *,
    by: str,
    is_internal: bool,
    note_id: str,
    now: datetime,
    by_name: str | None = None,
) -> tuple[TicketView, Note]:
    """Append a note (internal unless said otherwise); a full ticket takes no more."""
    if len(ticket.notes) >= MAX_NOTES_PER_TICKET:
        raise Conflict(
            f"Ticket {ticket.ticket_id} already has {MAX_NOTES_PER_TICKET} notes, the most one "
            "ticket holds; open a new ticket to go on",
            context={"limit": MAX_NOTES_PER_TICKET},
        )
    note = Note(
        id=note_id,
        agent_id=by,
        agent_name=by_name,
        content=content,
        is_internal=is_internal,
        timestamp=now,
    )
    return ticket.model_copy(update={"notes": [*ticket.notes, note], "updated_at": now}), note


def record_feedback(
    ticket: TicketView, rating: int, comment: str | None, *, now: datetime
) -> TicketView:
    """The customer's rating; only once the ticket is resolved or closed."""
    if ticket.status not in FEEDBACK_STATUSES:
        raise Conflict(
            f"Feedback can only be given on a resolved or closed ticket "
            f"({ticket.ticket_id} is {ticket.status.value})",
            context={
                "status": ticket.status.value,
                "allowed": [s.value for s in FEEDBACK_STATUSES],
            },
        )
    feedback = CustomerFeedback(rating=rating, comment=comment, submitted_at=now)
    return ticket.model_copy(update={"customer_feedback": feedback, "updated_at": now})


def apply_changes(
    ticket: TicketView,
    changes: TicketChanges,
    *,
    now: datetime,
) -> tuple[TicketView, dict[str, object]]:
    """General update: only fields set in `changes` and actually different are applied.

    Returns the changed ticket and the changed fields (wire names, JSON values) for the event.
    """
    update: dict[str, object] = {}
    for name in changes.model_fields_set:
        new_value = getattr(changes, name)
        if new_value != getattr(ticket, name):
            update[name] = new_value
    if not update:
        return ticket, {}
    update["updated_at"] = now
    changed = ticket.model_copy(update=update)
    wire = changes.model_dump(
        mode="json", by_alias=True, include=set(update) - {"sla", "updated_at"}
    )
    return changed, wire
