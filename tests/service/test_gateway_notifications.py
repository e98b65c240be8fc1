"""Agents' notifications from the events on a real broker: the gateway's consumer on its shared
queue `gateway.notifications`, storing per agent (once per event, however often it is
delivered), announcing `notification.created`; assignment, reassignment away, mentions, the
customer's replies, SLA alarms; pages, the unread count and marking read."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from faststream.rabbit import RabbitQueue

from gateway.agents import AgentStore
from gateway.notification_events import (
    MentionDirectory,
    NotificationConsumer,
    Notifications,
    broker_publisher,
)
from gateway.notification_store import NotificationStore
from tests.support.events import EventRecorder
from tests.support.waiting import poll_until
from uts_shared.contracts import messages as m
from uts_shared.contracts import notifications as n
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import EventType
from uts_shared.errors import NotFound
from uts_shared.messaging import (
    EventPublisher,
    declare_topology,
    instance_queue,
    make_broker,
    make_event,
    subscribe_events,
)
from uts_shared.mongo import private_database

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
K = n.NotificationKind


@dataclass
class Desk:
    notifications: Notifications
    publisher: EventPublisher
    announced: EventRecorder
    linked: dict[str, list[t.TicketSummary]] = field(default_factory=dict)

    async def publish(self, kind: EventType[Any], payload: Any, event_id: str | None = None) -> str:
        event = make_event(kind, payload)
        if event_id is not None:
            event = event.model_copy(update={"event_id": event_id})
        await self.publisher.publish(event)
        return event.event_id

    async def stored(self, agent_id: str, count: int) -> list[n.Notification]:
        async def enough() -> bool:
            _, total = await self.notifications.store.page(
                agent_id, page=1, limit=50, unread_only=False
            )
            return total >= count

        await poll_until(enough, what=f"{count} notification(s) of {agent_id}", timeout=10)
        found, _ = await self.notifications.store.page(
            agent_id, page=1, limit=50, unread_only=False
        )
        return found


AGENTS = [
    ("jose", "jperez@example.com", "José", "Pérez"),
    ("ana-r", "ana.ruiz@example.com", "Ana", "Ruiz"),
    ("ana-g", "agomez@example.com", "Ana", "Gómez"),
    ("lead", "lead@example.com", "Lucía", "Hernández"),
]


@pytest.fixture
async def desk(rabbit_url: str) -> AsyncIterator[Desk]:
    database = private_database("uts_gateway")
    agent_store = AgentStore(database)
    for agent_id, email, first, last in AGENTS:
        await agent_store.insert(
            {
                "_id": agent_id,
                "email": email,
                "firstName": first,
                "lastName": last,
                "role": "agent",
                "active": True,
                "createdAt": NOW,
            }
        )
    broker = make_broker(rabbit_url, app_id="notifications-tests")
    linked: dict[str, list[t.TicketSummary]] = {}

    async def tickets_of(conversation_id: str) -> list[t.TicketSummary]:
        return linked.get(conversation_id, [])

    notifications = Notifications(
        NotificationStore(database),
        directory=MentionDirectory(agent_store),
        linked_tickets=tickets_of,
        publish=broker_publisher(broker),
    )
    await notifications.store.ensure_indexes()
    consumer = NotificationConsumer(broker, notifications)
    announced = EventRecorder()
    queue: RabbitQueue = instance_queue(
        f"test.notifications.{uuid.uuid4().hex[:8]}", "notification.#"
    )
    subscribe_events(broker, queue, announced.on_event)
    await broker.connect()
    await declare_topology(broker)
    await broker.start()
    await consumer.start()
    try:
        yield Desk(notifications, EventPublisher(broker), announced, linked)
    finally:
        await broker.stop()


def _tid() -> str:
    return f"LUX-2026-{uuid.uuid4().int % 10**6:06d}"


async def test_an_assignment_notifies_the_new_assignee_and_the_one_it_was_taken_from(
    desk: Desk,
) -> None:
    tid = _tid()
    await desk.publish(
        t.TICKET_ASSIGNED,
        t.TicketAssigned(
            ticket_id=tid,
            agent_id="ana-r",
            customer_id="c1",
            assigned_by="lead",
            previous_agent="jose",
            version=3,
        ),
    )
    (given,) = await desk.stored("ana-r", 1)
    (taken,) = await desk.stored("jose", 1)
    assert (given.kind, given.ticket_id, given.by, given.read) == (K.ASSIGNED, tid, "lead", False)
    assert (taken.kind, taken.ticket_id) == (K.REASSIGNED_AWAY, tid)
    assert await desk.notifications.store.page("lead", page=1, limit=5, unread_only=False) == (
        [],
        0,
    )
    announced = await desk.announced.wait_for(lambda e: len(e) >= 2)
    by_agent = {e.data["notification"]["agentId"]: e.data for e in announced}
    assert by_agent["ana-r"]["notification"]["kind"] == "assigned"
    assert by_agent["ana-r"]["unread"] == 1
    assert by_agent["jose"]["notification"]["kind"] == "reassigned_away"


async def test_taking_a_ticket_yourself_notifies_nobody_but_whom_it_was_taken_from(
    desk: Desk,
) -> None:
    tid = _tid()
    await desk.publish(
        t.TICKET_ESCALATED,
        t.TicketEscalated(
            ticket_id=tid,
            from_agent="jose",
            to_agent="lead",
            reason="Necesita supervisor",
            customer_id="c1",
            previous_agent="ana-g",
            version=4,
        ),
    )
    (escalated,) = await desk.stored("lead", 1)
    (away,) = await desk.stored("ana-g", 1)
    assert (escalated.kind, escalated.by, away.kind) == (K.ASSIGNED, "jose", K.REASSIGNED_AWAY)
    assert (await desk.notifications.store.page("jose", page=1, limit=5, unread_only=False))[1] == 0


async def test_a_redelivered_event_never_makes_a_second_notification(desk: Desk) -> None:
    tid = _tid()
    assigned = t.TicketAssigned(
        ticket_id=tid, agent_id="ana-g", customer_id="c1", assigned_by="lead", version=2
    )
    event_id = await desk.publish(t.TICKET_ASSIGNED, assigned)
    for _ in range(3):
        await desk.publish(t.TICKET_ASSIGNED, assigned, event_id=event_id)
    marker = _tid()  # published last: once it is stored, the redeliveries were handled
    await desk.publish(
        t.TICKET_ASSIGNED,
        t.TicketAssigned(ticket_id=marker, agent_id="ana-g", customer_id="c1", version=2),
    )
    stored = await desk.stored("ana-g", 2)
    assert sorted(x.ticket_id for x in stored) == sorted([tid, marker])
    assert stored[0].id != stored[1].id
    assert await desk.notifications.store.unread("ana-g") == 2
    announced = await desk.announced.wait_for(lambda e: len(e) >= 2)
    assert [e.data["notification"]["ticketId"] for e in announced].count(tid) == 1


def _note(content: str, *, author: str = "lead", internal: bool = True) -> t.TicketNoteAdded:
    return t.TicketNoteAdded(
        ticket_id=_tid(),
        note=t.Note(
            id=uuid.uuid4().hex,
            agent_id=author,
            agent_name="Lucía Hernández",
            content=content,
            is_internal=internal,
            timestamp=NOW,
        ),
        agent_id=author,
        customer_id="c1",
        version=2,
    )


async def test_a_mention_in_an_internal_note_notifies_the_agents_it_names(desk: Desk) -> None:
    note = _note("@JOSE revisa el poste; @ana.ruiz ya lo vio. @ana no basta, @lead tampoco")
    await desk.publish(t.TICKET_NOTE_ADDED, note)
    await desk.publish(t.TICKET_NOTE_ADDED, _note("Pública para @jose", internal=False))
    marker = _tid()
    await desk.publish(
        t.TICKET_ASSIGNED,
        t.TicketAssigned(ticket_id=marker, agent_id="jose", customer_id="c1", version=2),
    )
    jose = await desk.stored("jose", 2)
    mention = next(x for x in jose if x.kind is K.MENTIONED)
    assert (mention.ticket_id, mention.by, mention.by_name) == (
        note.ticket_id,
        "lead",
        "Lucía Hernández",
    )
    assert mention.excerpt is not None and mention.excerpt.startswith("@JOSE revisa el poste")
    assert len(jose) == 2  # the public note's mention made nothing
    (ana,) = await desk.stored("ana-r", 1)
    assert ana.kind is K.MENTIONED
    for nobody in ("ana-g", "lead"):  # an ambiguous first name; the author itself
        assert await desk.notifications.store.unread(nobody) == 0


async def test_a_customer_reply_notifies_the_assignees_of_the_conversations_open_tickets(
    desk: Desk,
) -> None:
    def summary(ticket_id: str, agent: str | None, status: t.TicketStatus) -> t.TicketSummary:
        return t.TicketSummary.model_validate(
            {
                "ticketId": ticket_id,
                "subject": "Poste",
                "description": "Sin luz",
                "category": "street_light",
                "priority": "medium",
                "status": status,
                "customerId": "c1",
                "assignedAgent": agent,
                "sla": {"firstResponseTarget": 1, "resolutionTarget": 2},
                "source": "agent",
                "createdAt": NOW,
                "updatedAt": NOW,
                "version": 1,
            }
        )

    open_one, done = _tid(), _tid()
    desk.linked["conv-1"] = [
        summary(open_one, "ana-g", t.TicketStatus.PENDING_CUSTOMER),
        summary(done, "jose", t.TicketStatus.RESOLVED),
        summary(_tid(), None, t.TicketStatus.NEW),
    ]

    def message(direction: m.Direction, text: str) -> m.MessageEvent:
        inbound = direction is m.Direction.INBOUND
        return m.MessageEvent(
            message=m.Message(
                id=uuid.uuid4().hex,
                conversation_id="conv-1",
                customer_id="c1",
                direction=direction,
                author=m.Author.CUSTOMER if inbound else m.Author.AGENT,
                text=text,
                created_at=NOW,
                delivery=m.Delivery.DELIVERED if inbound else m.Delivery.PENDING,
            ),
            customer_id="c1",
        )

    await desk.publish(m.CONVERSATION_MESSAGE_CREATED, message(m.Direction.OUTBOUND, "Vamos"))
    await desk.publish(
        m.CONVERSATION_MESSAGE_CREATED, message(m.Direction.INBOUND, "Sigue sin luz")
    )
    (replied,) = await desk.stored("ana-g", 1)
    assert (replied.kind, replied.ticket_id, replied.excerpt) == (
        K.CUSTOMER_REPLIED,
        open_one,
        "Sigue sin luz",
    )
    assert await desk.notifications.store.unread("jose") == 0


async def test_an_sla_alarm_notifies_the_tickets_assignee(desk: Desk) -> None:
    tid = _tid()
    for kind in (t.TICKET_SLA_WARNING, t.TICKET_SLA_BREACHED):
        await desk.publish(
            kind,
            t.TicketSlaAlarm(
                ticket_id=tid,
                clock="resolution",
                target_ms=1000,
                elapsed_ms=1200,
                priority=t.Priority.URGENT,
                customer_id="c1",
                assigned_agent="lead",
                version=5,
            ),
        )
    stored = await desk.stored("lead", 2)
    assert sorted(x.kind for x in stored) == [K.SLA_BREACHED, K.SLA_WARNING]
    assert {x.clock for x in stored} == {"resolution"}


async def test_pages_are_newest_first_and_marking_read_lowers_the_unread_count(
    desk: Desk,
) -> None:
    ids = [_tid() for _ in range(3)]
    notifications = desk.notifications
    for i, tid in enumerate(ids):
        event = make_event(
            t.TICKET_ASSIGNED,
            t.TicketAssigned(ticket_id=tid, agent_id="ana-r", customer_id="c1", version=2),
        ).model_copy(update={"occurred_at": NOW + timedelta(minutes=i)})
        await notifications.on_event(t.TICKET_ASSIGNED.routing_key, event)
    found, pagination, unread, tickets = await notifications.page(
        "ana-r", page=1, limit=2, unread_only=False
    )
    assert [x.ticket_id for x in found] == [ids[2], ids[1]]
    assert (pagination.total, pagination.pages, unread) == (3, 2, 3)
    assert tickets == [ids[2], ids[1], ids[0]]

    assert await notifications.mark_read("ana-r", notification_id=found[0].id) == 2
    assert await notifications.mark_read("ana-r", notification_id=found[0].id) == 2
    assert await notifications.mark_read("ana-r", ticket_id=ids[0]) == 1
    only_unread, _, _, tickets = await notifications.page(
        "ana-r", page=1, limit=10, unread_only=True
    )
    assert [x.ticket_id for x in only_unread] == [ids[1]] and tickets == [ids[1]]
    with pytest.raises(NotFound):
        await notifications.mark_read("jose", notification_id=found[1].id)  # not jose's
    assert await notifications.mark_read("ana-r") == 0
    read = await desk.announced.wait_for(
        lambda e: sum(x.routing_key == "notification.read" for x in e) >= 3
    )
    last = [x.data for x in read if x.routing_key == "notification.read"][-1]
    assert (last["agentId"], last["unread"]) == ("ana-r", 0)
