"""Socket.IO on the gateway: only agents with a valid token connect; ticket rooms on request."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import socketio

from tests.support.desk import AgentLogin, new_customer, new_ticket
from tests.support.system import System


@pytest.fixture
async def socket(gateway_url: str, agent: AgentLogin) -> AsyncIterator[socketio.AsyncClient]:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(gateway_url, auth={"token": agent.token}, wait_timeout=5)
    yield client
    await client.disconnect()


@pytest.mark.parametrize(
    "auth",
    [None, {}, {"token": ""}, {"token": "not.a.token"}, {"jwt": "wrong-key"}],
    ids=["no-auth", "empty", "blank-token", "bad-token", "wrong-field"],
)
async def test_connection_without_a_valid_token_is_refused(gateway_url: str, auth: object) -> None:
    client = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(gateway_url, auth=auth, wait_timeout=5)
    assert not client.connected


async def test_agent_with_a_token_connects(socket: socketio.AsyncClient) -> None:
    assert socket.connected


async def test_websocket_transport_is_accepted(gateway_url: str, agent: AgentLogin) -> None:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(
        gateway_url, auth={"token": agent.token}, transports=["websocket"], wait_timeout=5
    )
    try:
        assert client.transport() == "websocket"
    finally:
        await client.disconnect()


async def test_join_and_leave_a_ticket_room_are_acknowledged(
    system: System, socket: socketio.AsyncClient, agent_api: httpx.AsyncClient
) -> None:
    system.require("tickets")
    customer = await new_customer(agent_api)
    tid = (await new_ticket(agent_api, customer["id"]))["ticketId"]
    joined = await socket.call("join_ticket", {"ticketId": tid}, timeout=5)
    assert joined == {"success": True, "room": f"ticket:{tid}"}
    left = await socket.call("leave_ticket", {"ticketId": tid}, timeout=5)
    assert left == {"success": True, "room": f"ticket:{tid}"}


async def test_join_of_a_well_formed_id_of_no_ticket_is_refused_in_the_ack(
    system: System, socket: socketio.AsyncClient
) -> None:
    system.require("tickets")
    answer = await socket.call("join_ticket", {"ticketId": "LUX-1999-999999"}, timeout=5)
    assert answer == {"success": False, "error": "ticketId: no ticket LUX-1999-999999"}


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"ticketId": ""},
        {"ticketId": 7},
        {"ticketId": "x" * 65},
        {"ticketId": "agents"},
        {"ticketId": "agent:someone-else"},
        {"ticketId": "LUX 2026 000001"},
    ],
)
async def test_join_without_a_proper_ticket_id_is_refused_in_the_ack(
    socket: socketio.AsyncClient, data: object
) -> None:
    answer = await socket.call("join_ticket", data, timeout=5)
    assert answer["success"] is False and "ticketId" in answer["error"]
