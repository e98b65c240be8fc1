"""Every change made to a ticket, decided: the ticket after it and the events it causes.

Each function takes the ticket as read and returns an `Outcome`; nothing here stores, publishes
or reads a clock. The events are contract payloads carrying the version the write will give the
ticket; the service stores them with the change (the outbox) and publishes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from tickets_service.domain import lifecycle
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import EventType

Emitted = tuple[EventType[Any], BaseModel]
"""One event: its type and payload."""


@dataclass(frozen=True)
class Outcome:
    """The ticket after a change and the events it causes; no events: nothing changed."""

    ticket: t.TicketView
    events: tuple[Emitted, ...] = ()
    note: t.Note | None = None


def created(ticket: t.TicketView, *, created_by: str | None) -> Outcome:
    """A ticket as first stored, with its `ticket.created`."""
    payload = t.TicketCreated(
        ticket=ticket,
        customer_id=ticket.customer_id,
        conversation_id=ticket.conversation_id,
        created_by=created_by,
        version=ticket.version,
    )
    return Outcome(ticket, ((t.TICKET_CREATED, payload),))


def _status_moved(
    before: t.TicketView, after: t.TicketView, *, by: str | None, reason: str | None
) -> Emitted:
    return (
        t.TICKET_UPDATED,
        t.TicketUpdated(
            ticket_id=before.ticket_id,
            customer_id=before.customer_id,
            updated_by=by,
            old_status=before.status,
            new_status=after.status,
            reason=reason,
            assigned_agent=after.assigned_agent,
            version=before.version + 1,
        ),
    )


def change_status(
    ticket: t.TicketView,
    target: t.TicketStatus,
    *,
    by: str | None,
    reason: str | None,
    now: datetime,
    by_name: str | None = None,
) -> Outcome:
    after = lifecycle.change_status(ticket, target, by=by, reason=reason, now=now, by_name=by_name)
    return Outcome(after, (_status_moved(ticket, after, by=by, reason=reason),))


def assign(
    ticket: t.TicketView,
    agent_id: str,
    *,
    by: str | None,
    now: datetime,
    agent_name: str | None = None,
) -> Outcome:
    after = lifecycle.assign(ticket, agent_id, by=by, now=now, agent_name=agent_name)
    events: list[Emitted] = [
        (
            t.TICKET_ASSIGNED,
            t.TicketAssigned(
                ticket_id=ticket.ticket_id,
                agent_id=agent_id,
                agent_name=agent_name,
                customer_id=ticket.customer_id,
                assigned_by=by,
                previous_agent=ticket.assigned_agent,
                version=ticket.version + 1,
            ),
        )
    ]
    if after.status != ticket.status:
        events.append(_status_moved(ticket, after, by=by, reason="Assigned to agent"))
    return Outcome(after, tuple(events))


def escalate(
    ticket: t.TicketView,
    to_agent: str,
    reason: str,
    *,
    by: str,
    now: datetime,
    to_agent_name: str | None = None,
) -> Outcome:
    after = lifecycle.escalate(
        ticket, to_agent, reason, by=by, now=now, to_agent_name=to_agent_name
    )
    events: list[Emitted] = [
        (
            t.TICKET_ESCALATED,
            t.TicketEscalated(
                ticket_id=ticket.ticket_id,
                from_agent=by,
                to_agent=to_agent,
                to_agent_name=to_agent_name,
                reason=reason,
                customer_id=ticket.customer_id,
                previous_agent=ticket.assigned_agent,
                version=ticket.version + 1,
            ),
        )
    ]
    if after.status != ticket.status:
        events.append(_status_moved(ticket, after, by=by, reason="Escalated"))
    return Outcome(after, tuple(events))


def resolve(
    ticket: t.TicketView, notes: str, *, by: str, now: datetime, by_name: str | None = None
) -> Outcome:
    after = lifecycle.resolve(ticket, notes, by=by, now=now, by_name=by_name)
    payload = t.TicketResolved(
        ticket_id=ticket.ticket_id,
        resolved_by=by,
        resolved_by_name=by_name,
        resolution_notes=notes,
        customer_id=ticket.customer_id,
        assigned_agent=after.assigned_agent,
        version=ticket.version + 1,
    )
    return Outcome(after, ((t.TICKET_RESOLVED, payload),))


def add_note(
    ticket: t.TicketView,
    content: str,
    *,
    by: str,
    is_internal: bool,
    note_id: str,
    now: datetime,
    by_name: str | None = None,
) -> Outcome:
    after, note = lifecycle.add_note(
        ticket,
        content,
        by=by,
        is_internal=is_internal,
        note_id=note_id,
        now=now,
        by_name=by_name,
    )
    payload = t.TicketNoteAdded(
        ticket_id=ticket.ticket_id,
        note=note,
        agent_id=by,
        customer_id=ticket.customer_id,
        assigned_agent=after.assigned_agent,
        version=ticket.version + 1,
    )
    return Outcome(after, ((t.TICKET_NOTE_ADDED, payload),), note=note)


def record_feedback(
    ticket: t.TicketView, rating: int, comment: str | None, *, by: str | None, now: datetime
) -> Outcome:
    after = lifecycle.record_feedback(ticket, rating, comment, now=now)
    assert after.customer_feedback is not None
    payload = t.TicketUpdated(
        ticket_id=ticket.ticket_id,
        customer_id=ticket.customer_id,
        updated_by=by,
        updates={"customerFeedback": after.customer_feedback.model_dump(mode="json")},
        assigned_agent=after.assigned_agent,
        version=ticket.version + 1,
    )
    return Outcome(after, ((t.TICKET_UPDATED, payload),))


def update(
    ticket: t.TicketView,
    changes: t.TicketChanges,
    *,
    by: str | None,
    targets: dict[t.Priority, tuple[int, int]],
    now: datetime,
) -> Outcome:
    """General fields; no event (and no write) when nothing actually differs."""
    after, updates = lifecycle.apply_changes(ticket, changes, targets=targets, now=now)
    if not updates:
        return Outcome(ticket)
    payload = t.TicketUpdated(
        ticket_id=ticket.ticket_id,
        customer_id=ticket.customer_id,
        updated_by=by,
        updates=updates,
        assigned_agent=after.assigned_agent,
        version=ticket.version + 1,
    )
    return Outcome(after, ((t.TICKET_UPDATED, payload),))
