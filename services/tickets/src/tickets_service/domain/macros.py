"""Macros on the aggregate: a macro's actions applied to one ticket as one `Outcome`.

`apply_macro` chains the aggregate's own rules (assign, change_status, update, add_note) on the
state as it goes, collecting each one's events: every change is announced and recorded as it
would be on its own, and they all carry the version the one write gives the ticket. A rule that
refuses (an illegal transition) raises before anything is written, so a macro applies whole or
not at all. Bulk actions call it per ticket through the same command (`tickets.apply_macro`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tickets_service.domain.ticket import Emitted, Outcome, Ticket, TicketState
from uts_shared.contracts import tickets as t
from uts_shared.contracts.config import Terminology
from uts_shared.contracts.replies import ME, REPLY_VARIABLES, Macro, MacroActions
from uts_shared.errors import FieldError, ValidationFailed


def variables(
    ticket: TicketState, terminology: Terminology, agent_name: str | None
) -> dict[str, str]:
    """What `{name}` stands for on `ticket`, written by `agent_name`."""
    customer = ticket.customer
    return {
        "customerName": (customer.name if customer and customer.name else "") or "",
        "ticketId": ticket.ticket_id,
        "subject": ticket.subject,
        "ticketSingular": terminology.ticket_singular,
        "ticketPlural": terminology.ticket_plural,
        "customerNoun": terminology.customer_noun,
        "agentNoun": terminology.agent_noun,
        "agentName": agent_name or "",
    }


def render(template: str, values: dict[str, str]) -> str:
    """`template` with each known `{variable}` replaced; anything else left as written."""
    text = template
    for name in REPLY_VARIABLES:
        text = text.replace("{" + name + "}", values.get(name, ""))
    return text.strip() or template


@dataclass(frozen=True)
class MacroRun:
    """Who applies a macro and the ids its notes get (the same on every retry of a request)."""

    by: str
    by_name: str | None
    now: datetime
    note_id: str
    reply_id: str
    terminology: Terminology


def _assignee(macro: Macro, run: MacroRun) -> tuple[str, str | None] | None:
    assignee = macro.actions.assignee
    if assignee is None:
        return None
    if assignee == ME:
        return run.by, run.by_name
    return assignee, macro.assignee_name


def apply_macro(ticket: Ticket, macro: Macro, run: MacroRun) -> Outcome:
    """`macro`'s actions on `ticket`, in order (assignee, status, priority, tags, note,
    reply), each only where it changes something; the reply's note is the outcome's `note`."""
    actions: MacroActions = macro.actions
    if actions.reply is not None and ticket.state.conversation_id is None:
        raise ValidationFailed(
            f"actions.reply: {ticket.state.ticket_id} has no conversation to send the reply in",
            details=[FieldError(field="actions.reply", reason="the ticket has no conversation")],
            context={"ticketId": ticket.state.ticket_id},
            reason="macro_reply_without_conversation",
        )
    values = variables(ticket.state, run.terminology, run.by_name)
    state = ticket.state
    events: list[Emitted] = []
    reply: t.Note | None = None

    def step(outcome: Outcome) -> None:
        nonlocal state
        state = outcome.ticket
        events.extend(outcome.events)

    assignee = _assignee(macro, run)
    if assignee is not None and assignee[0] != state.assigned_agent:
        step(Ticket(state).assign(assignee[0], by=run.by, now=run.now, agent_name=assignee[1]))
    if actions.status is not None and actions.status != state.status:
        reason = render(actions.status_reason, values) if actions.status_reason else macro.title
        step(
            Ticket(state).change_status(
                actions.status, by=run.by, reason=reason, now=run.now, by_name=run.by_name
            )
        )
    if actions.priority is not None:
        step(
            Ticket(state).update(t.TicketChanges(priority=actions.priority), by=run.by, now=run.now)
        )
    if actions.add_tags or actions.remove_tags:
        removed = set(actions.remove_tags)
        tags = [tag for tag in state.tags if tag not in removed]
        tags = list(
            dict.fromkeys([*tags, *(tag for tag in actions.add_tags if tag not in removed)])
        )
        step(Ticket(state).update(t.TicketChanges(tags=tags), by=run.by, now=run.now))
    if actions.note is not None:
        step(
            Ticket(state).add_note(
                render(actions.note, values),
                by=run.by,
                is_internal=True,
                note_id=run.note_id,
                now=run.now,
                by_name=run.by_name,
            )
        )
    if actions.reply is not None:
        sent = Ticket(state).add_note(
            render(actions.reply, values),
            by=run.by,
            is_internal=False,
            note_id=run.reply_id,
            now=run.now,
            by_name=run.by_name,
            send_to_customer=True,
        )
        step(sent)
        reply = sent.note
    return Outcome(state, tuple(events), note=reply)


def changes_of(events: tuple[Emitted, ...]) -> list[t.MacroChange]:
    """What a macro's events changed, each named once, in the macro's order."""
    made: set[str] = set()
    for _kind, payload in events:
        if isinstance(payload, t.TicketAssigned):
            made.add("assignee")
        elif isinstance(payload, t.TicketNoteAdded):
            made.add("note" if payload.note.is_internal else "reply")
        elif isinstance(payload, t.TicketUpdated):
            if payload.new_status is not None:
                made.add("status")
            made.update(k for k in ("priority", "tags") if k in (payload.updates or {}))
        elif isinstance(payload, t.TicketResolved):
            made.add("status")
    order: tuple[t.MacroChange, ...] = ("assignee", "status", "priority", "tags", "note", "reply")
    return [change for change in order if change in made]
