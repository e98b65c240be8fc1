"""Ticket lifecycle rules: transition graph, history, assignment, escalation, notes, feedback."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.factories import agent_ticket_request
from tickets_service.domain import sla
from tickets_service.domain.ticket import (
    CLOSE_REASONS,
    TRANSITIONS,
    InvalidTransition,
    Outcome,
    Ticket,
    TicketState,
)
from tickets_service.domain.views import agent_view, customer_view, event_view
from tickets_service.store import AGENT_NAMES, ticket_document
from uts_shared.contracts.base import (
    MAX_ATTACHMENTS,
    MAX_NOTES_PER_TICKET,
    MAX_STATUS_CHANGES_PER_TICKET,
    MAX_TAGS,
)
from uts_shared.contracts.sla import SlaPolicy
from uts_shared.contracts.tickets import (
    Attachment,
    CustomerTicketView,
    Note,
    Priority,
    StatusChange,
    TicketAssigned,
    TicketChanges,
    TicketCreated,
    TicketNoteAdded,
    TicketSource,
    TicketStatus,
    TicketUpdated,
    TicketView,
)
from uts_shared.errors import Conflict, ErrorCode, ValidationFailed

S = TicketStatus
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POLICY = sla.Policy.of(SlaPolicy())

PLAN = {
    (S.NEW, S.OPEN),
    (S.OPEN, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.PENDING_CUSTOMER),
    (S.PENDING_CUSTOMER, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.WAITING_INTERNAL),
    (S.WAITING_INTERNAL, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.RESOLVED),
    (S.RESOLVED, S.CLOSED),
    (S.RESOLVED, S.OPEN),
}
OPEN_STATES = (S.NEW, S.OPEN, S.IN_PROGRESS, S.PENDING_CUSTOMER, S.WAITING_INTERNAL)
LEGAL = PLAN | {(s, S.RESOLVED) for s in OPEN_STATES} | {(s, S.CLOSED) for s in OPEN_STATES}


def make(status: S = S.NEW, priority: Priority = Priority.MEDIUM) -> TicketState:
    ticket = Ticket.new(
        agent_ticket_request("c1", agent="a1", priority=priority),
        ticket_id="LUX-2026-000001",
        status=S.NEW,
        source=TicketSource.AGENT,
        sla=sla.start(priority, POLICY, T0),
        assigned_agent=None,
        now=T0,
    ).state
    return ticket.model_copy(update={"status": status})


def noted(outcome: Outcome) -> tuple[TicketState, Note]:
    """The ticket after a note and the note."""
    assert outcome.note is not None
    return outcome.ticket, outcome.note


def changed_fields(outcome: Outcome) -> tuple[TicketState, dict[str, object]]:
    """The ticket after a general update and the fields its event names (none: no event)."""
    if not outcome.events:
        return outcome.ticket, {}
    [(_, payload)] = outcome.events
    assert isinstance(payload, TicketUpdated) and payload.updates is not None
    return outcome.ticket, dict(payload.updates)


def test_transition_graph_is_the_plans_plus_resolve_and_close_from_any_open_state() -> None:
    graph = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert graph == LEGAL
    assert TRANSITIONS[S.CLOSED] == ()  # closed is final; only resolved reopens


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_every_legal_transition_is_accepted_and_recorded(current: S, target: S) -> None:
    after = Ticket(make(current)).transition(target, by="a1", reason="why", now=T0).ticket
    assert after.status is target
    assert after.status_history[-1].from_ is current
    assert after.status_history[-1].to is target
    assert after.status_history[-1].changed_by == "a1"
    assert after.status_history[-1].reason == "why"


ILLEGAL = sorted(set(itertools.product(S, S)) - LEGAL)


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_illegal_transition_is_a_conflict_naming_allowed_states(current: S, target: S) -> None:
    ticket = make(current)
    with pytest.raises(InvalidTransition) as caught:
        Ticket(ticket).transition(target, by="a1", reason=None, now=T0)
    err = caught.value
    assert isinstance(err, Conflict)
    assert err.code is ErrorCode.CONFLICT
    allowed = [s.value for s in TRANSITIONS[current]]
    assert err.context["allowed"] == allowed
    for state in allowed:
        assert state in err.message
    if not allowed:
        assert "none" in err.message


def test_history_from_is_the_real_previous_status_after_several_changes() -> None:
    ticket = make(S.NEW)
    path = [S.OPEN, S.IN_PROGRESS, S.PENDING_CUSTOMER, S.IN_PROGRESS, S.WAITING_INTERNAL]
    path += [S.IN_PROGRESS, S.RESOLVED, S.OPEN, S.IN_PROGRESS, S.RESOLVED, S.CLOSED]
    for i, target in enumerate(path):
        ticket = (
            Ticket(ticket)
            .transition(target, by="a1", reason=None, now=T0 + timedelta(minutes=i))
            .ticket
        )
    pairs = [(h.from_, h.to) for h in ticket.status_history]
    assert pairs == list(itertools.pairwise([S.NEW, *path]))


def test_resolved_stamps_resolution_and_closed_stamps_closed_at() -> None:
    ticket = make(S.IN_PROGRESS, Priority.HIGH)
    resolved_at = T0 + timedelta(hours=25)
    ticket = Ticket(ticket).resolve("Cambio de foco", by="a2", now=resolved_at).ticket
    assert ticket.resolved_at == resolved_at
    assert ticket.resolved_by == "a2"
    assert ticket.resolution_notes == "Cambio de foco"
    closed_at = resolved_at + timedelta(hours=1)
    ticket = Ticket(ticket).transition(S.CLOSED, by="a2", reason=None, now=closed_at).ticket
    assert ticket.closed_at == closed_at


def test_reopening_clears_the_previous_resolution_stamps() -> None:
    ticket = Ticket(make(S.IN_PROGRESS)).resolve("x", by="a", now=T0).ticket
    reopened = Ticket(ticket).transition(S.OPEN, by="a", reason="volvió a fallar", now=T0).ticket
    assert reopened.resolved_at is None
    assert reopened.resolved_by is None
    assert reopened.status_history[-1].from_ is S.RESOLVED


def test_assign_moves_a_new_ticket_to_open_in_history() -> None:
    ticket = Ticket(make(S.NEW)).assign("a7", by="lead", now=T0).ticket
    assert ticket.assigned_agent == "a7"
    assert ticket.assigned_at == T0
    assert ticket.status is S.OPEN
    entry = ticket.status_history[-1]
    assert (entry.from_, entry.to, entry.changed_by) == (S.NEW, S.OPEN, "lead")


def test_assign_keeps_status_when_not_new() -> None:
    ticket = Ticket(make(S.IN_PROGRESS)).assign("a7", by="lead", now=T0).ticket
    assert ticket.status is S.IN_PROGRESS
    assert ticket.status_history == []


def test_closed_tickets_cannot_be_assigned_or_escalated() -> None:
    with pytest.raises(Conflict):
        Ticket(make(S.CLOSED)).assign("a7", by="lead", now=T0)
    with pytest.raises(Conflict):
        Ticket(make(S.CLOSED)).escalate("a7", "urgent", by="lead", now=T0)


def test_escalate_flags_and_reassigns() -> None:
    ticket = Ticket(make(S.IN_PROGRESS)).escalate("boss", "cliente VIP", by="a1", now=T0).ticket
    assert ticket.is_escalated
    assert (ticket.escalated_to, ticket.escalation_reason) == ("boss", "cliente VIP")
    assert ticket.escalated_at == T0
    assert ticket.assigned_agent == "boss"


@pytest.mark.parametrize("status", OPEN_STATES)
def test_resolve_from_any_open_state_records_the_notes(status: S) -> None:
    ticket = Ticket(make(status)).resolve("Foco cambiado", by="a2", now=T0).ticket
    assert (ticket.status, ticket.resolution_notes, ticket.resolved_by) == (
        S.RESOLVED,
        "Foco cambiado",
        "a2",
    )


def test_resolve_follows_the_graph() -> None:
    for status in (S.RESOLVED, S.CLOSED):
        with pytest.raises(InvalidTransition):
            Ticket(make(status)).resolve("x", by="a", now=T0)


def test_a_move_to_resolved_by_name_takes_its_reason_as_the_resolution_notes() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Ticket(make(S.OPEN)).change_status(S.RESOLVED, by="a1", reason="  ", now=T0)
    assert [d.field for d in caught.value.details] == ["reason"]
    ticket = Ticket(make(S.OPEN)).change_status(S.RESOLVED, by="a1", reason="listo", now=T0).ticket
    assert (ticket.resolution_notes, ticket.status_history[-1].reason) == ("listo", "listo")
    with pytest.raises(InvalidTransition):  # the graph first: closed stays closed
        Ticket(make(S.CLOSED)).change_status(S.RESOLVED, by="a1", reason="x", now=T0)


@pytest.mark.parametrize("status", OPEN_STATES)
def test_closing_an_unresolved_ticket_needs_a_reason_and_keeps_it(status: S) -> None:
    for missing in (None, "", "   "):
        with pytest.raises(ValidationFailed) as caught:
            Ticket(make(status)).transition(S.CLOSED, by="a1", reason=missing, now=T0)
        assert [d.field for d in caught.value.details] == ["reason"]
        assert "duplicate, spam, no_response" in caught.value.message
    for reason in (*CLOSE_REASONS, "el cliente lo resolvió solo"):
        closed = Ticket(make(status)).transition(S.CLOSED, by="a1", reason=reason, now=T0).ticket
        assert (closed.status, closed.close_reason, closed.closed_at) == (S.CLOSED, reason, T0)
        assert agent_view(closed).allowed_next_statuses == []


def test_closing_a_resolved_ticket_needs_no_reason() -> None:
    closed = Ticket(make(S.RESOLVED)).transition(S.CLOSED, by="a1", reason=None, now=T0).ticket
    assert (closed.status, closed.close_reason) == (S.CLOSED, None)


def test_views_carry_the_statuses_they_may_move_to() -> None:
    ticket = make(S.NEW)
    assert agent_view(ticket).allowed_next_statuses == [S.OPEN, S.RESOLVED, S.CLOSED]
    moved = Ticket(ticket).transition(S.OPEN, by="a1", reason=None, now=T0).ticket
    assert agent_view(moved).allowed_next_statuses == list(TRANSITIONS[S.OPEN])
    assigned = Ticket(make(S.NEW)).assign("a7", by="lead", now=T0).ticket
    assert agent_view(assigned).allowed_next_statuses == list(TRANSITIONS[S.OPEN])


def test_notes_are_internal_by_default_and_hidden_from_customers() -> None:
    ticket, internal = noted(
        Ticket(make()).add_note("secreto", by="a1", is_internal=True, note_id="n1", now=T0)
    )
    ticket, public = noted(
        Ticket(ticket).add_note("Vamos en camino", by="a1", is_internal=False, note_id="n2", now=T0)
    )
    assert [n.id for n in ticket.notes] == ["n1", "n2"]
    view = customer_view(ticket)
    assert [n.content for n in view.notes] == ["Vamos en camino"]
    assert "secreto" not in view.model_dump_json()
    assert internal.is_internal and not public.is_internal


def test_a_ticket_with_the_most_notes_takes_no_more() -> None:
    note = Note(id="n", agent_id="a", content="x", is_internal=True, timestamp=T0)
    full = make().model_copy(update={"notes": [note] * MAX_NOTES_PER_TICKET})
    with pytest.raises(Conflict, match=f"already has {MAX_NOTES_PER_TICKET} notes") as caught:
        Ticket(full).add_note("one more", by="a1", is_internal=True, note_id="n2", now=T0)
    assert caught.value.http_status == 409
    almost = make().model_copy(update={"notes": [note] * (MAX_NOTES_PER_TICKET - 1)})
    ticket, _ = noted(
        Ticket(almost).add_note("last", by="a1", is_internal=True, note_id="n3", now=T0)
    )
    assert len(ticket.notes) == MAX_NOTES_PER_TICKET


def test_only_a_public_note_on_a_ticket_with_a_conversation_goes_to_the_customer() -> None:
    with pytest.raises(ValidationFailed) as internal:
        Ticket(make().model_copy(update={"conversation_id": "c1"})).add_note(
            "x", by="a1", is_internal=True, note_id="n1", now=T0, send_to_customer=True
        )
    assert internal.value.details[0].field == "sendToCustomer"
    with pytest.raises(ValidationFailed, match="no conversation"):
        Ticket(make()).add_note(
            "x", by="a1", is_internal=False, note_id="n1", now=T0, send_to_customer=True
        )
    with pytest.raises(ValidationFailed) as customers:
        Ticket(make()).add_note(
            "x", by="cust-1", is_internal=True, note_id="n1", now=T0, by_customer=True
        )
    assert customers.value.details[0].field == "isInternal"
    ticket, note = noted(
        Ticket(make()).add_note(
            "más datos", by="cust-1", is_internal=False, note_id="n1", now=T0, by_customer=True
        )
    )
    assert note.by_customer and not note.is_internal
    assert [n.content for n in customer_view(ticket).notes] == ["más datos"]


def test_an_attachment_is_added_with_an_update_until_the_ticket_holds_the_most() -> None:
    attachment = Attachment(url="/api/v2/attachments/f1", type="image/png")
    outcome = Ticket(make()).add_attachment(attachment, by="a1", now=T0)
    assert outcome.ticket.attachments == [attachment]
    [(kind, payload)] = outcome.events
    assert kind.routing_key == "ticket.updated"
    assert payload.updates == {"attachments": [attachment.model_dump(mode="json")]}  # type: ignore[attr-defined]
    full = make().model_copy(update={"attachments": [attachment] * MAX_ATTACHMENTS})
    with pytest.raises(Conflict, match=f"already has {MAX_ATTACHMENTS} attachments"):
        Ticket(full).add_attachment(attachment, by="a1", now=T0)


def test_the_customer_view_tells_when_the_resolution_falls_due() -> None:
    ticket = make()
    assert customer_view(ticket).expected_resolution_at == ticket.sla.resolution_due_at
    assert ticket.sla.resolution_due_at is not None


def test_a_ticket_with_the_longest_history_takes_no_more_status_changes() -> None:
    change = StatusChange(from_=S.IN_PROGRESS, to=S.PENDING_CUSTOMER, timestamp=T0)
    history = [change] * MAX_STATUS_CHANGES_PER_TICKET
    full = make(S.PENDING_CUSTOMER).model_copy(update={"status_history": history})
    with pytest.raises(Conflict, match="status changes") as caught:
        Ticket(full).transition(S.IN_PROGRESS, by="a1", reason=None, now=T0)
    assert caught.value.http_status == 409
    with pytest.raises(Conflict):
        Ticket(full.model_copy(update={"status": S.NEW})).assign("a2", by="a1", now=T0)


def test_the_customer_view_carries_no_agent_id_and_no_agents_reason() -> None:
    """What a customer may read of a status change is when and to what; of a public note, its
    words, its time and its author's name."""
    ticket = Ticket(make(S.OPEN)).transition(
        S.IN_PROGRESS, by="agent-7f3a", reason="cliente molesto, revisar cobro", now=T0
    )
    noted_ticket, _ = noted(
        Ticket(ticket.ticket).add_note(
            "Vamos en camino",
            by="agent-7f3a",
            is_internal=False,
            note_id="n1",
            now=T0,
            by_name="Ana Ruiz",
        )
    )
    view = customer_view(noted_ticket)
    shown = view.model_dump_json()
    assert "agent-7f3a" not in shown and "molesto" not in shown
    assert [(c.from_, c.to) for c in view.status_history][-1] == (S.OPEN, S.IN_PROGRESS)
    [note] = view.notes
    assert (note.content, note.agent_name) == ("Vamos en camino", "Ana Ruiz")


def test_customer_view_model_drops_internal_notes_whatever_it_is_given() -> None:
    note = Note(id="n", agent_id="a", content="secreto", is_internal=True, timestamp=T0)
    data = customer_view(make()).model_dump()
    data["notes"] = [note.model_dump()]
    assert CustomerTicketView.model_validate(data).notes == []


def test_the_customers_own_rating_is_refused_once_the_ticket_is_rated() -> None:
    rated = Ticket(make(S.RESOLVED)).record_feedback(4, None, by="c1", now=T0).ticket
    with pytest.raises(Conflict) as refused:
        Ticket(rated).record_feedback(5, "otra", by="c1", now=T0, first_only=True)
    assert refused.value.reason == "already_rated"
    corrected = Ticket(rated).record_feedback(5, "corregida", by=None, now=T0).ticket
    assert corrected.customer_feedback is not None and corrected.customer_feedback.rating == 5


def test_feedback_only_on_resolved_or_closed() -> None:
    with pytest.raises(Conflict) as caught:
        Ticket(make(S.IN_PROGRESS)).record_feedback(5, "ok", by=None, now=T0)
    assert caught.value.context["allowed"] == ["resolved", "closed"]
    ticket = Ticket(make(S.RESOLVED)).record_feedback(4, "bien", by=None, now=T0).ticket
    assert ticket.customer_feedback is not None
    assert (ticket.customer_feedback.rating, ticket.customer_feedback.submitted_at) == (4, T0)


def test_general_update_applies_only_real_changes() -> None:
    ticket = make(S.OPEN)
    same, updates = changed_fields(
        Ticket(ticket).update(TicketChanges(subject=ticket.subject), by=None, now=T0)
    )
    assert same is ticket and updates == {}
    changed, updates = changed_fields(
        Ticket(ticket).update(
            TicketChanges(priority=Priority.URGENT, tags=["poste"]),
            by=None,
            now=T0 + timedelta(minutes=1),
        )
    )
    assert updates == {"priority": "urgent", "tags": ["poste"]}
    assert changed.updated_at == T0 + timedelta(minutes=1)
    assert changed.status is S.OPEN


# --- each change with the events it causes ------------------------------------------------------


def test_assigning_a_new_ticket_emits_the_assignment_and_the_move_to_open() -> None:
    ticket = make(S.NEW)
    outcome = Ticket(ticket).assign("a7", by="lead", now=T0)
    kinds = [kind.routing_key for kind, _ in outcome.events]
    assert kinds == ["ticket.assigned", "ticket.updated"]
    assigned, moved = (payload for _, payload in outcome.events)
    assert isinstance(assigned, TicketAssigned) and isinstance(moved, TicketUpdated)
    assert (assigned.agent_id, assigned.previous_agent, assigned.version) == ("a7", None, 2)
    assert (moved.old_status, moved.new_status, moved.reason) == (
        S.NEW,
        S.OPEN,
        "Assigned to agent",
    )
    assert outcome.ticket.assigned_agent == "a7" and ticket.assigned_agent is None


def test_a_note_comes_back_with_its_event() -> None:
    outcome = Ticket(make(S.OPEN)).add_note(
        "Revisado", by="a1", is_internal=False, note_id="n1", now=T0
    )
    [(kind, payload)] = outcome.events
    assert kind.routing_key == "ticket.note_added"
    assert isinstance(payload, TicketNoteAdded) and payload.note == outcome.note
    assert outcome.ticket.notes == [outcome.note]


def test_an_update_that_changes_nothing_emits_nothing() -> None:
    ticket = make(S.OPEN)
    outcome = Ticket(ticket).update(TicketChanges(subject=ticket.subject), by="a1", now=T0)
    assert outcome.events == () and outcome.ticket is ticket


def test_a_priority_change_emits_the_changed_fields() -> None:
    outcome = Ticket(make(S.OPEN)).update(TicketChanges(priority=Priority.URGENT), by="a1", now=T0)
    [(_, payload)] = outcome.events
    assert isinstance(payload, TicketUpdated) and payload.updates == {"priority": "urgent"}


def test_a_created_ticket_is_announced_at_version_one() -> None:
    [(kind, payload)] = Ticket(make(S.NEW)).created(created_by="a1").events
    assert kind.routing_key == "ticket.created"
    assert isinstance(payload, TicketCreated) and (payload.version, payload.created_by) == (1, "a1")


def test_each_view_is_mapped_from_the_state_and_shows_no_storage_only_field() -> None:
    state = Ticket(make(S.OPEN)).assign("a7", by="lead", now=T0, agent_name="Ana Ruiz").ticket
    stored = ticket_document(state)
    assert stored[AGENT_NAMES] == {"a7": "Ana Ruiz"} and "assignedAgentName" not in stored
    wire_names = {
        "agent": (agent_view(state), TicketView),
        "event": (event_view(state), TicketView),
        "customer": (customer_view(state), CustomerTicketView),
    }
    for shown, model in wire_names.values():
        wire = shown.model_dump(by_alias=True)
        assert set(wire) == {f.alias or n for n, f in model.model_fields.items()}
        assert AGENT_NAMES not in wire and "searchTerms" not in wire and "outbox" not in wire
    assert agent_view(state).assigned_agent_name == "Ana Ruiz"
    assert agent_view(state).allowed_next_statuses == list(TRANSITIONS[S.OPEN])
    assert "sla" not in customer_view(state).model_dump(by_alias=True)


LATER = T0 + timedelta(minutes=5)


def test_tags_are_added_once_and_removed_in_one_change() -> None:
    ticket = Ticket(make(S.OPEN).model_copy(update={"tags": ["noche", "poste"]}))
    after, fields = changed_fields(ticket.retag(["riesgo", "poste"], ["noche"], by="a1", now=LATER))
    assert after.tags == ["poste", "riesgo"] and fields == {"tags": ["poste", "riesgo"]}
    unchanged = ticket.retag(["poste"], ["ausente"], by="a1", now=LATER)
    assert unchanged.events == () and unchanged.ticket.tags == ["noche", "poste"]


def test_a_ticket_holds_at_most_its_tags_when_tagged_in_bulk() -> None:
    full = Ticket(make(S.OPEN).model_copy(update={"tags": [f"t{n}" for n in range(MAX_TAGS)]}))
    with pytest.raises(ValidationFailed):
        full.retag(["otra"], [], by="a1", now=LATER)


def test_recategorizing_moves_only_a_ticket_still_in_the_removed_category() -> None:
    ticket = Ticket(make(S.OPEN).model_copy(update={"category": "billing"}))
    after, fields = changed_fields(ticket.recategorize("billing", "other", by="adm", now=LATER))
    assert after.category == "other" and fields == {"category": "other"}
    moved = ticket.recategorize("maintenance", "other", by="adm", now=LATER)
    assert moved.events == () and moved.ticket.category == "billing"
