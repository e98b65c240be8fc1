"""What the tickets end-to-end tests share: signed-in agents, data builders, a Socket.IO listener.

Every test makes its own customer (a random phone number) and scopes its queries by it, so tests
sharing the session's system never see each other's tickets.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import socketio

from tests.e2e.conftest import AgentLogin, System, create_agent

CATEGORY = "light_malfunction"
EVENT_NAMES = (
    "ticket_created",
    "ticket_updated",
    "ticket_assigned",
    "ticket_note_added",
    "ticket_resolved",
    "ticket_escalated",
)


@dataclass
class Desk:
    """An agent signed in on the first gateway, with its HTTP client."""

    agent: AgentLogin
    api: httpx.AsyncClient

    @property
    def id(self) -> str:
        return self.agent.id


@pytest.fixture(scope="session")
async def desk(system: System, admin_api: httpx.AsyncClient) -> AsyncIterator[Desk]:
    system.require("tickets")
    agent = await create_agent(system, admin_api)
    async with system.api(agent.token) as api:
        yield Desk(agent, api)


@pytest.fixture(scope="session")
async def colleague(system: System, admin_api: httpx.AsyncClient) -> AgentLogin:
    """A second agent: assignee and escalation target."""
    return await create_agent(system, admin_api)


def mexican_mobile() -> str:
    """A random, valid Mexico City number in E.164 (+52 55 xxxx xxxx)."""
    return "+5255" + "".join(random.choices("0123456789", k=8))


def nonce() -> str:
    """A word no other ticket contains (letters only, so search treats it as one term)."""
    return "zq" + "".join(random.choices("bcdfghjklmnpqrstvwxz", k=10))


async def new_customer(api: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"phoneNumber": mexican_mobile(), "firstName": "Rosa", "lastName": "Cliente", **fields}
    r = await api.post("/customers", json=body)
    assert r.status_code == 201, r.text
    customer: dict[str, Any] = r.json()["customer"]
    return customer


async def new_ticket(
    api: httpx.AsyncClient,
    customer_id: str,
    *,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    body = {
        "subject": "Falla de luminaria en la calle 5",
        "description": "La luminaria parpadea desde ayer por la noche",
        "category": CATEGORY,
        "priority": "medium",
        "customerId": customer_id,
        **fields,
    }
    r = await api.post("/tickets", json=body, headers=headers)
    assert r.status_code == 201, r.text
    ticket: dict[str, Any] = r.json()["ticket"]
    return ticket


async def move(api: httpx.AsyncClient, ticket_id: str, *statuses: str) -> dict[str, Any]:
    """Walk the ticket through `statuses` (each must be allowed); returns the last ticket."""
    ticket: dict[str, Any] = {}
    for status in statuses:
        r = await api.post(f"/tickets/{ticket_id}/status", json={"status": status})
        assert r.status_code == 200, r.text
        ticket = r.json()["ticket"]
    return ticket


def unique_key() -> str:
    return "e2e-" + uuid.uuid4().hex


Match = Callable[[dict[str, Any]], bool]


class Listener:
    """A Socket.IO client (`auth={"token": ...}`) recording every ticket event it receives."""

    def __init__(self, url: str, token: str | None) -> None:
        self.url = url
        self.token = token
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: list[tuple[str, dict[str, Any]]] = []
        self._arrived = asyncio.Condition()
        for name in EVENT_NAMES:
            self.sio.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Callable[[dict[str, Any]], Any]:
        async def record(data: dict[str, Any]) -> None:
            async with self._arrived:
                self.received.append((name, data))
                self._arrived.notify_all()

        return record

    async def __aenter__(self) -> Listener:
        auth = {"token": self.token} if self.token is not None else None
        await self.sio.connect(self.url, auth=auth, transports=["websocket"], wait_timeout=5)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.sio.disconnect()

    def matching(self, name: str, where: Match) -> list[dict[str, Any]]:
        return [data for n, data in self.received if n == name and where(data)]

    async def wait_for(self, name: str, where: Match, timeout: float = 5.0) -> dict[str, Any]:
        """The first `name` event whose payload satisfies `where` (waits up to `timeout`)."""
        async with self._arrived:
            try:
                await asyncio.wait_for(
                    self._arrived.wait_for(lambda: bool(self.matching(name, where))), timeout
                )
            except TimeoutError:
                seen = [(n, d.get("ticketId")) for n, d in self.received[-10:]]
                raise AssertionError(
                    f"no {name} matching within {timeout}s; last: {seen}"
                ) from None
        return self.matching(name, where)[0]

    async def join_ticket(self, ticket_id: str) -> Any:
        return await self.sio.call("join_ticket", {"ticketId": ticket_id}, timeout=5)


def about(ticket_id: str) -> Match:
    """Events naming `ticket_id` (ticket_created carries it inside `ticket`)."""

    def match(data: dict[str, Any]) -> bool:
        return (
            data.get("ticketId") == ticket_id
            or (data.get("ticket") or {}).get("ticketId") == ticket_id
        )

    return match
