"""API tokens for integrating systems, through the real system: admins create them (shown once,
listed without a secret), each scope opens its routes and no others, writes name the token as
their author, a revoked token is refused at once on every gateway, and an `ai:tools` token runs
the assistant's tools."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
import socketio

from tests.support.desk import Desk, new_customer, new_ticket
from tests.support.factories import customer_body, ticket_body, unique_word
from tests.support.system import System
from tests.support.waiting import until_passes


async def create_token(admin_api: httpx.AsyncClient, *scopes: str) -> dict[str, Any]:
    r = await admin_api.post(
        "/api-tokens", json={"name": f"CRM {unique_word()}", "scopes": list(scopes)}
    )
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def read_status(system: System, token: str, base: str | None = None) -> int:
    """The status a `tickets:read` route answers with this token."""
    async with system.api(token, base) as api:
        return (await api.get("/tickets", params={"limit": 1})).status_code


async def test_a_tickets_read_token_reads_tickets_and_is_refused_writes_naming_the_scope(
    system: System, admin_api: httpx.AsyncClient, desk: Desk
) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    created = await create_token(admin_api, "tickets:read")
    async with system.api(created["token"]) as reader:
        r = await reader.get("/tickets", params={"customerId": customer["id"]})
        assert r.status_code == 200, r.text
        assert [t["ticketId"] for t in r.json()["tickets"]] == [ticket["ticketId"]]
        r = await reader.get(f"/tickets/{ticket['ticketId']}")
        assert r.status_code == 200, r.text
        r = await reader.get(f"/customers/{customer['id']}/tickets")
        assert r.status_code == 200, r.text
        assert r.json()["tickets"][0]["ticketId"] == ticket["ticketId"]

        r = await reader.post("/tickets", json=ticket_body(customer["id"]))
        assert r.status_code == 403, r.text
        assert "tickets:write" in r.json()["error"]
        r = await reader.post(f"/tickets/{ticket['ticketId']}/notes", json={"content": "x"})
        assert r.status_code == 403, r.text
        assert "tickets:write" in r.json()["error"]
        r = await reader.post("/customers", json=customer_body())
        assert r.status_code == 403, r.text
        assert "customers:write" in r.json()["error"]


async def test_a_writing_token_files_customers_and_tickets_as_itself(
    system: System, admin_api: httpx.AsyncClient, desk: Desk
) -> None:
    created = await create_token(admin_api, "tickets:read", "tickets:write", "customers:write")
    token_id, name = created["apiToken"]["id"], created["apiToken"]["name"]
    async with system.api(created["token"]) as crm:
        customer = await new_customer(crm)
        r = await crm.post("/tickets", json=ticket_body(customer["id"]))
        assert r.status_code == 201, r.text
        ticket = r.json()["ticket"]
        assert (ticket["createdBy"], ticket["createdByName"]) == (
            f"token:{token_id}",
            f"{name} (API token)",
        )
        r = await crm.post(
            f"/tickets/{ticket['ticketId']}/notes",
            json={"content": "Synced from the CRM", "isInternal": True},
        )
        assert r.status_code in (200, 201), r.text
        r = await crm.post("/conversations", json={"customerId": customer["id"]})
        assert r.status_code == 201, r.text
        r = await crm.post("/tickets", json={**ticket_body(customer["id"]), "assignToSelf": True})
        assert r.status_code == 422, r.text  # a token is nobody to assign a ticket to
        assert [d["field"] for d in r.json()["details"]] == ["assignToSelf"]
    # Agents see what it wrote.
    r = await desk.api.get(f"/tickets/{ticket['ticketId']}")
    assert r.status_code == 200, r.text
    assert r.json()["ticket"]["notes"][-1]["content"] == "Synced from the CRM"


async def test_tokens_are_refused_on_agent_management_config_tokens_and_sockets(
    system: System, admin_api: httpx.AsyncClient, gateway_url: str
) -> None:
    every = ("tickets:read", "tickets:write", "customers:write", "ai:tools")
    created = await create_token(admin_api, *every)
    async with system.api(created["token"]) as api:
        for method, path, body in (
            ("GET", "/agents", None),
            ("POST", "/agents/nobody/deactivate", None),
            ("GET", "/config/console", None),
            ("PUT", "/config/ticket-visibility", {"ticketVisibility": "all"}),
            ("GET", "/api-tokens", None),
            ("POST", "/api-tokens", {"name": "more", "scopes": list(every)}),
            ("DELETE", f"/api-tokens/{created['apiToken']['id']}", None),
        ):
            r = await api.request(method, path, json=body)
            assert r.status_code == 403, (method, path, r.text)
    socket = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await socket.connect(gateway_url, auth={"token": created["token"]}, wait_timeout=5)
    assert await read_status(system, created["token"]) == 200  # not revoked by any of that


async def test_the_token_is_shown_once_and_lists_never_show_a_secret(
    admin_api: httpx.AsyncClient,
) -> None:
    created = await create_token(admin_api, "tickets:read")
    token, view = created["token"], created["apiToken"]
    assert token.startswith(f"uts_{view['id']}_")
    assert view["scopes"] == ["tickets:read"]
    assert view["lastUsedAt"] is None and view["revokedAt"] is None
    r = await admin_api.get("/api-tokens")
    assert r.status_code == 200, r.text
    [listed] = [t for t in r.json()["apiTokens"] if t["id"] == view["id"]]
    assert listed == view
    assert token not in r.text
    assert token.removeprefix(f"uts_{view['id']}_") not in r.text
    assert "secret" not in r.text.lower()


async def test_a_revoked_token_is_refused_at_once_on_every_gateway(
    system: System, admin_api: httpx.AsyncClient, second_gateway_url: str
) -> None:
    created = await create_token(admin_api, "tickets:read")
    token = created["token"]
    assert await read_status(system, token) == 200

    async def works_on_the_other_gateway() -> None:
        assert await read_status(system, token, second_gateway_url) == 200

    # With a database of its own (the embedded engine) it learns the token from the broker.
    await until_passes(works_on_the_other_gateway, what="the token reached the other gateway")

    r = await admin_api.delete(f"/api-tokens/{created['apiToken']['id']}")
    assert r.status_code == 200, r.text
    assert r.json()["apiToken"]["revokedAt"] is not None
    assert await read_status(system, token) == 401  # this gateway: at once

    async def refused_on_the_other_gateway() -> None:
        assert await read_status(system, token, second_gateway_url) == 401

    await until_passes(
        refused_on_the_other_gateway, what="the revocation reached the other gateway", timeout=2
    )
    r = await admin_api.get("/api-tokens")
    [listed] = [t for t in r.json()["apiTokens"] if t["id"] == created["apiToken"]["id"]]
    assert listed["revokedAt"] is not None
    assert listed["lastUsedAt"] is not None  # it was used before
    r = await admin_api.delete(f"/api-tokens/{uuid.uuid4().hex}")
    assert r.status_code == 404, r.text


async def test_only_admins_create_list_or_revoke_tokens(
    admin_api: httpx.AsyncClient, agent_api: httpx.AsyncClient
) -> None:
    created = await create_token(admin_api, "tickets:read")
    r = await agent_api.post("/api-tokens", json={"name": "mine", "scopes": ["tickets:read"]})
    assert r.status_code == 403, r.text
    assert (await agent_api.get("/api-tokens")).status_code == 403
    r = await agent_api.delete(f"/api-tokens/{created['apiToken']['id']}")
    assert r.status_code == 403, r.text


async def test_an_unknown_scope_is_422_naming_scopes(admin_api: httpx.AsyncClient) -> None:
    too_many = ["tickets:read"] * 3 + ["tickets:write"] * 2  # 2 scopes, 5 items: over maxItems
    for scopes in (["tickets:delete"], [], ["tickets:read", "admin"], too_many):
        r = await admin_api.post("/api-tokens", json={"name": "x", "scopes": scopes})
        assert r.status_code == 422, r.text
        assert [d["field"] for d in r.json()["details"]] == ["scopes"], r.text


async def test_an_ai_tools_token_runs_the_assistants_tools(
    system: System, admin_api: httpx.AsyncClient, desk: Desk
) -> None:
    system.require("ai-tools")
    customer = await new_customer(desk.api)
    call = {"callId": f"lookup-{uuid.uuid4().hex[:8]}", "name": "get_ticket_information"}
    body = {"phone": customer["phoneNumber"], "calls": [{**call, "arguments": "{}"}]}
    tools = await create_token(admin_api, "ai:tools")
    async with system.api(tools["token"]) as api:
        r = await api.post("/ai/tool-calls", json=body)
        assert r.status_code == 200, r.text
        [output] = r.json()["outputs"]
        assert output["callId"] == call["callId"]
        assert isinstance(json.loads(output["output"]), dict)
        r = await api.get("/tickets")
        assert r.status_code == 403, r.text
        assert "tickets:read" in r.json()["error"]
    reader = await create_token(admin_api, "tickets:read")
    async with system.api(reader["token"]) as api:
        r = await api.post("/ai/tool-calls", json=body)
        assert r.status_code == 403, r.text
        assert "ai:tools" in r.json()["error"]
