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

from tickets_service.domain import lifecycle, sla
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import EventType

Emitted = tuple[EventType[Any], BaseModel]
"""One event: its type and payload."""


@dataclass(frozen=True)
class Outcome:
    """The ticket after a change and the events it causes; no events: nothing changed (unless
    `rescheduled`: the SLA clock's next moment moved, a write no one needs to hear about)."""

    ticket: t.TicketView
    events: tuple[Emitted, ...] = ()
    note: t.Note | None = None
    rescheduled: bool = False


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


CUSTOMER_REPLIED = "customer replied"


def resumable(status: t.TicketStatus) -> bool:
    """Whether a customer's reply can move a ticket in `status` back to in_progress."""
    return lifecycle.can_transition(status, t.TicketStatus.IN_PROGRESS)


def customer_replied(
    ticket: t.TicketView, waiting: list[t.TicketStatus], *, now: datetime
) -> Outcome:
    """Back to in_progress if still waiting on the customer; else nothing."""
    if ticket.status not in waiting or not resumable(ticket.status):
        return Outcome(ticket)
    return change_status(
        ticket, t.TicketStatus.IN_PROGRESS, by=None, reason=CUSTOMER_REPLIED, now=now
    )


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
    now: datetime,
) -> Outcome:
    """General fields; no event (and no write) when nothing actually differs (a new priority's
    SLA targets are the clock's business: `clocked`)."""
    after, updates = lifecycle.apply_changes(ticket, changes, now=now)
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


_RAISED: dict[t.Priority, t.Priority] = {
    t.Priority.LOW: t.Priority.MEDIUM,
    t.Priority.MEDIUM: t.Priority.HIGH,
    t.Priority.HIGH: t.Priority.URGENT,
    t.Priority.URGENT: t.Priority.URGENT,
}
SLA_AGENT = "sla"
"""Who the monitor's own changes are by (history, notes, events)."""
CLOCK_WORDS = {"first_response": "first response", "resolution": "resolution"}


def _alarm_event(ticket: t.TicketView, alarm: sla.Alarm, version: int) -> Emitted:
    kind = t.TICKET_SLA_BREACHED if alarm.breached else t.TICKET_SLA_WARNING
    payload = t.TicketSlaAlarm(
        ticket_id=ticket.ticket_id,
        clock=alarm.clock,
        due_at=alarm.due_at,
        target_ms=alarm.target_ms,
        elapsed_ms=alarm.elapsed_ms,
        priority=ticket.priority,
        customer_id=ticket.customer_id,
        assigned_agent=ticket.assigned_agent,
        version=version,
    )
    return kind, payload


def _on_breach(
    ticket: t.TicketView, alarm: sla.Alarm, policy: sla.Policy, now: datetime, note_id: str
) -> tuple[t.TicketView, list[Emitted]]:
    """The policy's breach actions: escalate, raise the priority; recorded as an internal note
    by `sla` (the ticket's timeline) and announced with their usual events."""
    actions = policy.on_breach
    events: list[Emitted] = []
    done: list[str] = []
    version = ticket.version + 1
    to_agent = actions.to_agent_id or ticket.assigned_agent
    if actions.escalate and to_agent is not None and not ticket.is_escalated:
        reason = f"SLA breached ({CLOCK_WORDS[alarm.clock]})"
        name = ticket.assigned_agent_name if to_agent == ticket.assigned_agent else None
        escalated = escalate(ticket, to_agent, reason, by=SLA_AGENT, now=now, to_agent_name=name)
        ticket = escalated.ticket
        events.extend(escalated.events)
        done.append(f"escalated to {name or to_agent}")
    if actions.raise_priority and _RAISED[ticket.priority] != ticket.priority:
        raised = _RAISED[ticket.priority]
        ticket = ticket.model_copy(
            update={"priority": raised, "sla": sla.retarget(ticket.sla, raised, policy)}
        )
        events.append(
            (
                t.TICKET_UPDATED,
                t.TicketUpdated(
                    ticket_id=ticket.ticket_id,
                    customer_id=ticket.customer_id,
                    updated_by=SLA_AGENT,
                    updates={"priority": raised.value},
                    assigned_agent=ticket.assigned_agent,
                    version=version,
                ),
            )
        )
        done.append(f"priority raised to {raised.value}")
    if done:
        words = f"SLA breached ({CLOCK_WORDS[alarm.clock]}): {', '.join(done)}"
        ticket, _ = lifecycle.add_note(
            ticket, words, by=SLA_AGENT, is_internal=True, note_id=note_id, now=now
        )
    return ticket, events


def clocked(
    before: t.TicketView,
    outcome: Outcome,
    policy: sla.Policy,
    now: datetime,
    *,
    note_id: str,
) -> Outcome:
    """`outcome` (decided on `before`; `Outcome(before)` for the monitor) with the SLA clock
    brought to `now`: its warnings and breaches, and the breach actions, as events. A change
    with no events of its own and no alarm stays a no-op (nothing is written)."""
    after, alarms = sla.follow(before, outcome.ticket, policy, now)
    if not outcome.events and not alarms:
        overdue = before.sla.next_check_at is not None and before.sla.next_check_at <= now
        if overdue and after.sla.next_check_at != before.sla.next_check_at:
            return Outcome(after, rescheduled=True)  # e.g. the policy moved the moment later
        return outcome
    events = list(outcome.events)
    version = before.version + 1
    if alarms:  # the SLA state changed: a change syncing systems must see
        after = after.model_copy(update={"updated_at": now})
    acted = False
    for alarm in alarms:
        events.append(_alarm_event(after, alarm, version))
        if alarm.breached and not acted:
            after, actions = _on_breach(after, alarm, policy, now, note_id)
            events.extend(actions)
            acted = bool(actions)
    if acted:  # a raised priority brings nearer targets: schedule them, raise what they reach
        after, more = sla.follow(after, after, policy, now)
        events.extend(_alarm_event(after, alarm, version) for alarm in more)
    return Outcome(after, tuple(events), outcome.note)
