"""Ticket events from the broker to Socket.IO clients, through each gateway's own relay queue:
every event with every field of its payload, agent and AI tickets alike, rooms, a second
gateway, redelivered and malformed events."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import aio_pika
import httpx
import pytest
import socketio
from faststream.rabbit import RabbitQueue

from tests.support.desk import (
    STORAGE_ONLY_FIELDS,
    AgentLogin,
    Desk,
    create_agent,
    move,
    new_customer,
    new_ticket,
)
from tests.support.factories import ai_ticket_request
from tests.support.infra import Infra
from tests.support.sockets import Listener, about
from tests.support.system import System
from tests.support.waiting import until_passes
from uts_shared.contracts import tickets as contract
from uts_shared.contracts.base import DEAD_LETTER_EXCHANGE, EVENTS_EXCHANGE
from uts_shared.contracts.tickets import TICKET_UPDATED, TicketUpdated
from uts_shared.messaging import EventPublisher, make_broker, make_event


@pytest.fixture(scope="module")
async def broker(infra_env: Infra) -> AsyncIterator[Any]:
    """The test's own broker connection, to publish events as the tickets service would."""
    own = make_broker(infra_env.rabbit_url, app_id="e2e-relay-tests")
    await own.start()
    yield own
    await own.stop()


@pytest.fixture
async def listener(system: System, desk: Desk) -> AsyncIterator[Listener]:
    async with Listener(system.gateway_url, desk.agent.token) as client:
        yield client


async def test_socket_connection_needs_a_valid_token(system: System, desk: Desk) -> None:
    for token in (None, "", "not-a-jwt", desk.agent.token + "x"):
        with pytest.raises(socketio.exceptions.ConnectionError):
            async with Listener(system.gateway_url, token):
                pass


async def test_every_ticket_event_reaches_an_agent_socket(
    desk: Desk,
    colleague: AgentLogin,
    listener: Listener,
) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    tid = ticket["ticketId"]
    mine = about(tid)

    created = await listener.wait_for("ticket_created", mine)
    assert created["ticket"]["ticketId"] == tid
    assert created["customerId"] == customer["id"]
    assert created["eventId"]

    await desk.api.put(f"/tickets/{tid}", json={"subject": "Cambio de asunto"})
    updated = await listener.wait_for(
        "ticket_updated", lambda d: mine(d) and bool(d.get("updates"))
    )
    assert updated["updates"]["subject"] == "Cambio de asunto"
    assert updated["updatedBy"] == desk.id

    await move(desk.api, tid, "in_progress")
    moved = await listener.wait_for("ticket_updated", lambda d: mine(d) and d.get("newStatus"))
    assert (moved["oldStatus"], moved["newStatus"], moved["updatedBy"]) == (
        "open",
        "in_progress",
        desk.id,
    )

    await desk.api.post(f"/tickets/{tid}/assign", json={"agentId": colleague.id})
    assigned = await listener.wait_for("ticket_assigned", mine)
    assert (assigned["agentId"], assigned["assignedBy"], assigned["customerId"]) == (
        colleague.id,
        desk.id,
        customer["id"],
    )

    await desk.api.post(f"/tickets/{tid}/notes", json={"content": "Visible", "isInternal": False})
    noted = await listener.wait_for("ticket_note_added", mine)
    assert (noted["note"]["content"], noted["note"]["isInternal"]) == ("Visible", False)

    await desk.api.post(
        f"/tickets/{tid}/escalate", json={"toAgentId": colleague.id, "reason": "Cliente VIP"}
    )
    escalated = await listener.wait_for("ticket_escalated", mine)
    assert (escalated["toAgent"], escalated["reason"]) == (colleague.id, "Cliente VIP")

    await desk.api.post(f"/tickets/{tid}/resolve", json={"resolutionNotes": "Foco cambiado"})
    resolved = await listener.wait_for("ticket_resolved", mine)
    assert (resolved["resolvedBy"], resolved["resolutionNotes"]) == (desk.id, "Foco cambiado")

    event_ids = [d["eventId"] for _, d in listener.received if mine(d)]
    assert len(event_ids) == len(set(event_ids))


async def test_socket_payloads_carry_every_field_of_their_event(
    system: System, desk: Desk, colleague: AgentLogin
) -> None:
    customer = await new_customer(desk.api)
    r = await desk.api.post("/conversations", json={"customerId": customer["id"]})
    conversation = r.json()["conversation"]["id"]
    async with Listener(system.gateway_url, desk.agent.token) as sock:
        ticket = await new_ticket(
            desk.api, customer["id"], conversationId=conversation, assignToSelf=True
        )
        tid = ticket["ticketId"]
        mine = about(tid)
        created = await sock.wait_for("ticket_created", mine, timeout=10)
        assert {"ticket", "customerId", "conversationId", "eventId"} <= set(created)
        assert created["conversationId"] == conversation
        assert not (STORAGE_ONLY_FIELDS & set(created["ticket"])), set(created["ticket"])

        await desk.api.post(
            f"/tickets/{tid}/status", json={"status": "in_progress", "reason": "r1"}
        )
        updated = await sock.wait_for(
            "ticket_updated", lambda d: mine(d) and "newStatus" in d, timeout=10
        )
        assert (updated["ticketId"], updated["oldStatus"], updated["newStatus"]) == (
            tid,
            "open",
            "in_progress",
        )
        assert (updated["updatedBy"], updated["reason"]) == (desk.id, "r1")

        await desk.api.post(
            f"/tickets/{tid}/notes", json={"content": "visible", "isInternal": False}
        )
        noted = await sock.wait_for("ticket_note_added", mine, timeout=10)
        assert (noted["ticketId"], noted["agentId"]) == (tid, desk.id)
        assert noted["note"]["agentId"] == desk.id and noted["note"]["id"]

        await desk.api.post(
            f"/tickets/{tid}/escalate", json={"toAgentId": colleague.id, "reason": "VIP"}
        )
        escalated = await sock.wait_for("ticket_escalated", mine, timeout=10)
        assert (escalated["ticketId"], escalated["fromAgent"], escalated["toAgent"]) == (
            tid,
            desk.id,
            colleague.id,
        )
        assert escalated["reason"] == "VIP"

        await desk.api.post(f"/tickets/{tid}/resolve", json={"resolutionNotes": "ok"})
        resolved = await sock.wait_for("ticket_resolved", mine, timeout=10)
        assert (resolved["ticketId"], resolved["resolvedBy"], resolved["resolutionNotes"]) == (
            tid,
            desk.id,
            "ok",
        )


async def test_an_ai_ticket_and_its_assignment_reach_the_assignees_socket_with_every_field(
    system: System, desk: Desk, colleague: AgentLogin
) -> None:
    customer = await new_customer(desk.api)
    async with Listener(system.gateway_url, colleague.token) as sock:
        created = await system.rpc.call(
            contract.CREATE_FROM_AI,
            ai_ticket_request(customer["id"], subject="Luminaria", description="apagada"),
        )
        tid = created.ticket.ticket_id
        event = await sock.wait_for("ticket_created", about(tid), timeout=10)
        assert (event["ticket"]["status"], event["ticket"]["source"]) == ("new", "ai")
        assert event["customerId"] == customer["id"]

        await desk.api.post(f"/tickets/{tid}/assign", json={"agentId": colleague.id})
        assigned = await sock.wait_for("ticket_assigned", about(tid), timeout=10)
        assert (assigned["ticketId"], assigned["agentId"], assigned["customerId"]) == (
            tid,
            colleague.id,
            customer["id"],
        )
        opened = await sock.wait_for(
            "ticket_updated", lambda d: about(tid)(d) and "newStatus" in d, timeout=10
        )
        assert (opened["oldStatus"], opened["newStatus"]) == ("new", "open")


async def test_internal_notes_reach_agents(desk: Desk, listener: Listener) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    await desk.api.post(f"/tickets/{ticket['ticketId']}/notes", json={"content": "Solo agentes"})
    noted = await listener.wait_for("ticket_note_added", about(ticket["ticketId"]))
    assert (noted["note"]["content"], noted["note"]["isInternal"]) == ("Solo agentes", True)


async def test_a_client_in_a_ticket_room_gets_that_tickets_events(
    system: System,
    desk: Desk,
) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    tid = ticket["ticketId"]
    async with Listener(system.gateway_url, desk.agent.token) as watcher:
        ack = await watcher.join_ticket(tid)
        assert ack == {"success": True, "room": f"ticket:{tid}"}
        assert (await watcher.join_ticket(""))["success"] is False
        await move(desk.api, tid, "in_progress")
        moved = await watcher.wait_for("ticket_updated", about(tid))
        assert moved["newStatus"] == "in_progress"


async def test_the_assignee_receives_their_assignment(
    system: System,
    desk: Desk,
    colleague: AgentLogin,
) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    async with Listener(system.gateway_url, colleague.token) as assignee:
        r = await desk.api.post(
            f"/tickets/{ticket['ticketId']}/assign", json={"agentId": colleague.id}
        )
        assert r.status_code == 200
        assigned = await assignee.wait_for("ticket_assigned", about(ticket["ticketId"]))
        assert assigned["agentId"] == colleague.id


async def test_a_second_gateways_clients_get_every_event_too(
    system: System,
    desk: Desk,
    second_gateway_url: str,
    listener: Listener,
) -> None:
    async with Listener(second_gateway_url, desk.agent.token) as elsewhere:
        customer = await new_customer(desk.api)
        ticket = await new_ticket(desk.api, customer["id"])
        here = await listener.wait_for("ticket_created", about(ticket["ticketId"]))
        there = await elsewhere.wait_for("ticket_created", about(ticket["ticketId"]))
        assert here["eventId"] == there["eventId"]


def fake_update(ticket_id: str, version: int) -> Any:
    payload = TicketUpdated(
        ticket_id=ticket_id, customer_id="c-relay", new_status="open", version=version
    )
    return make_event(TICKET_UPDATED, payload)


async def test_a_redelivered_event_is_relayed_once(broker: Any, listener: Listener) -> None:
    publisher = EventPublisher(broker)
    ticket_id = "RELAY-" + uuid.uuid4().hex[:8]
    event = fake_update(ticket_id, 1)
    await publisher.publish(event)
    await publisher.publish(event)  # the outbox may publish the same event twice
    sentinel = fake_update(ticket_id, 2)
    await publisher.publish(sentinel)
    # One queue per gateway, consumed in order: once the sentinel is here, so is any duplicate.
    await listener.wait_for("ticket_updated", lambda d: d.get("eventId") == event.event_id)
    await listener.wait_for("ticket_updated", lambda d: d.get("eventId") == sentinel.event_id)
    copies = listener.matching("ticket_updated", lambda d: d.get("eventId") == event.event_id)
    assert len(copies) == 1
    assert copies[0]["ticketId"] == ticket_id


async def test_a_malformed_event_is_dead_lettered_and_the_relay_goes_on(
    broker: Any, listener: Listener
) -> None:
    marker = "malformed-" + uuid.uuid4().hex
    dead = await broker.declare_queue(RabbitQueue(f"e2e.{marker}", auto_delete=True))
    await dead.bind(DEAD_LETTER_EXCHANGE, routing_key="ticket.#")
    try:
        await broker.publish(
            b'{"type": "ticket.created", "data": {"nonsense": true}}',
            exchange=EVENTS_EXCHANGE,
            routing_key="ticket.created",
            message_id=marker,
        )

        # Every consumer of ticket.# rejects it (each gateway's relay; the webhooks' intake too
        # while a webhook is enabled): the relay's rejection is the one this test is about.
        def relay_among(queues: list[str]) -> bool:
            return any(q.startswith("gateway.relay.") for q in queues)

        await dead_letters(dead, marker, until=relay_among)

        ticket_id = "RELAY-" + uuid.uuid4().hex[:8]
        after = fake_update(ticket_id, 1)
        await EventPublisher(broker).publish(after)
        await listener.wait_for("ticket_updated", lambda d: d.get("eventId") == after.event_id)
    finally:
        await dead.delete(if_unused=False, if_empty=False)


async def dead_letters(
    queue: aio_pika.abc.AbstractQueue, marker: str, *, until: Callable[[list[str]], bool]
) -> list[str]:
    """The queues that rejected the message `marker` (from the x-death headers of its dead
    letters), waiting up to 5 s until `until(those so far)`."""
    found: list[str] = []

    async def first() -> None:
        async with queue.iterator() as messages:
            async for message in messages:
                await message.ack()
                if message.message_id != marker:
                    continue
                deaths = (message.headers or {}).get("x-death") or []
                found.extend(str(d.get("queue", "")) for d in deaths if isinstance(d, dict))
                if until(found):
                    return

    await asyncio.wait_for(first(), 5.0)
    return found


async def test_views_lists_and_socket_payloads_carry_names_that_follow_renames(
    system: System, admin_api: httpx.AsyncClient, desk: Desk
) -> None:
    suffix = uuid.uuid4().hex[:6]
    helper = await create_agent(system, admin_api, firstName="Lía", lastName=f"Mar{suffix}")
    me = (await desk.api.get("/auth/me")).json()["agent"]
    my_name = f"{me['firstName']} {me['lastName']}"
    customer = await new_customer(desk.api, firstName="Rosa", lastName="Cliente")
    ticket = await new_ticket(desk.api, customer["id"])
    tid = ticket["ticketId"]
    assert (ticket["createdBy"], ticket["createdByName"]) == (desk.id, my_name)
    assert ticket["customer"] == {
        "id": customer["id"],
        "name": "Rosa Cliente",
        "phoneNumber": customer["phoneNumber"],
    }
    async with Listener(system.gateway_url, desk.agent.token) as listener:
        r = await desk.api.post(f"/tickets/{tid}/assign", json={"agentId": helper.id})
        assert r.json()["ticket"]["assignedAgentName"] == f"Lía Mar{suffix}"
        assigned = await listener.wait_for("ticket_assigned", about(tid))
        assert assigned["agentName"] == f"Lía Mar{suffix}"
        await desk.api.post(f"/tickets/{tid}/notes", json={"content": "Revisado"})
        noted = await listener.wait_for("ticket_note_added", about(tid))
        assert noted["note"]["agentName"] == my_name
        r = await desk.api.post(f"/tickets/{tid}/resolve", json={"resolutionNotes": "Listo"})
        assert r.json()["ticket"]["resolvedByName"] == my_name
        resolved = await listener.wait_for("ticket_resolved", about(tid))
        assert resolved["resolvedByName"] == my_name

    r = await admin_api.patch(f"/agents/{helper.id}", json={"lastName": f"Sol{suffix}"})
    assert r.status_code == 200, r.text

    async def renamed() -> None:
        page = (await desk.api.get("/tickets", params={"customerId": customer["id"]})).json()
        [item] = page["tickets"]
        assert item["assignedAgentName"] == f"Lía Sol{suffix}"
        assert item["customer"]["name"] == "Rosa Cliente"
        full = (await desk.api.get(f"/tickets/{tid}")).json()["ticket"]
        assert full["assignedAgentName"] == f"Lía Sol{suffix}"
        assert full["notes"][0]["agentName"] == my_name

    await until_passes(renamed, what="the rename reached the ticket's views")
