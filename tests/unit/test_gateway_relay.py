"""The gateway's ticket-event relay without a broker: who gets what, de-duplication, rejects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from faststream.exceptions import RejectMessage

from gateway.realtime import AGENTS_ROOM
from gateway.relay import SeenEvents, TicketRelay, audience
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


def note(internal: bool) -> t.TicketNoteAdded:
    body = t.Note(id="n1", agent_id="a1", content="x", is_internal=internal, timestamp=NOW)
    return t.TicketNoteAdded(ticket_id="T1", note=body, agent_id="a1", customer_id="c1", version=2)


class Recorder:
    """Stands in for `Realtime`: records each emission."""

    def __init__(self) -> None:
        self.emitted: list[tuple[str, dict[str, Any], Any]] = []

    async def emit(self, event_name: str, payload: Any, room: Any = None) -> None:
        self.emitted.append((event_name, payload, room))


@pytest.fixture
def relay() -> tuple[TicketRelay, Recorder]:
    recorder = Recorder()
    broker = make_broker("amqp://guest:guest@127.0.0.1:5672/", app_id="unit")  # never started
    return TicketRelay(broker, recorder, instance_id="unit"), recorder  # type: ignore[arg-type]


def test_internal_notes_go_to_the_agents_room_only() -> None:
    assert audience(note(internal=True)) == [AGENTS_ROOM]


def test_public_notes_also_go_to_the_ticket_room() -> None:
    assert audience(note(internal=False)) == [AGENTS_ROOM, "ticket:T1"]


def test_every_other_event_goes_to_agents_and_its_ticket_room() -> None:
    created = t.TicketCreated(ticket=view("T9"), customer_id="c1")
    updated = t.TicketUpdated(ticket_id="T1", customer_id="c1", new_status="open", version=2)
    resolved = t.TicketResolved(
        ticket_id="T1", resolved_by="a1", resolution_notes="ok", customer_id="c1", version=3
    )
    assert audience(created) == [AGENTS_ROOM, "ticket:T9"]
    assert audience(updated) == [AGENTS_ROOM, "ticket:T1"]
    assert audience(resolved) == [AGENTS_ROOM, "ticket:T1"]


def test_assignments_and_escalations_also_reach_the_assignee() -> None:
    assigned = t.TicketAssigned(ticket_id="T1", agent_id="a2", customer_id="c1", version=2)
    escalated = t.TicketEscalated(
        ticket_id="T1", to_agent="a3", reason="vip", customer_id="c1", version=2
    )
    assert audience(assigned) == [AGENTS_ROOM, "ticket:T1", "agent:a2"]
    assert audience(escalated) == [AGENTS_ROOM, "ticket:T1", "agent:a3"]


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
    assert rooms == [AGENTS_ROOM]


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
    ],
    ids=["unknown-key", "not-json", "bad-payload", "type-mismatch"],
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
