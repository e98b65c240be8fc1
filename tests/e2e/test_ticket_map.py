"""`GET /tickets/map` over HTTP: the located open tickets as points, the list's filters (a bad one
is a 422 naming it), the caller's visibility, an ETag that a change moves (304 while none did)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.desk import create_agent, new_customer, new_ticket
from tests.support.factories import unique_word
from tests.support.system import System

HERE = {"address": "Juárez 14", "coordinates": {"latitude": 19.4326, "longitude": -99.1332}}


def points(answer: httpx.Response) -> list[dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["points"]
    return found


async def test_the_map_answers_located_open_tickets_and_a_change_moves_its_etag(
    admin_api: httpx.AsyncClient,
) -> None:
    customer, word = await new_customer(admin_api), unique_word()
    urgent = await new_ticket(
        admin_api, customer["id"], subject=f"Poste {word}", location=HERE, priority="urgent"
    )
    await new_ticket(admin_api, customer["id"], subject=f"Poste {word} sin lugar")
    asked = {"search": word}

    first = await admin_api.get("/tickets/map", params=asked)
    [point] = points(first)
    assert point == {
        "ticketId": urgent["ticketId"],
        "latitude": 19.4326,
        "longitude": -99.1332,
        "priority": "urgent",
        "status": "open",
        "subject": f"Poste {word}",
        "category": urgent["category"],
        "isProblem": False,
        "incidentCount": 0,
        "slaState": "ok",
    }
    assert first.json()["capped"] is False and first.json()["limit"] == 5000
    tag = first.headers["ETag"]
    again = await admin_api.get("/tickets/map", params=asked, headers={"If-None-Match": tag})
    assert again.status_code == 304

    r = await admin_api.put(f"/tickets/{urgent['ticketId']}", json={"priority": "low"})
    assert r.status_code == 200, r.text
    moved = await admin_api.get("/tickets/map", params=asked, headers={"If-None-Match": tag})
    assert [p["priority"] for p in points(moved)] == ["low"]
    assert moved.headers["ETag"] != tag
    assert points(await admin_api.get("/tickets/map", params={**asked, "priority": "urgent"})) == []

    r = await admin_api.get("/tickets/map", params={"status": "sleeping"})
    assert r.status_code == 422 and "status" in r.text


async def test_a_restricted_agent_sees_only_its_own_and_the_unassigned_on_the_map(
    system: System, admin_api: httpx.AsyncClient
) -> None:
    me, colleague = await create_agent(system, admin_api), await create_agent(system, admin_api)
    customer, word = await new_customer(admin_api), unique_word()
    made = {}
    for who in ("me", "colleague", "nobody"):
        ticket = await new_ticket(admin_api, customer["id"], subject=f"Cable {word}", location=HERE)
        made[who] = ticket["ticketId"]
    for who, agent in (("me", me), ("colleague", colleague)):
        r = await admin_api.post(f"/tickets/{made[who]}/assign", json={"agentId": agent.id})
        assert r.status_code == 200, r.text
    r = await admin_api.put(
        "/config/ticket-visibility", json={"ticketVisibility": "assigned_and_unassigned"}
    )
    assert r.status_code == 200, r.text
    try:
        async with system.api(me.token) as api:
            seen = points(await api.get("/tickets/map", params={"search": word}))
            assert {p["ticketId"] for p in seen} == {made["me"], made["nobody"]}
            mine = points(
                await api.get("/tickets/map", params={"search": word, "assignedAgent": "me"})
            )
            assert [p["ticketId"] for p in mine] == [made["me"]]
    finally:
        r = await admin_api.put("/config/ticket-visibility", json={"ticketVisibility": "all"})
        assert r.status_code == 200, r.text
