"""Agents at work over the gateway's HTTP API: who they are, and the data they make.

- `AgentLogin` / `create_agent(system, admin_api)`: a new agent (unique email) created by the
  admin, and signed in. `Desk`: an agent with its HTTP client on the first gateway.
- `new_customer`, `new_ticket`, `move`: make a customer (unique phone number), a ticket, and
  walk a ticket through statuses, asserting each step succeeded.
- `TICKET_FIELDS`, `SLA_FIELDS`, `STORAGE_ONLY_FIELDS`: a ticket's wire shape; `as_stored`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.factories import customer_body, ticket_body, unique_email
from tests.support.system import System

# The ticket schema (plus our `version`): every field a client gets.
TICKET_FIELDS = {
    "ticketId",
    "subject",
    "description",
    "category",
    "subcategory",
    "priority",
    "status",
    "statusHistory",
    "customerId",
    "conversationId",
    "assignedAgent",
    "assignedAt",
    "location",
    "sla",
    "resolvedAt",
    "resolvedBy",
    "resolutionNotes",
    "customerFeedback",
    "notes",
    "tags",
    "isEscalated",
    "escalatedTo",
    "escalationReason",
    "escalatedAt",
    "attachments",
    "source",
    "closedAt",
    "createdAt",
    "updatedAt",
}
SLA_FIELDS = {
    "firstResponseTarget",
    "resolutionTarget",
    "firstResponseAt",
    "firstResponseMet",
    "firstResponseElapsedMs",
    "resolutionMet",
    "elapsedMs",
    "pausedSince",
    "firstResponseDueAt",
    "resolutionDueAt",
    "state",
    "remainingMs",
    "paused",
}
READ_TIME_SLA_FIELDS = {"remainingMs"}
"""Business time left, as of each read: two reads of one version differ only there."""
STORAGE_ONLY_FIELDS = {
    "outbox",
    "searchTerms",
    "idempotencyKey",
    "_id",
    "priorityRank",
    "agentNames",
}
"""What the store keeps beside a ticket and no client ever sees."""


def as_stored(ticket: dict[str, Any]) -> dict[str, Any]:
    """The ticket without its read-time SLA fields (to compare two reads of one version)."""
    sla = {k: v for k, v in ticket["sla"].items() if k not in READ_TIME_SLA_FIELDS}
    return {**ticket, "sla": sla}


@dataclass
class AgentLogin:
    id: str
    email: str
    password: str
    token: str


async def create_agent(
    system: System, admin_api: httpx.AsyncClient, role: str = "agent", **fields: Any
) -> AgentLogin:
    """A new agent (unique email) created by the admin, and signed in."""
    email = unique_email(domain=f"{system.name}.example.com")
    password = "pw-" + uuid.uuid4().hex[:12]
    body = {"email": email, "password": password, "firstName": "Ana", "lastName": "Agent"}
    r = await admin_api.post("/agents", json={**body, "role": role, **fields})
    assert r.status_code == 201, r.text
    token = await system.login(email, password)
    return AgentLogin(r.json()["agent"]["id"], email, password, token)


@dataclass
class Desk:
    """An agent signed in on the first gateway, with its HTTP client."""

    agent: AgentLogin
    api: httpx.AsyncClient

    @property
    def id(self) -> str:
        return self.agent.id


async def new_customer(api: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    r = await api.post("/customers", json=customer_body(**fields))
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
    r = await api.post("/tickets", json=ticket_body(customer_id, **fields), headers=headers)
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
