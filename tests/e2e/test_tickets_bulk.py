"""`POST /tickets/bulk` over HTTP: one action on many tickets, answered per ticket; the
assignee's name comes from the directory, a filter is the list's own."""

from __future__ import annotations

import httpx

from tests.support.desk import AgentLogin, Desk, new_customer, new_ticket
from tests.support.factories import unique_word


async def test_bulk_assign_answers_each_ticket_and_names_the_assignee(
    admin_api: httpx.AsyncClient, desk: Desk, colleague: AgentLogin
) -> None:
    customer = await new_customer(admin_api)
    first = await new_ticket(admin_api, customer["id"])
    closed = await new_ticket(admin_api, customer["id"])
    await admin_api.post(
        f"/tickets/{closed['ticketId']}/status", json={"status": "closed", "reason": "spam"}
    )
    ids = [first["ticketId"], closed["ticketId"]]

    r = await desk.api.post(
        "/tickets/bulk",
        json={"ticketIds": ids, "action": {"kind": "assign", "agentId": colleague.id}},
    )

    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["outcome"] for x in body["results"]] == ["done", "refused"]
    assert body["results"][1]["reason"] == "conflict"
    assert body["results"][1]["params"] == {"status": "closed"}
    assert (body["done"], body["refused"], body["matched"]) == (1, 1, 2)
    ticket = (await desk.api.get(f"/tickets/{first['ticketId']}")).json()["ticket"]
    assert ticket["assignedAgent"] == colleague.id and ticket["assignedAgentName"] == "Ana Agent"


async def test_bulk_by_filter_changes_the_lists_matches(
    admin_api: httpx.AsyncClient, desk: Desk
) -> None:
    word = unique_word()
    customer = await new_customer(admin_api)
    for _ in range(2):
        await new_ticket(admin_api, customer["id"], subject=f"Falla {word}")
    filters = {"search": word, "assignedAgent": "unassigned"}

    r = await desk.api.post(
        "/tickets/bulk", json={"filter": filters, "action": {"kind": "assign", "agentId": desk.id}}
    )

    assert r.status_code == 200, r.text
    assert (r.json()["done"], r.json()["matched"], r.json()["capped"]) == (2, 2, False)
    mine = await desk.api.get("/tickets", params={"search": word, "assignedAgent": "me"})
    assert mine.json()["pagination"]["total"] == 2


async def test_bulk_refuses_a_request_without_tickets_an_unknown_agent_and_macros(
    admin_api: httpx.AsyncClient, desk: Desk
) -> None:
    customer = await new_customer(admin_api)
    ids = [(await new_ticket(admin_api, customer["id"]))["ticketId"]]
    neither = await desk.api.post(
        "/tickets/bulk", json={"action": {"kind": "priority", "priority": "high"}}
    )
    assert neither.status_code == 422 and "ticketIds" in neither.text
    too_many = await desk.api.post(
        "/tickets/bulk",
        json={
            "ticketIds": [f"T-{n}" for n in range(501)],
            "action": {"kind": "close", "reason": "x"},
        },
    )
    assert too_many.status_code == 422
    nobody = await desk.api.post(
        "/tickets/bulk", json={"ticketIds": ids, "action": {"kind": "assign", "agentId": "nobody"}}
    )
    assert nobody.status_code == 404 and "action.agentId" in nobody.text
    macro = await desk.api.post(
        "/tickets/bulk", json={"ticketIds": ids, "action": {"kind": "macro", "macroId": "m1"}}
    )
    assert macro.status_code == 200, macro.text
    assert {item["reason"] for item in macro.json()["results"]} == {"macro_not_found"}
