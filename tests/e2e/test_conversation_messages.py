"""A conversation's messages over HTTP and Socket.IO: the customer's message in, the agent's
reply out (to a webhook and to agents' sockets), the channel system's delivery report, a public
note sent to the customer, the handoff between assistant and agents, and what is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.support.desk import Desk, new_customer, new_ticket
from tests.support.factories import unique_word
from tests.support.sockets import Listener
from tests.support.system import System
from tests.support.webhook_receiver import Receiver, webhook_receiver

CONVERSATION_EVENTS = (
    "conversation_message_created",
    "conversation_message_updated",
    "conversation_handed_off",
)


@pytest_asyncio.fixture
async def sock(system: System, desk: Desk) -> AsyncIterator[Listener]:
    async with Listener(system.gateway_url, desk.agent.token, CONVERSATION_EVENTS) as client:
        yield client


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with webhook_receiver() as receiver:
        yield receiver


async def _conversation(api: httpx.AsyncClient) -> dict[str, Any]:
    customer = await new_customer(api)
    r = await api.post("/conversations", json={"customerId": customer["id"]})
    assert r.status_code == 201, r.text
    conversation: dict[str, Any] = r.json()["conversation"]
    return conversation


def _message(message_id: str) -> Any:
    return lambda data: data["message"]["id"] == message_id


async def test_message_routes_need_a_token(system: System, anon_api: httpx.AsyncClient) -> None:
    system.require("tickets")
    for method, path in [
        ("GET", "/conversations/c1/messages"),
        ("POST", "/conversations/c1/messages"),
        ("POST", "/conversations/c1/messages/m1/delivery"),
        ("POST", "/conversations/c1/handoff"),
    ]:
        r = await anon_api.request(method, path, json={})
        assert r.status_code == 401, (method, path, r.text)


async def test_the_customer_writes_the_agent_replies_and_the_channel_reports_delivery(
    system: System,
    admin_api: httpx.AsyncClient,
    desk: Desk,
    sock: Listener,
    receiver: Receiver,
) -> None:
    system.require("tickets")
    r = await admin_api.post(
        "/webhooks",
        json={
            "url": receiver.url,
            "eventTypes": ["conversation.message_created", "conversation.message_updated"],
            "description": f"Channel {unique_word()}",
        },
    )
    assert r.status_code == 201, r.text
    webhook, secret = r.json()["webhook"], r.json()["secret"]
    try:
        conversation = await _conversation(desk.api)
        path = f"/conversations/{conversation['id']}/messages"
        r = await desk.api.post(
            path,
            json={
                "direction": "inbound",
                "text": "¿Qué pasó con mi reporte?",
                "attachments": [{"url": "https://media.example/poste.jpg", "type": "image/jpeg"}],
            },
        )
        assert r.status_code == 201, r.text
        inbound = r.json()["message"]
        assert (inbound["author"], inbound["delivery"]) == ("customer", "delivered")
        live = await sock.wait_for("conversation_message_created", _message(inbound["id"]))
        assert live["message"]["text"] == "¿Qué pasó con mi reporte?"
        assert live["customerId"] == conversation["customerId"]

        r = await desk.api.post(path, json={"direction": "outbound", "text": "Va mañana"})
        assert r.status_code == 201, r.text
        reply = r.json()["message"]
        assert (reply["author"], reply["agentId"], reply["delivery"]) == (
            "agent",
            desk.id,
            "pending",
        )
        assert reply["agentName"]

        hit = (
            await receiver.received.wait_for(
                lambda h: h.event["data"]["message"]["id"] == reply["id"], timeout=15
            )
        )[0]
        delivered = hit.verified(secret)
        assert delivered["type"] == "conversation.message_created"
        assert delivered["data"]["message"]["direction"] == "outbound"

        r = await desk.api.post(f"{path}/{reply['id']}/delivery", json={"status": "delivered"})
        assert r.status_code == 200, r.text
        assert r.json()["message"]["delivery"] == "delivered"
        updated = await sock.wait_for("conversation_message_updated", _message(reply["id"]))
        assert updated["message"]["delivery"] == "delivered"

        r = await desk.api.get(path)
        assert r.status_code == 200, r.text
        listed = r.json()
        assert [x["id"] for x in listed["messages"]] == [inbound["id"], reply["id"]]
        assert listed["messages"][1]["delivery"] == "delivered"
        assert listed["pagination"]["total"] == 2
    finally:
        r = await admin_api.delete(f"/webhooks/{webhook['id']}")
        assert r.status_code == 200, r.text


async def test_bad_messages_and_reports_are_refused_naming_the_field(desk: Desk) -> None:
    conversation = await _conversation(desk.api)
    path = f"/conversations/{conversation['id']}/messages"
    for body, field in [
        ({"direction": "inbound", "text": ""}, "text"),
        ({"direction": "inbound", "author": "agent", "text": "x"}, "author"),
        ({"direction": "sideways", "text": "x"}, "direction"),
    ]:
        r = await desk.api.post(path, json=body)
        assert r.status_code == 422, (body, r.text)
        assert field in r.text, (body, r.text)
    r = await desk.api.post(
        "/conversations/nope/messages", json={"direction": "inbound", "text": "x"}
    )
    assert r.status_code == 404, r.text
    r = await desk.api.post(path, json={"direction": "outbound", "text": "Hola"})
    message_id = r.json()["message"]["id"]
    r = await desk.api.post(f"{path}/{message_id}/delivery", json={"status": "failed"})
    assert r.status_code == 422 and "reason" in r.text, r.text
    r = await desk.api.post(f"{path}/{message_id}/delivery", json={"status": "pending"})
    assert r.status_code == 422 and "status" in r.text, r.text
    r = await desk.api.post(f"{path}/nope/delivery", json={"status": "read"})
    assert r.status_code == 404, r.text


async def test_a_public_note_is_sent_to_the_customer_and_an_internal_one_never(
    desk: Desk, sock: Listener
) -> None:
    conversation = await _conversation(desk.api)
    ticket = await new_ticket(
        desk.api, conversation["customerId"], conversationId=conversation["id"]
    )
    notes = f"/tickets/{ticket['ticketId']}/notes"
    r = await desk.api.post(
        notes, json={"content": "Cuadrilla mañana", "isInternal": True, "sendToCustomer": True}
    )
    assert r.status_code == 422, r.text
    assert r.json()["details"][0]["field"] == "sendToCustomer"

    r = await desk.api.post(
        notes, json={"content": "Cuadrilla mañana", "isInternal": False, "sendToCustomer": True}
    )
    assert r.status_code == 200, r.text
    note = r.json()["note"]
    r = await desk.api.get(f"/conversations/{conversation['id']}/messages")
    [sent] = r.json()["messages"]
    assert (sent["text"], sent["noteId"], sent["ticketId"]) == (
        "Cuadrilla mañana",
        note["id"],
        ticket["ticketId"],
    )
    assert (sent["direction"], sent["delivery"]) == ("outbound", "pending")
    await sock.wait_for("conversation_message_created", _message(sent["id"]))


async def test_a_conversation_is_handed_to_an_agent_and_back(desk: Desk, sock: Listener) -> None:
    conversation = await _conversation(desk.api)
    assert conversation["handledBy"] == "assistant"
    path = f"/conversations/{conversation['id']}/handoff"
    r = await desk.api.post(path, json={"to": "agent", "agentId": desk.id, "reason": "persona"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["changed"] is True
    assert (body["conversation"]["handledBy"], body["conversation"]["handlingAgent"]) == (
        "agent",
        desk.id,
    )
    told = await sock.wait_for(
        "conversation_handed_off", lambda d: d["conversationId"] == conversation["id"]
    )
    assert (told["handledBy"], told["agentId"], told["by"]) == ("agent", desk.id, desk.id)

    r = await desk.api.post(path, json={"to": "agent", "agentId": "no-such-agent"})
    assert r.status_code == 404, r.text
    r = await desk.api.post(path, json={"to": "assistant", "agentId": desk.id})
    assert r.status_code == 422 and "agentId" in r.text, r.text
    r = await desk.api.post(path, json={"to": "assistant"})
    assert r.status_code == 200 and r.json()["conversation"]["handledBy"] == "assistant"


@pytest.mark.parametrize("status", ["sent", "read"])
async def test_a_report_on_the_customers_own_message_is_a_conflict(desk: Desk, status: str) -> None:
    conversation = await _conversation(desk.api)
    path = f"/conversations/{conversation['id']}/messages"
    r = await desk.api.post(path, json={"direction": "inbound", "text": "Hola"})
    message_id = r.json()["message"]["id"]
    r = await desk.api.post(f"{path}/{message_id}/delivery", json={"status": status})
    assert r.status_code == 409, r.text


async def test_conversations_are_listed_by_handler_and_by_waiting_for_an_answer(
    desk: Desk,
) -> None:
    customer = await new_customer(desk.api)
    ids: list[str] = []
    for _ in range(3):
        r = await desk.api.post("/conversations", json={"customerId": customer["id"]})
        assert r.status_code == 201, r.text
        ids.append(r.json()["conversation"]["id"])
    answered, waiting, handed = ids
    await desk.api.post(
        f"/conversations/{answered}/messages", json={"direction": "inbound", "text": "Hola"}
    )
    r = await desk.api.post(
        f"/conversations/{answered}/messages", json={"direction": "outbound", "text": "Dígame"}
    )
    assert r.status_code == 201, r.text
    r = await desk.api.post(
        f"/conversations/{waiting}/messages", json={"direction": "inbound", "text": "¿Hola?"}
    )
    assert r.status_code == 201, r.text
    r = await desk.api.post(f"/conversations/{handed}/handoff", json={"to": "agent"})
    assert r.status_code == 200, r.text

    async def listed(**query: str) -> list[str]:
        r = await desk.api.get(
            "/conversations", params={"customerId": customer["id"], "limit": "50", **query}
        )
        assert r.status_code == 200, r.text
        return [c["id"] for c in r.json()["conversations"]]

    assert await listed(waiting="true") == [waiting]
    assert set(await listed(waiting="false")) == {answered, handed}
    assert await listed(handledBy="agent") == [handed]
    assert set(await listed(handledBy="assistant")) == {answered, waiting}
    assert await listed(handledBy="assistant", waiting="true") == [waiting]
    r = await desk.api.get(f"/conversations/{waiting}")
    assert r.json()["conversation"]["waiting"] is True
    assert r.json()["conversation"]["lastMessageAt"]
    r = await desk.api.get("/conversations", params={"handledBy": "nobody"})
    assert r.status_code == 422 and "handledBy" in r.text, r.text
