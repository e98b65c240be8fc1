"""The gateway's ticket-event relay without a broker: who gets what, de-duplication, rejects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from faststream.exceptions import RejectMessage

from gateway.realtime import AGENTS_ROOM, ALL_TICKETS_ROOM, UNASSIGNED_ROOM
from gateway.relay import SeenEvents, TicketRelay, audience
from uts_shared.contracts import messages as m
from uts_shared.contracts import tickets as t
from uts_shared.messaging import encode, make_broker, make_event

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def view(ticket_id: str = "LUX-2026-000001") -> t.TicketView:
    return t.TicketView(
        ticket_id=ticket_id,
        subject="s",
        description="d",
        category="other",
        priority=t.Priority.HIGH,
        status=t.TicketStatus.OPEN,
        customer_id="c1",
        sla=t.Sla(first_response_target=1, resolution_target=2),
        source=t.TicketSource.AGENT,
        created_at=NOW,
        updated_at=NOW,
        version=1,
    )


def note(internal: bool, assignee: str | None = None) -> t.TicketNoteAdded:
    body = t.Note(id="n1", agent_id="a1", content="x", is_internal=internal, timestamp=NOW)
    return t.TicketNoteAdded(
        ticket_id="T1",
        note=body,
        agent_id="a1",
        customer_id="c1",
        assigned_agent=assignee,
        version=2,
    )


class Recorder:
    """Stands in for `Realtime`: records each emission and each ticket room it was told to
    clear of restricted sockets."""

    def __init__(self) -> None:
        self.emitted: list[tuple[str, dict[str, Any], Any]] = []
        self.kept_out: list[tuple[str, str | None]] = []

    async def emit(self, event_name: str, payload: Any, room: Any = None) -> None:
        self.emitted.append((event_name, payload, room))

    async def keep_out_of_ticket(self, ticket_id: str, assignee: str | None) -> None:
        self.kept_out.append((ticket_id, assignee))


@pytest.fixture
def relay() -> tuple[TicketRelay, Recorder]:
    recorder = Recorder()
    broker = make_broker("amqp://guest:guest@127.0.0.1:5672/", app_id="unit")  # never started
    return TicketRelay(broker, recorder, instance_id="unit"), recorder  # type: ignore[arg-type]


# Every signed-in socket is an agent's; which of them get an event follows ticket visibility:
# `all-tickets` (who see every ticket), and among restricted agents the ticket's assignee
# (`agent:{id}`) or, for a ticket assigned to nobody, `unassigned-tickets`.


def test_internal_notes_go_to_who_may_see_the_ticket_never_a_ticket_room() -> None:
    assert audience(note(internal=True)) == [ALL_TICKETS_ROOM, UNASSIGNED_ROOM]
    assert audience(note(internal=True, assignee="a2")) == [ALL_TICKETS_ROOM, "agent:a2"]


def test_public_notes_also_go_to_the_ticket_room() -> None:
    assert audience(note(internal=False, assignee="a2")) == [
        ALL_TICKETS_ROOM,
        "ticket:T1",
        "agent:a2",
    ]


def test_every_other_event_goes_to_who_may_see_the_ticket_and_its_room() -> None:
    created = t.TicketCreated(ticket=view("T9"), customer_id="c1")
    updated = t.TicketUpdated(
        ticket_id="T1", customer_id="c1", new_status="open", assigned_agent="a2", version=2
    )
    resolved = t.TicketResolved(
        ticket_id="T1", resolved_by="a1", resolution_notes="ok", customer_id="c1", version=3
    )
    assert audience(created) == [ALL_TICKETS_ROOM, "ticket:T9", UNASSIGNED_ROOM]
    assert audience(updated) == [ALL_TICKETS_ROOM, "ticket:T1", "agent:a2"]
    assert audience(resolved) == [ALL_TICKETS_ROOM, "ticket:T1", UNASSIGNED_ROOM]


def test_assignments_and_escalations_reach_the_new_and_the_previous_audience() -> None:
    assigned = t.TicketAssigned(ticket_id="T1", agent_id="a2", customer_id="c1", version=2)
    escalated = t.TicketEscalated(
        ticket_id="T1",
        to_agent="a3",
        reason="vip",
        customer_id="c1",
        previous_agent="a2",
        version=3,
    )
    assert audience(assigned) == [ALL_TICKETS_ROOM, "ticket:T1", "agent:a2", UNASSIGNED_ROOM]
    assert audience(escalated) == [ALL_TICKETS_ROOM, "ticket:T1", "agent:a3", "agent:a2"]


async def test_a_ticket_given_to_someone_is_cleared_of_restricted_followers_first(
    relay: tuple[TicketRelay, Recorder],
) -> None:
    handler, recorder = relay
    assigned = t.TicketAssigned(ticket_id="T1", agent_id="a2", customer_id="c1", version=2)
    await handler.handle("ticket.assigned", encode(make_event(t.TICKET_ASSIGNED, assigned)), None)  # type: ignore[arg-type]
    assert recorder.kept_out == [("T1", "a2")]
    assert [name for name, _, _ in recorder.emitted] == ["ticket_assigned"]


def test_conversation_events_go_to_every_agent() -> None:
    message = m.Message(
        id="m1",
        conversation_id="c1",
        customer_id="cust-1",
        direction=m.Direction.INBOUND,
        author=m.Author.CUSTOMER,
        text="Hola",
        created_at=NOW,
        delivery=m.Delivery.DELIVERED,
    )
    handed = m.ConversationHandedOff(
        conversation_id="c1", customer_id="cust-1", handled_by=t.Handler.AGENT
    )
    assert audience(m.MessageEvent(message=message, customer_id="cust-1")) == [AGENTS_ROOM]
    assert audience(handed) == [AGENTS_ROOM]


def test_seen_events_remember_a_bounded_number_of_ids() -> None:
    seen = SeenEvents(capacity=2)
    assert seen.add("a") and seen.add("b")
    assert not seen.add("a")  # duplicate; 'a' is now the most recent
    assert seen.add("c")  # forgets 'b', the least recently seen
    assert not seen.add("a")
    assert seen.add("b")


async def test_an_event_is_emitted_once_under_its_plan_name_with_its_id(
    relay: tuple[TicketRelay, Recorder],
) -> None:
    handler, recorder = relay
    event = make_event(t.TICKET_NOTE_ADDED, note(internal=True))
    body = encode(event)
    await handler.handle("ticket.note_added", body, None)  # type: ignore[arg-type]
    await handler.handle("ticket.note_added", body, None)  # type: ignore[arg-type]
    assert len(recorder.emitted) == 1
    name, payload, rooms = recorder.emitted[0]
    assert name == "ticket_note_added"
    assert payload["eventId"] == event.event_id
    assert payload["note"]["isInternal"] is True
    assert payload["ticketId"] == "T1"
    assert rooms == [ALL_TICKETS_ROOM, UNASSIGNED_ROOM]


@pytest.mark.parametrize(
    ("routing_key", "body"),
    [
        ("ticket.exploded", b"{}"),
        ("ticket.created", b"not json"),
        ("ticket.created", b'{"type": "ticket.created", "data": {"nonsense": true}}'),
        (
            "ticket.updated",
            encode(make_event(t.TICKET_CREATED, t.TicketCreated(ticket=view(), customer_id="c1"))),
        ),
        (
            "ticket.created",
            b'{"type": "ticket.created", "data": ' + b"[" * 100_000 + b"]" * 100_000,
        ),
    ],
    ids=["unknown-key", "not-json", "bad-payload", "type-mismatch", "nested-100000-deep"],
)
async def test_a_malformed_event_is_rejected_and_not_emitted(
    relay: tuple[TicketRelay, Recorder], routing_key: str, body: bytes
) -> None:
    handler, recorder = relay
    with pytest.raises(RejectMessage):
        await handler.handle(routing_key, body, None)  # type: ignore[arg-type]
    assert recorder.emitted == []


def test_each_replica_has_its_own_exclusive_queue_on_ticket_events(
    relay: tuple[TicketRelay, Recorder],
) -> None:
    handler, _ = relay
    assert handler.queue.name == "gateway.relay.unit"
    assert handler.queue.exclusive and handler.queue.auto_delete
    assert handler.queue.routing_key == "ticket.#"
    assert handler.queue.arguments["x-dead-letter-exchange"] == "uts.dlx"
