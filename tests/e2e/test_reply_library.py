"""Canned replies and macros over the gateway: an agent's own and the shared ones (admins'),
a reply rendered for a ticket with the configured terminology, and a macro applied to a ticket
as one change (If-Match, one new version, its history and notes; all or nothing)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.desk import AgentLogin, Desk, new_customer, new_ticket
from tests.support.factories import unique_word
from tests.support.system import System


async def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_agents_keep_their_own_replies_and_admins_the_shared_ones(
    system: System, admin_api: httpx.AsyncClient, agent_api: httpx.AsyncClient, desk: Desk
) -> None:
    word = unique_word()
    own = (
        await _ok(
            await agent_api.post(
                "/canned-replies",
                json={"title": f"Mía {word}", "shortcut": word, "body": "Hola {customerName}"},
            ),
            201,
        )
    )["reply"]
    refused = await agent_api.post(
        "/canned-replies", json={"title": "Para todos", "body": "Hola", "shared": True}
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["reason"] == "shared_admins_only"
    shared = (
        await _ok(
            await admin_api.post(
                "/canned-replies",
                json={"title": f"Todos {word}", "body": "Gracias", "shared": True},
            ),
            201,
        )
    )["reply"]

    mine = {x["id"] for x in (await _ok(await agent_api.get("/canned-replies")))["replies"]}
    assert {own["id"], shared["id"]} <= mine
    theirs = {x["id"] for x in (await _ok(await desk.api.get("/canned-replies")))["replies"]}
    assert shared["id"] in theirs and own["id"] not in theirs

    r = await desk.api.patch(f"/canned-replies/{own['id']}", json={"body": "x"})
    assert r.status_code == 404, r.text
    r = await agent_api.patch(f"/canned-replies/{shared['id']}", json={"body": "x"})
    assert r.status_code == 403, r.text
    r = await agent_api.patch(f"/canned-replies/{own['id']}", json={"shortcut": None})
    assert (await _ok(r))["reply"]["shortcut"] is None
    r = await agent_api.post("/canned-replies", json={"title": "x", "body": "y", "shortcut": "a b"})
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "shortcut", r.text

    await _ok(await agent_api.delete(f"/canned-replies/{own['id']}"))
    await _ok(await admin_api.delete(f"/canned-replies/{shared['id']}"))
    left = {x["id"] for x in (await _ok(await agent_api.get("/canned-replies")))["replies"]}
    assert not {own["id"], shared["id"]} & left


async def test_a_reply_is_rendered_for_a_ticket_with_the_terminology(
    system: System, admin_api: httpx.AsyncClient, desk: Desk
) -> None:
    terminology = (await _ok(await desk.api.get("/config/terminology")))["terminology"]
    customer = await new_customer(desk.api, firstName="Lucía", lastName="Hernández")
    ticket = await new_ticket(desk.api, customer["id"])
    reply = (
        await _ok(
            await desk.api.post(
                "/canned-replies",
                json={
                    "title": "Recibido",
                    "body": "Hola {customerName}: su {ticketSingular} {ticketId} lo atiende "
                    "{agentName}.",
                },
            ),
            201,
        )
    )["reply"]
    rendered = await _ok(
        await desk.api.post(
            f"/canned-replies/{reply['id']}/render", json={"ticketId": ticket["ticketId"]}
        )
    )
    assert rendered["text"] == (
        f"Hola Lucía Hernández: su {terminology['ticketSingular']} {ticket['ticketId']} "
        "lo atiende Ana Agent."
    )
    r = await desk.api.post(
        f"/canned-replies/{reply['id']}/render", json={"ticketId": "LUX-2020-999999"}
    )
    assert r.status_code == 404, r.text


async def test_a_macro_applies_as_one_change_or_not_at_all(
    system: System, desk: Desk, colleague: AgentLogin
) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"], tags=["poste"])
    r = await desk.api.post(
        "/macros", json={"title": "x", "actions": {"assignee": "nobody-at-all"}}
    )
    assert r.status_code == 404 and r.json()["details"][0]["field"] == "actions.assignee"
    macro = (
        await _ok(
            await desk.api.post(
                "/macros",
                json={
                    "title": "En curso",
                    "actions": {
                        "assignee": colleague.id,
                        "status": "in_progress",
                        "priority": "urgent",
                        "addTags": ["cuadrilla"],
                        "note": "Atendido por {agentName}",
                    },
                },
            ),
            201,
        )
    )["macro"]
    assert macro["assigneeName"] == "Ana Agent"
    listed = (await _ok(await desk.api.get("/macros")))["macros"]
    assert macro["id"] in {m["id"] for m in listed}

    path = f"/tickets/{ticket['ticketId']}/macros/{macro['id']}"
    stale = await desk.api.post(path, headers={"If-Match": f'"{ticket["version"] + 5}"'})
    assert stale.status_code == 412, stale.text
    r = await desk.api.post(path, headers={"If-Match": f'"{ticket["version"]}"'})
    applied = await _ok(r)
    assert r.headers["ETag"] == f'"{ticket["version"] + 1}"'
    assert applied["changes"] == ["assignee", "status", "priority", "tags", "note"]
    after = applied["ticket"]
    assert after["version"] == ticket["version"] + 1
    assert (after["assignedAgent"], after["status"], after["priority"]) == (
        colleague.id,
        "in_progress",
        "urgent",
    )
    assert after["tags"] == ["poste", "cuadrilla"]
    assert [(h["from"], h["to"]) for h in after["statusHistory"]] == [("open", "in_progress")]
    assert [n["content"] for n in after["notes"]] == ["Atendido por Ana Agent"]
    assert applied["reply"] is None

    refused = await desk.api.post(path)  # in_progress -> in_progress: nothing; the rest holds
    assert (await _ok(refused))["changes"] == ["note"]
    back = (
        await _ok(
            await desk.api.post(
                "/macros",
                json={"title": "Reabrir", "actions": {"status": "open", "priority": "low"}},
            ),
            201,
        )
    )["macro"]
    before = (await _ok(await desk.api.get(f"/tickets/{ticket['ticketId']}")))["ticket"]
    r = await desk.api.post(f"/tickets/{ticket['ticketId']}/macros/{back['id']}")
    assert r.status_code == 409 and r.json()["allowed"], r.text
    now = (await _ok(await desk.api.get(f"/tickets/{ticket['ticketId']}")))["ticket"]
    assert (now["version"], now["priority"]) == (before["version"], "urgent")


async def test_another_agents_personal_macro_is_not_found(
    system: System, desk: Desk, agent_api: httpx.AsyncClient
) -> None:
    macro = (
        await _ok(
            await agent_api.post("/macros", json={"title": "Mía", "actions": {"priority": "low"}}),
            201,
        )
    )["macro"]
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    r = await desk.api.post(f"/tickets/{ticket['ticketId']}/macros/{macro['id']}")
    assert r.status_code == 404, r.text
    r = await desk.api.patch(f"/macros/{macro['id']}", json={"title": "Robada"})
    assert r.status_code == 404, r.text
    r = await agent_api.post(
        "/macros", json={"title": "Todos", "shared": True, "actions": {"priority": "low"}}
    )
    assert r.status_code == 403, r.text
