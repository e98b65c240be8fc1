"""The ticket aggregate: a ticket's state and every rule about it.

`Ticket(state)` answers each change with an `Outcome`: the state after it and the events it
causes (contract payloads carrying the version the write will give the ticket). Nothing here
stores, publishes, reads a clock or draws an id: `now` and ids come in as arguments. The input
state is never modified; the service writes the new one conditionally on the version it read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from tickets_service.domain import sla, views
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import (
    MAX_ATTACHMENTS,
    MAX_NOTES_PER_TICKET,
    MAX_STATUS_CHANGES_PER_TICKET,
    MAX_TAGS,
    EventType,
)
from uts_shared.contracts.tickets import TicketStatus
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
MERGED = "merged"
"""The close reason of a ticket merged into another."""
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


class TicketState(BaseModel):
    """A ticket as the aggregate holds it: what is stored, nothing worked out when read
    (allowed next statuses, live SLA time, search score: the views' business) and nothing only
    the store keeps (search terms, outbox, applied request keys, the names map)."""

    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, validate_by_alias=True, frozen=True
    )

    ticket_id: str
    subject: str
    description: str
    category: str
    subcategory: str | None = None
    priority: t.Priority
    status: TicketStatus
    status_history: list[t.StatusChange] = Field(default_factory=list)
    customer_id: str
    customer: t.CustomerRef | None = None
    conversation_id: str | None = None
    assigned_agent: str | None = None
    assigned_agent_name: str | None = None
    assigned_at: datetime | None = None
    location: t.Location | None = None
    sla: t.Sla
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolved_by_name: str | None = None
    resolution_notes: str | None = None
    customer_feedback: t.CustomerFeedback | None = None
    tags: list[str] = Field(default_factory=list)
    is_escalated: bool = False
    escalated_to: str | None = None
    escalated_to_name: str | None = None
    escalation_reason: str | None = None
    escalated_at: datetime | None = None
    attachments: list[t.Attachment] = Field(default_factory=list)
    source: t.TicketSource
    created_by: str | None = None
    created_by_name: str | None = None
    closed_at: datetime | None = None
    close_reason: str | None = None
    created_at: datetime
    updated_at: datetime
    version: int
    notes: list[t.Note] = Field(default_factory=list)
    merged_into: str | None = None
    merged_from: list[t.MergedTicket] = Field(default_factory=list)
    links: list[t.TicketLink] = Field(default_factory=list)
    problem_id: str | None = None
    is_problem: bool = False
    incident_count: int = 0


Emitted = tuple[EventType[Any], BaseModel]
"""One event: its type and payload."""


@dataclass(frozen=True)
class Outcome:
    """The ticket after a change and the events it causes; no events: nothing changed (unless
    `rescheduled`: the SLA clock's next moment moved, a write no one needs to hear about)."""

    ticket: TicketState
    events: tuple[Emitted, ...] = ()
    note: t.Note | None = None
    rescheduled: bool = False


CUSTOMER_REPLIED = "customer replied"
SLA_AGENT = "sla"
"""Who the monitor's own changes are by (history, notes, events)."""
CLOCK_WORDS = {"first_response": "first response", "resolution": "resolution"}
_RAISED: dict[t.Priority, t.Priority] = {
    t.Priority.LOW: t.Priority.MEDIUM,
    t.Priority.MEDIUM: t.Priority.HIGH,
    t.Priority.HIGH: t.Priority.URGENT,
    t.Priority.URGENT: t.Priority.URGENT,
}


def _alarm_event(ticket: TicketState, alarm: sla.Alarm, version: int) -> Emitted:
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


def _status_moved(
    before: TicketState, after: TicketState, *, by: str | None, reason: str | None
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


def _without(links: list[t.TicketLink], ticket_id: str) -> list[t.TicketLink]:
    return [x for x in links if x.ticket_id != ticket_id]


def resumable(status: TicketStatus) -> bool:
    """Whether a customer's reply can move a ticket in `status` back to in_progress."""
    return can_transition(status, S.IN_PROGRESS)


@dataclass(frozen=True)
class Ticket:
    """The aggregate: `state` as read, and the rules as methods returning an `Outcome`."""

    state: TicketState

    # --- creation -----------------------------------------------------------------------------

    @classmethod
    def new(
        cls,
        request: t.NewTicket,
        *,
        ticket_id: str,
        status: TicketStatus,
        source: t.TicketSource,
        sla: t.Sla,
        assigned_agent: str | None,
        now: datetime,
        customer: t.CustomerRef | None = None,
        created_by: str | None = None,
        created_by_name: str | None = None,
    ) -> Ticket:
        """The ticket as first stored (version 1, no history yet); an agent assigning it to
        itself is its creator, so the assignee's name is the creator's."""
        return cls(
            TicketState(
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
            )
        )

    def created(self, *, created_by: str | None) -> Outcome:
        """The ticket as first stored, with its `ticket.created`."""
        ticket = self.state
        payload = t.TicketCreated(
            ticket=views.event_view(ticket),
            customer_id=ticket.customer_id,
            conversation_id=ticket.conversation_id,
            created_by=created_by,
            version=ticket.version,
        )
        return Outcome(ticket, ((t.TICKET_CREATED, payload),))

    # --- status -------------------------------------------------------------------------------

    def _moved(
        self,
        target: TicketStatus,
        *,
        by: str | None,
        reason: str | None,
        now: datetime,
        by_name: str | None = None,
    ) -> TicketState:
        """Moved to `target` (or InvalidTransition), with history. History's `from` is always
        the status the ticket really had. Resolved stamps resolvedAt/resolvedBy; closed stamps
        closedAt (and the reason as `closeReason`); reopening clears the resolution stamps of
        the previous round (history keeps them). Closing a ticket nobody resolved needs a
        reason. (SLA stamps are the clock's: `domain/sla.py`.)"""
        ticket = self.state
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
                f"Ticket {ticket.ticket_id} has had {MAX_STATUS_CHANGES_PER_TICKET} status "
                "changes, the most one ticket records; open a new ticket to go on",
                context={"limit": MAX_STATUS_CHANGES_PER_TICKET},
            )
        change = t.StatusChange(
            from_=current, to=target, changed_by=by, reason=reason, timestamp=now
        )
        update: dict[str, object] = {
            "status": target,
            "status_history": [*ticket.status_history, change],
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

    def transition(
        self,
        target: TicketStatus,
        *,
        by: str | None,
        reason: str | None,
        now: datetime,
        by_name: str | None = None,
    ) -> Outcome:
        """A move along the graph, announced as `ticket.updated`."""
        self._not_alone(target, None)
        after = self._moved(target, by=by, reason=reason, now=now, by_name=by_name)
        return Outcome(after, (_status_moved(self.state, after, by=by, reason=reason),))

    def change_status(
        self,
        target: TicketStatus,
        *,
        by: str | None,
        reason: str | None,
        now: datetime,
        by_name: str | None = None,
    ) -> Outcome:
        """A status change asked for by name: a move to resolved takes its reason as the
        resolution notes (required, as on the resolve route); any other is a `transition`."""
        if target is not S.RESOLVED:
            return self.transition(target, by=by, reason=reason, now=now, by_name=by_name)
        if not can_transition(self.state.status, target):
            raise InvalidTransition(self.state.status, target)
        if not (reason and reason.strip()) or by is None:
            raise ValidationFailed.on(
                "reason", "resolving needs resolution notes: give them as the reason"
            )
        self._not_alone(target, None)
        after = self._resolved(reason, by=by, now=now, reason=reason, by_name=by_name)
        moved = _status_moved(self.state, after, by=by, reason=reason)
        if self.state.is_problem:  # its incidents follow `ticket.resolved`
            return Outcome(after, (moved, self._resolved_event(after, reason, by, by_name)))
        return Outcome(after, (moved,))

    def customer_replied(self, waiting: list[TicketStatus], *, now: datetime) -> Outcome:
        """Back to in_progress if still waiting on the customer; else nothing."""
        status = self.state.status
        if status not in waiting or not resumable(status):
            return Outcome(self.state)
        return self.change_status(S.IN_PROGRESS, by=None, reason=CUSTOMER_REPLIED, now=now)

    def _resolved(
        self,
        notes: str,
        *,
        by: str,
        now: datetime,
        reason: str = "Resolved by agent",
        by_name: str | None = None,
    ) -> TicketState:
        resolved = self._moved(S.RESOLVED, by=by, reason=reason, now=now, by_name=by_name)
        return resolved.model_copy(update={"resolution_notes": notes})

    def resolve(
        self,
        notes: str,
        *,
        by: str,
        now: datetime,
        by_name: str | None = None,
        problem_id: str | None = None,
    ) -> Outcome:
        """Resolve with notes, from any open state (the graph says which); an incident only
        with its problem (`problem_id`), never alone while linked."""
        self._not_alone(S.RESOLVED, problem_id)
        after = self._resolved(notes, by=by, now=now, by_name=by_name)
        return Outcome(after, (self._resolved_event(after, notes, by, by_name, problem_id),))

    def _resolved_event(
        self,
        after: TicketState,
        notes: str,
        by: str,
        by_name: str | None,
        problem_id: str | None = None,
    ) -> Emitted:
        ticket = self.state
        payload = t.TicketResolved(
            ticket_id=ticket.ticket_id,
            resolved_by=by,
            resolved_by_name=by_name,
            resolution_notes=notes,
            customer_id=ticket.customer_id,
            assigned_agent=after.assigned_agent,
            version=ticket.version + 1,
            problem_id=problem_id,
            is_problem=ticket.is_problem,
        )
        return t.TICKET_RESOLVED, payload

    def _not_alone(self, target: TicketStatus, problem_id: str | None) -> None:
        """An incident is resolved or closed with its problem, or unlinked first."""
        linked = self.state.problem_id
        if linked is not None and linked != problem_id and target in FEEDBACK_STATUSES:
            raise Conflict(
                f"Ticket {self.state.ticket_id} is an incident of {linked}: it is resolved "
                "with its problem; unlink it first to resolve or close it alone",
                context={"problemId": linked},
                reason="incident_linked",
            )

    # --- people -------------------------------------------------------------------------------

    def _taken_up(self, action: str, *, by: str | None, reason: str, now: datetime) -> TicketState:
        """A ticket someone takes up (assigned, escalated): never a closed one; a new one
        opens."""
        if self.state.status is S.CLOSED:
            raise Conflict(
                f"Ticket {self.state.ticket_id} is closed and can't be {action}",
                context={"status": self.state.status.value},
            )
        if self.state.status is S.NEW:
            return self._moved(S.OPEN, by=by, reason=reason, now=now)
        return self.state

    def assign(
        self, agent_id: str, *, by: str | None, now: datetime, agent_name: str | None = None
    ) -> Outcome:
        """Assign to `agent_id` (named `agent_name`); a new ticket moves to open (in history)."""
        ticket = self.state
        reason = "Assigned to agent"
        taken = self._taken_up("assigned", by=by or agent_id, reason=reason, now=now)
        after = taken.model_copy(
            update={
                "assigned_agent": agent_id,
                "assigned_agent_name": agent_name,
                "assigned_at": now,
                "updated_at": now,
            }
        )
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
            events.append(_status_moved(ticket, after, by=by, reason=reason))
        return Outcome(after, tuple(events))

    def escalate(
        self,
        to_agent: str,
        reason: str,
        *,
        by: str,
        now: datetime,
        to_agent_name: str | None = None,
    ) -> Outcome:
        """Flag as escalated to `to_agent` (who becomes the assignee); a new ticket opens."""
        ticket = self.state
        taken = self._taken_up("escalated", by=by, reason="Escalated", now=now)
        after = taken.model_copy(
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

    # --- notes, feedback, general fields ------------------------------------------------------

    def add_note(
        self,
        content: str,
        *,
        by: str,
        is_internal: bool,
        note_id: str,
        now: datetime,
        by_name: str | None = None,
        send_to_customer: bool = False,
        by_customer: bool = False,
    ) -> Outcome:
        """Append a note (internal unless said otherwise); a full ticket takes no more. A note
        sent to the customer is a public one on a ticket with a conversation to send it in;
        the customer's own notes are public."""
        ticket = self.state
        if send_to_customer and is_internal:
            raise ValidationFailed.on(
                "sendToCustomer", "an internal note is never sent to the customer"
            )
        if send_to_customer and ticket.conversation_id is None:
            raise ValidationFailed.on(
                "sendToCustomer",
                f"ticket {ticket.ticket_id} has no conversation to send the note in",
            )
        if by_customer and is_internal:
            raise ValidationFailed.on("isInternal", "a customer's note is a public one")
        if len(ticket.notes) >= MAX_NOTES_PER_TICKET:
            raise Conflict(
                f"Ticket {ticket.ticket_id} already has {MAX_NOTES_PER_TICKET} notes, the most "
                "one ticket holds; open a new ticket to go on",
                context={"limit": MAX_NOTES_PER_TICKET},
            )
        note = t.Note(
            id=note_id,
            agent_id=by,
            agent_name=by_name,
            content=content,
            is_internal=is_internal,
            by_customer=by_customer,
            timestamp=now,
        )
        after = ticket.model_copy(update={"notes": [*ticket.notes, note], "updated_at": now})
        payload = t.TicketNoteAdded(
            ticket_id=ticket.ticket_id,
            note=note,
            agent_id=by,
            customer_id=ticket.customer_id,
            assigned_agent=after.assigned_agent,
            version=ticket.version + 1,
        )
        return Outcome(after, ((t.TICKET_NOTE_ADDED, payload),), note=note)

    def add_attachment(self, attachment: t.Attachment, *, by: str, now: datetime) -> Outcome:
        """Add an uploaded file; a ticket holding the most attachments takes no more."""
        ticket = self.state
        if len(ticket.attachments) >= MAX_ATTACHMENTS:
            raise Conflict(
                f"Ticket {ticket.ticket_id} already has {MAX_ATTACHMENTS} attachments, the most "
                "one ticket holds",
                context={"limit": MAX_ATTACHMENTS},
            )
        attachments = [*ticket.attachments, attachment]
        after = ticket.model_copy(update={"attachments": attachments, "updated_at": now})
        payload = t.TicketUpdated(
            ticket_id=ticket.ticket_id,
            customer_id=ticket.customer_id,
            updated_by=by,
            updates={"attachments": [a.model_dump(mode="json") for a in attachments]},
            assigned_agent=after.assigned_agent,
            version=ticket.version + 1,
        )
        return Outcome(after, ((t.TICKET_UPDATED, payload),))

    def record_feedback(
        self,
        rating: int,
        comment: str | None,
        *,
        by: str | None,
        now: datetime,
        first_only: bool = False,
    ) -> Outcome:
        """The customer's rating; only once the ticket is resolved or closed. `first_only`
        (the customer's own answer): refused when the ticket is rated already."""
        ticket = self.state
        if first_only and ticket.customer_feedback is not None:
            raise Conflict(
                f"{ticket.ticket_id} was already rated",
                context={"rating": ticket.customer_feedback.rating},
                reason="already_rated",
            )
        if ticket.status not in FEEDBACK_STATUSES:
            raise Conflict(
                f"Feedback can only be given on a resolved or closed ticket "
                f"({ticket.ticket_id} is {ticket.status.value})",
                context={
                    "status": ticket.status.value,
                    "allowed": [s.value for s in FEEDBACK_STATUSES],
                },
            )
        feedback = t.CustomerFeedback(rating=rating, comment=comment, submitted_at=now)
        after = ticket.model_copy(update={"customer_feedback": feedback, "updated_at": now})
        payload = t.TicketUpdated(
            ticket_id=ticket.ticket_id,
            customer_id=ticket.customer_id,
            updated_by=by,
            updates={"customerFeedback": feedback.model_dump(mode="json")},
            assigned_agent=after.assigned_agent,
            version=ticket.version + 1,
        )
        return Outcome(after, ((t.TICKET_UPDATED, payload),))

    def update(self, changes: t.TicketChanges, *, by: str | None, now: datetime) -> Outcome:
        """General fields: only those set in `changes` and actually different; no event (and
        no write) when nothing differs (a new priority's SLA targets are `clocked`'s)."""
        ticket = self.state
        update: dict[str, object] = {}
        for name in changes.model_fields_set:
            new_value = getattr(changes, name)
            if new_value != getattr(ticket, name):
                update[name] = new_value
        if not update:
            return Outcome(ticket)
        update["updated_at"] = now
        after = ticket.model_copy(update=update)
        updates = changes.model_dump(
            mode="json", by_alias=True, include=set(update) - {"sla", "updated_at"}
        )
        payload = t.TicketUpdated(
            ticket_id=ticket.ticket_id,
            customer_id=ticket.customer_id,
            updated_by=by,
            updates=updates,
            assigned_agent=after.assigned_agent,
            version=ticket.version + 1,
        )
        return Outcome(after, ((t.TICKET_UPDATED, payload),))

    def retag(self, add: list[str], remove: list[str], *, by: str, now: datetime) -> Outcome:
        """Tags added (at the end, once each) and removed; nothing when they are as asked."""
        removed = set(remove)
        tags = [tag for tag in dict.fromkeys([*self.state.tags, *add]) if tag not in removed]
        if len(tags) > MAX_TAGS:
            raise ValidationFailed.on("tags", f"a ticket holds at most {MAX_TAGS} tags")
        return self.update(t.TicketChanges(tags=tags), by=by, now=now)

    def recategorize(self, source: str, target: str, *, by: str, now: datetime) -> Outcome:
        """From `source` to `target`, only while the ticket is still in `source`."""
        if self.state.category != source:
            return Outcome(self.state)
        return self.update(t.TicketChanges(category=target), by=by, now=now)

    # --- merges, links, problems and incidents -------------------------------------------------

    def merge(
        self, into: TicketState, *, by: str, now: datetime, by_name: str | None = None
    ) -> Outcome:
        """Closed with reason `merged` into `into` (an open ticket, not this one, not merged
        itself); a problem with incidents or a linked incident is moved first, not merged.
        `ticket.merged` carries what the survivor's follow-up write takes."""
        ticket = self.state
        if into.ticket_id == ticket.ticket_id:
            raise ValidationFailed.on("into", "a ticket can't be merged into itself")
        if into.status not in OPEN_STATES or into.merged_into is not None:
            raise Conflict(
                f"Ticket {into.ticket_id} is {into.status.value}: merge into an open ticket",
                context={"into": into.ticket_id, "status": into.status.value},
                reason="merge_target_closed",
            )
        if ticket.incident_count or ticket.problem_id is not None:
            raise Conflict(
                f"Ticket {ticket.ticket_id} is a problem or an incident: unlink its incidents "
                "(or it) first",
                context={"problemId": ticket.problem_id, "incidentCount": ticket.incident_count},
                reason="merge_linked",
            )
        moved = self._moved(S.CLOSED, by=by, reason=MERGED, now=now, by_name=by_name)
        after = moved.model_copy(update={"merged_into": into.ticket_id})
        merged = t.TicketMerged(
            ticket_id=ticket.ticket_id,
            into=into.ticket_id,
            customer_id=ticket.customer_id,
            conversation_id=ticket.conversation_id,
            merged_by=by,
            assigned_agent=after.assigned_agent,
            version=ticket.version + 1,
        )
        events = (_status_moved(ticket, after, by=by, reason=MERGED), (t.TICKET_MERGED, merged))
        return Outcome(after, events)

    def absorb(
        self,
        merged: t.MergedTicket,
        notes: list[t.Note],
        attachments: list[t.Attachment],
        *,
        by: str,
        now: datetime,
    ) -> Outcome:
        """The survivor's side of a merge: the merged ticket's notes and attachments (those it
        has not got yet, as far as there is room), its customer and conversation. Nothing new
        (a second delivery of the follow-up): no write."""
        ticket = self.state
        if any(m.ticket_id == merged.ticket_id for m in ticket.merged_from):
            return Outcome(ticket)
        have_notes = {n.id for n in ticket.notes}
        room = max(0, MAX_NOTES_PER_TICKET - len(ticket.notes))
        new_notes = [n for n in notes if n.id not in have_notes][:room]
        have_files = {a.url for a in ticket.attachments}
        room = max(0, MAX_ATTACHMENTS - len(ticket.attachments))
        new_files = [a for a in attachments if a.url not in have_files][:room]
        update: dict[str, object] = {
            "notes": sorted([*ticket.notes, *new_notes], key=lambda n: n.timestamp),
            "attachments": [*ticket.attachments, *new_files],
            "merged_from": [*ticket.merged_from, merged],
            "links": _without(ticket.links, merged.ticket_id),
            "updated_at": now,
        }
        if ticket.conversation_id is None and merged.customer_id == ticket.customer_id:
            update["conversation_id"] = merged.conversation_id
        after = ticket.model_copy(update=update)
        payload = t.TicketUpdated(
            ticket_id=ticket.ticket_id,
            customer_id=ticket.customer_id,
            updated_by=by,
            updates={
                "mergedFrom": [m.model_dump(mode="json", by_alias=True) for m in after.merged_from],
                "attachments": [a.model_dump(mode="json") for a in after.attachments],
                "conversationId": after.conversation_id,
            },
            assigned_agent=after.assigned_agent,
            version=ticket.version + 1,
        )
        return Outcome(after, ((t.TICKET_UPDATED, payload),))

    def link(
        self, other: TicketState, kind: t.LinkKind, *, by: str | None, now: datetime
    ) -> Outcome:
        """Link to `other` (shown on both: its side is the follow-up's `mirror_link`); as
        `incident_of`, become an incident of the problem `other`. Linked already: no write."""
        ticket = self.state
        if other.ticket_id == ticket.ticket_id:
            raise ValidationFailed.on("otherTicketId", "a ticket can't be linked to itself")
        if other.merged_into is not None:
            raise Conflict(
                f"Ticket {other.ticket_id} was merged into {other.merged_into}",
                context={"mergedInto": other.merged_into},
                reason="merged",
            )
        if kind == "incident_of":
            return self._become_incident(other, by=by, now=now)
        link_type = t.LinkType(kind)
        if any(x.ticket_id == other.ticket_id and x.type is link_type for x in ticket.links):
            return Outcome(ticket)
        if len(ticket.links) >= t.MAX_LINKS_PER_TICKET:
            raise Conflict(
                f"Ticket {ticket.ticket_id} already has {t.MAX_LINKS_PER_TICKET} links",
                context={"limit": t.MAX_LINKS_PER_TICKET},
            )
        links = [
            *_without(ticket.links, other.ticket_id),
            t.TicketLink(ticket_id=other.ticket_id, type=link_type),
        ]
        after = ticket.model_copy(update={"links": links, "updated_at": now})
        return Outcome(after, (self._linked(after, other.ticket_id, link_type, by=by),))

    def _become_incident(self, problem: TicketState, *, by: str | None, now: datetime) -> Outcome:
        ticket = self.state
        if ticket.problem_id == problem.ticket_id:
            return Outcome(ticket)
        if ticket.problem_id is not None:
            raise Conflict(
                f"Ticket {ticket.ticket_id} is already an incident of {ticket.problem_id}",
                context={"problemId": ticket.problem_id},
                reason="incident_linked",
            )
        if ticket.is_problem or problem.problem_id is not None:
            raise Conflict(
                f"Ticket {problem.ticket_id} is an incident itself, or {ticket.ticket_id} is a "
                "problem: a problem's incidents are never problems",
                context={"problemId": problem.ticket_id},
                reason="incident_nested",
            )
        for checked in (ticket, problem):
            if checked.status not in OPEN_STATES:
                raise Conflict(
                    f"Ticket {checked.ticket_id} is {checked.status.value}: only open tickets "
                    "are linked as problem and incident",
                    context={"ticketId": checked.ticket_id, "status": checked.status.value},
                    reason="link_closed",
                )
        after = ticket.model_copy(update={"problem_id": problem.ticket_id, "updated_at": now})
        return Outcome(
            after, (self._linked(after, problem.ticket_id, t.LinkType.INCIDENT_OF, by=by),)
        )

    def unlink(self, other_id: str, *, by: str | None, now: datetime) -> Outcome:
        """Remove the link to `other_id`, or leave the problem `other_id`; none: no write."""
        ticket = self.state
        if ticket.problem_id == other_id:
            after = ticket.model_copy(update={"problem_id": None, "updated_at": now})
            kind = t.LinkType.INCIDENT_OF
        else:
            found = next((x for x in ticket.links if x.ticket_id == other_id), None)
            if found is None:
                return Outcome(ticket)
            after = ticket.model_copy(
                update={"links": _without(ticket.links, other_id), "updated_at": now}
            )
            kind = found.type
        return Outcome(after, (self._linked(after, other_id, kind, by=by, removed=True),))

    def mirror_link(
        self,
        other_id: str,
        kind: t.LinkType,
        *,
        removed: bool,
        incident_count: int | None,
        now: datetime,
    ) -> Outcome:
        """The other side of a link: the inverse link shown, or (a problem) its incident count
        as counted after the incident's write. Already so: no write."""
        ticket = self.state
        if kind is t.LinkType.INCIDENT_OF:
            count = incident_count if incident_count is not None else ticket.incident_count
            is_problem = ticket.is_problem or count > 0
            if count == ticket.incident_count and is_problem == ticket.is_problem:
                return Outcome(ticket)
            update: dict[str, object] = {"incident_count": count, "is_problem": is_problem}
            updates: dict[str, object] = {"incidentCount": count, "isProblem": is_problem}
        else:
            inverse = t.INVERSE_LINK[kind]
            present = any(x.ticket_id == other_id and x.type is inverse for x in ticket.links)
            if present != removed:
                return Outcome(ticket)
            links = _without(ticket.links, other_id)
            if not removed:
                links.append(t.TicketLink(ticket_id=other_id, type=inverse))
            update = {"links": links[-t.MAX_LINKS_PER_TICKET :]}
            updates = {"links": [x.model_dump(mode="json", by_alias=True) for x in links]}
        after = ticket.model_copy(update={**update, "updated_at": now})
        payload = t.TicketUpdated(
            ticket_id=ticket.ticket_id,
            customer_id=ticket.customer_id,
            updates=updates,
            assigned_agent=after.assigned_agent,
            version=ticket.version + 1,
        )
        return Outcome(after, ((t.TICKET_UPDATED, payload),))

    def _linked(
        self,
        after: TicketState,
        other_id: str,
        kind: t.LinkType,
        *,
        by: str | None,
        removed: bool = False,
    ) -> Emitted:
        payload = t.TicketLinked(
            ticket_id=after.ticket_id,
            other_ticket_id=other_id,
            type=kind,
            removed=removed,
            by=by,
            customer_id=after.customer_id,
            assigned_agent=after.assigned_agent,
            version=self.state.version + 1,
        )
        return t.TICKET_LINKED, payload

    # --- the SLA clock ------------------------------------------------------------------------

    def clocked(
        self, outcome: Outcome, policy: sla.Policy, now: datetime, *, note_id: str
    ) -> Outcome:
        """`outcome` (decided on this state; `Outcome(state)` for the monitor) with the SLA
        clock brought to `now`: its warnings and breaches, and the breach actions, as events.
        A change with no events of its own and no alarm stays a no-op (nothing is written)."""
        before = self.state
        after, alarms = sla.follow(before, outcome.ticket, policy, now)
        if not outcome.events and not alarms:
            overdue = before.sla.next_check_at is not None and before.sla.next_check_at <= now
            if overdue and after.sla.next_check_at != before.sla.next_check_at:
                return Outcome(after, rescheduled=True)  # e.g. the policy moved it later
            return outcome
        events = list(outcome.events)
        version = before.version + 1
        if alarms:  # the SLA state changed: a change syncing systems must see
            after = after.model_copy(update={"updated_at": now})
        acted = False
        for alarm in alarms:
            events.append(_alarm_event(after, alarm, version))
            if alarm.breached and not acted:
                after, actions = Ticket(after)._on_breach(alarm, policy, now, note_id)
                events.extend(actions)
                acted = bool(actions)
        if acted:  # a raised priority brings nearer targets: schedule them, raise what they reach
            after, more = sla.follow(after, after, policy, now)
            events.extend(_alarm_event(after, alarm, version) for alarm in more)
        return Outcome(after, tuple(events), outcome.note)

    def _on_breach(
        self, alarm: sla.Alarm, policy: sla.Policy, now: datetime, note_id: str
    ) -> tuple[TicketState, list[Emitted]]:
        """The policy's breach actions: escalate, raise the priority; recorded as an internal
        note by `sla` (the ticket's timeline) and announced with their usual events."""
        ticket = self.state
        actions = policy.on_breach
        events: list[Emitted] = []
        done: list[str] = []
        version = ticket.version + 1
        to_agent = actions.to_agent_id or ticket.assigned_agent
        if actions.escalate and to_agent is not None and not ticket.is_escalated:
            reason = f"SLA breached ({CLOCK_WORDS[alarm.clock]})"
            name = ticket.assigned_agent_name if to_agent == ticket.assigned_agent else None
            escalated = Ticket(ticket).escalate(
                to_agent, reason, by=SLA_AGENT, now=now, to_agent_name=name
            )
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
            noted = Ticket(ticket).add_note(
                words, by=SLA_AGENT, is_internal=True, note_id=note_id, now=now
            )
            ticket = noted.ticket
        return ticket, events
