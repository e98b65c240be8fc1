"""A macro on the ticket aggregate: its actions in order, each only where it changes something,
every event at the one new version, texts rendered; refused whole when one action is."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.factories import agent_ticket_request
from tickets_service.domain import sla
from tickets_service.domain.macros import MacroRun, apply_macro, changes_of, render, variables
from tickets_service.domain.ticket import InvalidTransition, Ticket, TicketState
from uts_shared.contracts import tickets as t
from uts_shared.contracts.config import BUILT_IN_TERMINOLOGY
from uts_shared.contracts.replies import Macro, MacroActions
from uts_shared.contracts.sla import SlaPolicy

S = t.TicketStatus
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RUN = MacroRun("a2", "Beto Ruiz", T0, "note-1", "reply-1", BUILT_IN_TERMINOLOGY)


def make(status: S = S.NEW, **fields: object) -> TicketState:
    ticket = Ticket.new(
        agent_ticket_request("c1", agent="a1", tags=["poste", "viejo"]),
        ticket_id="LUX-2026-000007",
        status=S.NEW,
        source=t.TicketSource.AGENT,
        sla=sla.start(t.Priority.MEDIUM, sla.Policy.of(SlaPolicy()), T0),
        assigned_agent=None,
        now=T0,
        customer=t.CustomerRef(id="c1", name="Lucía Hernández", phone_number="+5215512345678"),
    ).state
    return ticket.model_copy(update={"status": status, **fields})


def macro(**actions: object) -> Macro:
    return Macro(
        id="m1",
        title="En camino",
        shared=True,
        actions=MacroActions(**actions),  # type: ignore[arg-type]
        assignee_name=None,
        created_by="admin",
        created_at=T0,
        updated_at=T0,
    )


def test_every_action_is_applied_in_order_with_one_event_each_at_one_version() -> None:
    before = make(S.NEW, conversation_id="conv-1")
    outcome = apply_macro(
        Ticket(before),
        macro(
            assignee="me",
            status=S.IN_PROGRESS,
            priority=t.Priority.URGENT,
            add_tags=["cuadrilla"],
            remove_tags=["viejo"],
            note="Para {agentName}",
            reply="Hola {customerName}, su {ticketSingular} {ticketId} va. {nada}",
        ),
        RUN,
    )
    after = outcome.ticket
    assert after.version == before.version  # the store's write bumps it, once
    assert (after.assigned_agent, after.assigned_agent_name) == ("a2", "Beto Ruiz")
    assert [(h.from_, h.to) for h in after.status_history] == [
        (S.NEW, S.OPEN),  # assigning opens a new ticket
        (S.OPEN, S.IN_PROGRESS),
    ]
    assert after.status_history[-1].reason == "En camino"
    assert after.priority is t.Priority.URGENT and after.tags == ["poste", "cuadrilla"]
    note, reply = after.notes
    assert (note.id, note.is_internal, note.content) == ("note-1", True, "Para Beto Ruiz")
    assert (reply.id, reply.is_internal) == ("reply-1", False)
    assert reply.content == "Hola Lucía Hernández, su reporte LUX-2026-000007 va. {nada}"
    assert outcome.note == reply
    assert {payload.version for _, payload in outcome.events} == {before.version + 1}  # type: ignore[attr-defined]
    assert changes_of(outcome.events) == ["assignee", "status", "priority", "tags", "note", "reply"]


def test_only_what_differs_is_changed() -> None:
    before = make(S.IN_PROGRESS, assigned_agent="a2", priority=t.Priority.HIGH)
    outcome = apply_macro(
        Ticket(before),
        macro(assignee="a2", status=S.IN_PROGRESS, priority=t.Priority.HIGH, add_tags=["poste"]),
        RUN,
    )
    assert outcome.events == () and outcome.ticket == before


def test_an_action_the_ticket_refuses_refuses_the_whole_macro() -> None:
    before = make(S.OPEN)
    with pytest.raises(InvalidTransition):
        apply_macro(Ticket(before), macro(priority=t.Priority.LOW, status=S.PENDING_CUSTOMER), RUN)
    with pytest.raises(Exception, match="no conversation"):
        apply_macro(Ticket(before), macro(reply="Hola"), RUN)


def test_variables_come_from_the_ticket_the_terminology_and_the_agent() -> None:
    values = variables(make(), BUILT_IN_TERMINOLOGY, None)
    assert values["customerName"] == "Lucía Hernández" and values["agentName"] == ""
    assert render("{ticketPlural}: {ticketId} {subject}", values).startswith(
        "reportes: LUX-2026-000007 "
    )
