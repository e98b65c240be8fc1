"""Tickets over HTTP: create, get (every field of the schema, none of the store's), list (filters,
pagination, sort, search), stats, update, idempotent create, and what the gateway refuses (no
token, unknown ids, operators in queries and bodies)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.support.desk import (
    SLA_FIELDS,
    STORAGE_ONLY_FIELDS,
    TICKET_FIELDS,
    AgentLogin,
    Desk,
    as_stored,
    move,
    new_customer,
    new_ticket,
)
from tests.support.factories import CATEGORY, ai_ticket_request, unique_key, unique_word
from tests.support.system import System
from tests.support.waiting import until_passes
from uts_shared.contracts import tickets as contract
from uts_shared.contracts.base import MAX_PAGE

NO_TOKEN_ROUTES = [
    ("GET", "/tickets"),
    ("GET", "/tickets/stats/summary"),
    ("GET", "/tickets/LUX-2026-000001"),
    ("POST", "/tickets"),
    ("PUT", "/tickets/LUX-2026-000001"),
    ("POST", "/tickets/LUX-2026-000001/assign"),
    ("POST", "/tickets/LUX-2026-000001/status"),
    ("POST", "/tickets/LUX-2026-000001/notes"),
    ("POST", "/tickets/LUX-2026-000001/resolve"),
    ("POST", "/tickets/LUX-2026-000001/escalate"),
    ("POST", "/tickets/LUX-2026-000001/feedback"),
    ("GET", "/customers"),
    ("POST", "/customers"),
    ("GET", "/customers/c1"),
    ("GET", "/customers/c1/tickets"),
    ("GET", "/conversations"),
    ("POST", "/conversations"),
    ("GET", "/conversations/c1"),
    ("PATCH", "/conversations/c1"),
    ("GET", "/conversations/c1/tickets"),
]


def ids(page: dict[str, Any]) -> set[str]:
    return {t["ticketId"] for t in page["tickets"]}


async def listing(api: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    r = await api.get("/tickets", params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["success"] is True
    return body


async def test_every_route_needs_a_token(system: System, anon_api: httpx.AsyncClient) -> None:
    system.require("tickets")
    for method, path in NO_TOKEN_ROUTES:
        r = await anon_api.request(method, path, json={})
        assert r.status_code == 401, (method, path, r.text)
        assert r.json()["success"] is False
    r = await anon_api.get("/tickets", headers={"Authorization": "Bearer not-a-jwt"})
    assert r.status_code == 401


async def test_agent_creates_an_open_ticket_from_the_agent_source(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    r = await desk.api.post(
        "/tickets",
        json={
            "subject": "  Poste caído  ",
            "description": "Un poste de luz cayó sobre la banqueta",
            "category": CATEGORY,
            "priority": "urgent",
            "customerId": customer["id"],
            "tags": ["poste", "urgente"],
            "location": {
                "address": "Calle 5",
                "coordinates": {"latitude": 19.4, "longitude": -99.1},
            },
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["success"] is True
    ticket = body["ticket"]
    assert re.match(r"^[A-Z]+-(\d{4}-)?\d+$", ticket["ticketId"]), ticket["ticketId"]
    assert ticket["subject"] == "Poste caído"
    assert ticket["status"] == "open"
    assert ticket["source"] == "agent"
    assert ticket["customerId"] == customer["id"]
    assert ticket["tags"] == ["poste", "urgente"]
    assert ticket["location"]["coordinates"] == {"latitude": 19.4, "longitude": -99.1}
    assert ticket["sla"]["firstResponseTarget"] == 15 * 60 * 1000
    assert ticket["sla"]["resolutionTarget"] == 4 * 60 * 60 * 1000
    assert ticket["assignedAgent"] is None
    assert r.headers["Location"] == f"/api/v2/tickets/{ticket['ticketId']}"
    assert r.headers["ETag"] == f'"{ticket["version"]}"'

    r = await desk.api.get(f"/tickets/{ticket['ticketId']}")
    assert r.status_code == 200
    assert r.json()["success"] is True
    assert as_stored(r.json()["ticket"]) == as_stored(ticket)
    assert 0 < r.json()["ticket"]["sla"]["remainingMs"] <= ticket["sla"]["remainingMs"]


async def test_create_assigns_to_the_creating_agent_when_asked(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"], assignToSelf=True)
    assert ticket["assignedAgent"] == desk.id


async def test_create_takes_the_agent_from_the_token_never_the_body(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    body = {
        "subject": "s",
        "description": "d",
        "category": CATEGORY,
        "customerId": customer["id"],
        "agentId": "someone-else",
    }
    r = await desk.api.post("/tickets", json=body)
    assert r.status_code == 422
    assert [d["field"] for d in r.json()["details"]] == ["agentId"]


async def test_create_validates_the_body(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    base = {"subject": "s", "description": "d", "category": CATEGORY, "customerId": customer["id"]}
    cases = [
        ({**base, "subject": "x" * 201}, "subject"),
        ({**base, "priority": "whenever"}, "priority"),
        ({k: v for k, v in base.items() if k != "description"}, "description"),
        ({**base, "status": "closed"}, "status"),
    ]
    for body, field in cases:
        r = await desk.api.post("/tickets", json=body)
        assert r.status_code == 422, (field, r.text)
        assert field in [d["field"] for d in r.json()["details"]], r.text
    r = await desk.api.post("/tickets", json={**base, "category": "not_a_category"})
    assert r.status_code == 422, r.text
    assert CATEGORY in r.text  # names the valid categories


async def test_every_text_and_list_a_client_sends_has_a_maximum(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    one = f"/tickets/{ticket['ticketId']}"
    attachment = {"url": "https://example.com/a.jpg"}
    cases = [
        ("PUT", one, {"location": {"address": "x" * 2_001}}, "location.address"),
        ("PUT", one, {"location": {"description": "x" * 2_001}}, "location.description"),
        ("PUT", one, {"attachments": [attachment] * 21}, "attachments"),
        ("PUT", one, {"attachments": [{"url": "x" * 2_049}]}, "attachments.0.url"),
        ("PUT", one, {"tags": ["t"] * 31}, "tags"),
        ("PUT", one, {"subcategory": "x" * 201}, "subcategory"),
        ("POST", f"{one}/notes", {"content": "x" * 5_001}, "content"),
        ("POST", f"{one}/escalate", {"toAgentId": "a", "reason": "x" * 5_001}, "reason"),
        ("POST", f"{one}/resolve", {"resolutionNotes": "x" * 5_001}, "resolutionNotes"),
        ("POST", f"{one}/status", {"status": "in_progress", "reason": "x" * 2_001}, "reason"),
        ("POST", f"{one}/feedback", {"rating": 5, "comment": "x" * 2_001}, "comment"),
    ]
    for method, path, body, field in cases:
        r = await desk.api.request(method, path, json=body)
        assert r.status_code == 422, (field, r.text)
        assert field in [d["field"] for d in r.json()["details"]], (field, r.text)
    r = await desk.api.get(one)
    assert r.json()["ticket"]["version"] == ticket["version"]  # nothing was written


async def test_every_route_is_404_for_an_unknown_ticket_customer_or_conversation(
    desk: Desk,
) -> None:
    unknown = "LUX-1999-999999"
    for method, path, body in [
        ("GET", f"/tickets/{unknown}", None),
        ("PUT", f"/tickets/{unknown}", {"subject": "x"}),
        ("POST", f"/tickets/{unknown}/status", {"status": "in_progress"}),
        ("POST", f"/tickets/{unknown}/notes", {"content": "x"}),
        ("POST", f"/tickets/{unknown}/assign", {"agentId": desk.id}),
        ("POST", f"/tickets/{unknown}/resolve", {"resolutionNotes": "x"}),
        ("POST", f"/tickets/{unknown}/escalate", {"toAgentId": desk.id, "reason": "x"}),
        ("POST", f"/tickets/{unknown}/feedback", {"rating": 5}),
        ("GET", "/customers/does-not-exist", None),
        ("GET", "/conversations/does-not-exist", None),
        ("PATCH", "/conversations/does-not-exist", {"status": "closed"}),
    ]:
        r = await desk.api.request(method, path, json=body)
        assert r.status_code == 404, (method, path, r.text)
        assert r.json()["success"] is False, (method, path, r.text)


async def test_a_ticket_carries_every_field_of_the_schema_and_none_of_the_stores(
    desk: Desk,
) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(
        desk.api,
        customer["id"],
        subcategory="poste",
        location={"address": "Calle 5", "description": "frente al parque"},
        attachments=[{"url": "https://example.com/foto.jpg", "type": "image"}],
    )
    r = await desk.api.get(f"/tickets/{ticket['ticketId']}")
    full = r.json()["ticket"]
    assert set(full) >= TICKET_FIELDS, TICKET_FIELDS - set(full)
    assert set(full["sla"]) >= SLA_FIELDS, SLA_FIELDS - set(full["sla"])
    assert not (STORAGE_ONLY_FIELDS & set(full)), STORAGE_ONLY_FIELDS & set(full)
    assert full["subcategory"] == "poste"
    assert full["location"]["description"] == "frente al parque"
    assert full["attachments"][0]["url"] == "https://example.com/foto.jpg"
    page = (await desk.api.get("/tickets", params={"customerId": customer["id"]})).json()
    [summary] = page["tickets"]
    assert not (STORAGE_ONLY_FIELDS & set(summary)), STORAGE_ONLY_FIELDS & set(summary)


async def test_same_idempotency_key_gives_the_same_ticket_once(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    headers = {"Idempotency-Key": unique_key()}
    body = {"subject": "s", "description": "d", "category": CATEGORY, "customerId": customer["id"]}
    first = await desk.api.post("/tickets", json=body, headers=headers)
    again = await desk.api.post("/tickets", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert again.json()["ticket"]["ticketId"] == first.json()["ticket"]["ticketId"]
    page = await listing(desk.api, customerId=customer["id"])
    assert page["pagination"]["total"] == 1
    other = await desk.api.post("/tickets", json=body, headers={"Idempotency-Key": unique_key()})
    assert other.status_code == 201
    assert other.json()["ticket"]["ticketId"] != first.json()["ticket"]["ticketId"]


async def test_an_idempotency_key_reused_for_a_different_ticket_is_422_naming_it(
    desk: Desk,
) -> None:
    customer = await new_customer(desk.api)
    headers = {"Idempotency-Key": unique_key()}
    body = {"subject": "s", "description": "d", "category": CATEGORY, "customerId": customer["id"]}
    first = await desk.api.post("/tickets", json=body, headers=headers)
    assert first.status_code == 201, first.text
    other = await desk.api.post("/tickets", json={**body, "subject": "otro"}, headers=headers)
    assert other.status_code == 422, other.text
    assert headers["Idempotency-Key"] in other.json()["error"]
    assert [d["field"] for d in other.json()["details"]] == ["Idempotency-Key"]
    same = await desk.api.post("/tickets", json=body, headers=headers)
    assert same.status_code == 200
    assert as_stored(same.json()["ticket"]) == as_stored(first.json()["ticket"])


async def test_a_change_repeated_with_its_idempotency_key_is_applied_once(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    path = f"/tickets/{ticket['ticketId']}"
    note = {"content": "Llamé al cliente", "isInternal": True}
    headers = {"Idempotency-Key": unique_key()}
    first = await desk.api.post(f"{path}/notes", json=note, headers=headers)
    again = await desk.api.post(f"{path}/notes", json=note, headers=headers)
    assert first.status_code == again.status_code == 200, again.text
    assert again.json()["note"] == first.json()["note"]
    moved = {"Idempotency-Key": unique_key()}
    assert (
        await desk.api.post(f"{path}/status", json={"status": "in_progress"}, headers=moved)
    ).status_code == 200
    repeated = await desk.api.post(f"{path}/status", json={"status": "in_progress"}, headers=moved)
    assert repeated.status_code == 200, (
        repeated.text
    )  # a replay, not an illegal in_progress->in_progress
    final = (await desk.api.get(path)).json()["ticket"]
    assert len(final["notes"]) == 1
    assert [h["to"] for h in final["statusHistory"]] == ["in_progress"]


async def test_an_idempotency_key_reused_for_another_change_is_422_and_applies_nothing(
    desk: Desk,
) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    path = f"/tickets/{ticket['ticketId']}"
    headers = {"Idempotency-Key": unique_key()}
    moved = await desk.api.post(f"{path}/status", json={"status": "in_progress"}, headers=headers)
    assert moved.status_code == 200, moved.text
    for route, body in (
        ("notes", {"content": "Otra cosa", "isInternal": True}),
        ("resolve", {"resolutionNotes": "Reparado"}),
        ("status", {"status": "pending_customer"}),
    ):
        r = await desk.api.post(f"{path}/{route}", json=body, headers=headers)
        assert r.status_code == 422, (route, r.text)
        assert [d["field"] for d in r.json()["details"]] == ["Idempotency-Key"], route
        assert headers["Idempotency-Key"] in r.json()["error"]
    final = (await desk.api.get(path)).json()["ticket"]
    assert (final["status"], final["notes"]) == ("in_progress", [])
    assert [h["to"] for h in final["statusHistory"]] == ["in_progress"]


async def test_a_page_deeper_than_any_list_is_422_naming_page(desk: Desk) -> None:
    for path in ("/tickets", "/customers", "/conversations"):
        r = await desk.api.get(path, params={"page": MAX_PAGE + 1})
        assert r.status_code == 422, (path, r.text)
        assert [d["field"] for d in r.json()["details"]] == ["page"]


async def test_idempotency_key_in_header_and_body_must_agree(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    body = {
        "subject": "s",
        "description": "d",
        "category": CATEGORY,
        "customerId": customer["id"],
        "idempotencyKey": unique_key(),
    }
    r = await desk.api.post("/tickets", json=body, headers={"Idempotency-Key": unique_key()})
    assert r.status_code == 422, r.text
    page = (await desk.api.get("/tickets", params={"customerId": customer["id"]})).json()
    assert page["pagination"]["total"] == 0


async def test_list_filters_by_each_field(
    system: System,
    desk: Desk,
    colleague: AgentLogin,
) -> None:
    customer = await new_customer(desk.api)
    cid = customer["id"]
    r = await desk.api.post("/conversations", json={"customerId": cid})
    conversation = r.json()["conversation"]["id"]
    plain = await new_ticket(desk.api, cid, priority="low", tags=["alpha"])
    billing = await new_ticket(desk.api, cid, category="billing", priority="high")
    chat = await new_ticket(desk.api, cid, conversationId=conversation, tags=["alpha", "beta"])
    working = await new_ticket(desk.api, cid, priority="urgent")
    await move(desk.api, working["ticketId"], "in_progress")
    r = await desk.api.post(
        f"/tickets/{billing['ticketId']}/assign", json={"agentId": colleague.id}
    )
    assert r.status_code == 200
    r = await desk.api.post(
        f"/tickets/{chat['ticketId']}/escalate", json={"toAgentId": colleague.id, "reason": "x"}
    )
    assert r.status_code == 200
    created = await system.rpc.call(
        contract.CREATE_FROM_AI,
        ai_ticket_request(cid, subject="s", description="d"),
    )
    from_ai = created.ticket.ticket_id
    every = {plain["ticketId"], billing["ticketId"], chat["ticketId"], working["ticketId"], from_ai}

    async def only(**params: Any) -> set[str]:
        return ids(await listing(desk.api, customerId=cid, **params))

    assert await only() == every
    assert await only(status="open") == {plain["ticketId"], billing["ticketId"], chat["ticketId"]}
    assert await only(status="in_progress") == {working["ticketId"]}
    assert await only(status="new") == {from_ai}
    assert await only(category="billing") == {billing["ticketId"]}
    assert await only(priority="urgent") == {working["ticketId"]}
    assert await only(priority="low") == {plain["ticketId"]}
    assert await only(assignedAgent=colleague.id) == {billing["ticketId"], chat["ticketId"]}
    assert await only(conversationId=conversation) == {chat["ticketId"]}
    assert await only(tag="alpha") == {plain["ticketId"], chat["ticketId"]}
    assert await only(tag="beta") == {chat["ticketId"]}
    assert await only(isEscalated="true") == {chat["ticketId"]}
    assert await only(isEscalated="false") == every - {chat["ticketId"]}
    assert await only(status="open", tag="alpha", priority="medium") == {chat["ticketId"]}
    page = await listing(desk.api, customerId=cid)
    assert all("notes" not in t for t in page["tickets"])  # lists leave notes out


async def test_list_filters_my_tickets_and_the_unassigned_queue(
    desk: Desk, colleague: AgentLogin
) -> None:
    cid = (await new_customer(desk.api))["id"]
    mine = await new_ticket(desk.api, cid, assignToSelf=True)
    theirs = await new_ticket(desk.api, cid)
    r = await desk.api.post(f"/tickets/{theirs['ticketId']}/assign", json={"agentId": colleague.id})
    assert r.status_code == 200
    nobodys = await new_ticket(desk.api, cid)

    async def only(agent: str) -> set[str]:
        return ids(await listing(desk.api, customerId=cid, assignedAgent=agent))

    assert await only("me") == {mine["ticketId"]}
    assert await only("unassigned") == {nobodys["ticketId"]}
    assert await only(colleague.id) == {theirs["ticketId"]}


async def test_list_filters_take_several_values_comma_separated_or_repeated(desk: Desk) -> None:
    cid = (await new_customer(desk.api))["id"]
    opened = await new_ticket(desk.api, cid, priority="high")
    working = await new_ticket(desk.api, cid, priority="low", category="billing")
    await move(desk.api, working["ticketId"], "in_progress")
    waiting = await new_ticket(desk.api, cid, priority="urgent")
    await move(desk.api, waiting["ticketId"], "in_progress", "pending_customer")

    async def only(query: str) -> set[str]:
        r = await desk.api.get(f"/tickets?customerId={cid}&{query}")
        assert r.status_code == 200, (query, r.text)
        return ids(r.json())

    both = {opened["ticketId"], working["ticketId"]}
    assert await only("status=open,in_progress") == both
    assert await only("status=open&status=in_progress") == both
    assert await only("status=open, in_progress&status=pending_customer") == both | {
        waiting["ticketId"]
    }
    assert await only("priority=urgent,high") == {opened["ticketId"], waiting["ticketId"]}
    assert await only(f"category=billing,{CATEGORY}&priority=low") == {working["ticketId"]}
    r = await desk.api.get("/tickets?status=open,archived")
    assert r.status_code == 422, r.text
    assert r.json()["details"][0]["field"].startswith("status")


async def test_list_filters_by_creation_and_change_times(desk: Desk) -> None:
    cid = (await new_customer(desk.api))["id"]
    first = await new_ticket(desk.api, cid)
    second = await new_ticket(desk.api, cid)
    third = await new_ticket(desk.api, cid)
    at = {t["ticketId"]: t["createdAt"] for t in (first, second, third)}
    everything = set(at)

    async def only(**params: Any) -> set[str]:
        return ids(await listing(desk.api, customerId=cid, **params))

    assert await only(createdFrom=at[second["ticketId"]]) == everything - {first["ticketId"]}
    assert await only(createdTo=at[second["ticketId"]]) == everything - {third["ticketId"]}
    assert await only(createdFrom=at[second["ticketId"]], createdTo=at[second["ticketId"]]) == {
        second["ticketId"]
    }
    assert await only(createdFrom="2000-01-01", createdTo="2000-12-31") == set()

    changed = await move(desk.api, first["ticketId"], "in_progress")
    assert await only(updatedSince=changed["updatedAt"]) == {first["ticketId"]}
    assert await only(updatedSince=at[first["ticketId"]]) == everything

    for field, value in (
        ("createdFrom", "yesterday"),
        ("createdTo", "2026-13-01"),
        ("updatedSince", "soon"),
        ("updatedSince", "0.5"),  # never a Unix time: the document says ISO 8601
        ("createdFrom", "1710408600"),
    ):
        r = await desk.api.get("/tickets", params={field: value})
        assert r.status_code == 422, (field, r.text)
        assert [d["field"] for d in r.json()["details"]] == [field]
    r = await desk.api.get(
        "/tickets", params={"createdFrom": "2026-02-01", "createdTo": "2026-01-01"}
    )
    assert r.status_code == 422, r.text
    assert [d["field"] for d in r.json()["details"]] == ["createdTo"]


async def test_list_filters_by_source_and_resolution_time(desk: Desk, system: System) -> None:
    """The filters the Reports page links with: where tickets came from, when they were resolved."""
    cid = (await new_customer(desk.api))["id"]
    kept = await new_ticket(desk.api, cid)
    done = await new_ticket(desk.api, cid)
    created = await system.rpc.call(contract.CREATE_FROM_AI, ai_ticket_request(cid))
    from_ai = created.ticket.ticket_id
    await move(desk.api, done["ticketId"], "in_progress")
    r = await desk.api.post(f"/tickets/{done['ticketId']}/resolve", json={"resolutionNotes": "ok"})
    assert r.status_code == 200, r.text
    at = r.json()["ticket"]["resolvedAt"]

    async def only(**params: Any) -> set[str]:
        return ids(await listing(desk.api, customerId=cid, **params))

    assert await only(source="agent") == {kept["ticketId"], done["ticketId"]}
    assert await only(source="ai") == {from_ai}
    assert await only(source="ai,agent") == {kept["ticketId"], done["ticketId"], from_ai}
    assert await only(resolvedFrom=at, resolvedTo=at) == {done["ticketId"]}
    assert await only(resolvedFrom=at, source="ai") == set()
    assert await only(resolvedTo="2000-01-01") == set()
    r = await desk.api.get("/tickets/export", params={"customerId": cid, "resolvedFrom": at})
    assert r.status_code == 200, r.text
    assert done["ticketId"] in r.text and kept["ticketId"] not in r.text

    for field, value in (("source", "fax"), ("resolvedFrom", "yesterday")):
        r = await desk.api.get("/tickets", params={field: value})
        assert r.status_code == 422, (field, r.text)
        assert r.json()["details"][0]["field"].startswith(field)
    r = await desk.api.get(
        "/tickets", params={"resolvedFrom": "2026-02-01", "resolvedTo": "2026-01-01"}
    )
    assert r.status_code == 422, r.text
    assert [d["field"] for d in r.json()["details"]] == ["resolvedTo"]


async def test_list_sorts_by_priority_rank_not_alphabetically(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    for priority in ("medium", "urgent", "low", "high"):
        await new_ticket(desk.api, customer["id"], priority=priority)

    async def order(direction: str) -> list[str]:
        page = await listing(
            desk.api, customerId=customer["id"], sortBy="priority", sortOrder=direction
        )
        return [t["priority"] for t in page["tickets"]]

    assert await order("desc") == ["urgent", "high", "medium", "low"]
    assert await order("asc") == ["low", "medium", "high", "urgent"]
    newest_first = await listing(desk.api, customerId=customer["id"])
    created = [t["createdAt"] for t in newest_first["tickets"]]
    assert created == sorted(created, reverse=True)


async def test_list_paginates_with_exact_totals(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    made = [(await new_ticket(desk.api, customer["id"]))["ticketId"] for _ in range(5)]
    first = await listing(desk.api, customerId=customer["id"], limit=2, sortOrder="asc")
    assert first["pagination"] == {"page": 1, "limit": 2, "total": 5, "pages": 3}
    assert [t["ticketId"] for t in first["tickets"]] == made[:2]
    last = await listing(desk.api, customerId=customer["id"], limit=2, page=3, sortOrder="asc")
    assert [t["ticketId"] for t in last["tickets"]] == made[4:]
    beyond = await listing(desk.api, customerId=customer["id"], limit=2, page=4)
    assert beyond["tickets"] == []
    default = await listing(desk.api, customerId=customer["id"])
    assert default["pagination"]["limit"] == 20


@pytest.mark.parametrize(
    "params",
    [{"limit": "0"}, {"limit": "101"}, {"page": "0"}, {"page": "-1"}, {"limit": "many"}],
)
async def test_pagination_out_of_range_is_422(desk: Desk, params: dict[str, str]) -> None:
    r = await desk.api.get("/tickets", params=params)
    assert r.status_code == 422, r.text
    assert [d["field"] for d in r.json()["details"]] == list(params)


@pytest.mark.parametrize(
    "query",
    [
        "status[$ne]=x",
        'customerId={"$gt":""}',
        "assignedAgent[$exists]=true",
        "customerId=$where",
        "tag[]=a",
        "category[$regex]=.*",
        "tag=a&tag=b",
        "status=open&status[$ne]=new",
        "unknownKey=1",
        "status=not-a-status",
        "sortBy=$natural",
    ],
)
async def test_operators_and_unknown_keys_in_the_query_are_422(desk: Desk, query: str) -> None:
    r = await desk.api.get(f"/tickets?{query}")
    assert r.status_code == 422, (query, r.text)
    assert r.json()["success"] is False


async def test_operator_objects_in_bodies_are_422(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    tid = ticket["ticketId"]
    base = {"subject": "s", "description": "d", "category": CATEGORY}
    for method, path, body in [
        ("POST", "/tickets", {**base, "customerId": {"$gt": ""}}),
        ("POST", "/tickets", {**base, "customerId": customer["id"], "category": {"$ne": 1}}),
        ("PUT", f"/tickets/{tid}", {"subject": {"$set": "x"}}),
        ("PUT", f"/tickets/{tid}", {"$set": {"status": "closed"}}),
        ("POST", f"/tickets/{tid}/assign", {"agentId": {"$ne": None}}),
        ("POST", f"/tickets/{tid}/status", {"status": {"$in": ["closed"]}}),
        ("POST", "/customers", {"phoneNumber": {"$gt": ""}}),
        ("POST", "/conversations", {"customerId": {"$ne": None}}),
    ]:
        r = await desk.api.request(method, path, json=body)
        assert r.status_code == 422, (method, path, body, r.text)
    after = (await desk.api.get(f"/tickets/{tid}")).json()["ticket"]
    assert after["version"] == ticket["version"]


async def test_search_finds_tickets_holding_every_word_ignoring_case_and_accents(
    desk: Desk,
) -> None:
    customer = await new_customer(desk.api)
    word = unique_word()
    both = await new_ticket(
        desk.api, customer["id"], subject=f"Iluminación {word} dañada", description="Poste"
    )
    one = await new_ticket(
        desk.api, customer["id"], subject=f"Revisión {word}", description="Sin más detalle"
    )
    await new_ticket(desk.api, customer["id"], subject="Otra cosa", description="Nada que ver")

    page = await listing(desk.api, search=f"ILUMINACION {word.upper()}")
    assert [t["ticketId"] for t in page["tickets"]] == [both["ticketId"]]
    assert page["tickets"][0]["score"] == 2
    assert page["pagination"]["total"] == 1

    accented = await listing(desk.api, search=f"{word} DAÑADA iluminación")
    assert [t["ticketId"] for t in accented["tickets"]] == [both["ticketId"]]
    either = await listing(desk.api, search=word)
    assert [t["ticketId"] for t in either["tickets"]] == [one["ticketId"], both["ticketId"]]
    scoped = await listing(desk.api, search=word, customerId=customer["id"], limit=1)
    assert scoped["pagination"]["total"] == 2
    assert len(scoped["tickets"]) == 1
    by_id = await listing(desk.api, search=one["ticketId"].lower())
    assert [t["ticketId"] for t in by_id["tickets"]] == [one["ticketId"]]
    phrase = await listing(desk.api, search=f'"{word} dañada"')
    assert [t["ticketId"] for t in phrase["tickets"]] == [both["ticketId"]]


async def test_stats_count_by_status_priority_and_escalation(
    desk: Desk,
    colleague: AgentLogin,
) -> None:
    customer = await new_customer(desk.api)
    cid = customer["id"]
    a = await new_ticket(desk.api, cid, priority="urgent")
    b = await new_ticket(desk.api, cid, priority="low")
    await new_ticket(desk.api, cid, priority="low")
    await move(desk.api, a["ticketId"], "in_progress")
    r = await desk.api.post(
        f"/tickets/{b['ticketId']}/escalate", json={"toAgentId": colleague.id, "reason": "vip"}
    )
    assert r.status_code == 200

    r = await desk.api.get("/tickets/stats/summary", params={"customerId": cid})
    assert r.status_code == 200, r.text
    stats = r.json()["stats"]
    assert r.json()["success"] is True
    assert stats["total"] == 3
    assert (stats["open"], stats["inProgress"], stats["resolved"]) == (2, 1, 0)
    assert (stats["urgent"], stats["low"], stats["medium"]) == (1, 2, 0)
    assert stats["escalated"] == 1

    r = await desk.api.get(
        "/tickets/stats/summary", params={"agentId": colleague.id, "customerId": cid}
    )
    assert r.json()["stats"]["total"] == 1
    r = await desk.api.get("/tickets/stats/summary", params={"agentId[$ne]": "x"})
    assert r.status_code == 422


async def test_update_changes_general_fields_only(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"], tags=["a"])
    r = await desk.api.put(
        f"/tickets/{ticket['ticketId']}",
        json={"subject": "Nuevo asunto", "priority": "high", "tags": ["b", "c"]},
    )
    assert r.status_code == 200, r.text
    updated = r.json()["ticket"]
    assert (updated["subject"], updated["priority"], updated["tags"]) == (
        "Nuevo asunto",
        "high",
        ["b", "c"],
    )
    assert updated["description"] == ticket["description"]
    assert updated["status"] == ticket["status"]
    assert updated["version"] > ticket["version"]

    for field, value in [
        ("ticketId", "LUX-2000-000001"),
        ("customerId", "someone"),
        ("createdAt", "2020-01-01T00:00:00Z"),
        ("status", "closed"),
        ("statusHistory", []),
        ("notes", []),
    ]:
        r = await desk.api.put(f"/tickets/{ticket['ticketId']}", json={field: value})
        assert r.status_code == 422, (field, r.text)
        assert [d["field"] for d in r.json()["details"]] == [field]
    again = (await desk.api.get(f"/tickets/{ticket['ticketId']}")).json()["ticket"]
    assert again["customerId"] == customer["id"]
    assert again["version"] == updated["version"]


async def test_update_on_a_stale_version_is_412_by_if_match_and_409_by_expected_version(
    desk: Desk,
) -> None:
    """RFC 9110: a precondition in a header that fails is 412; `expectedVersion` in the body is
    the ticket's own conflict (409)."""
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    path = f"/tickets/{ticket['ticketId']}"
    r = await desk.api.put(path, json={"subject": "first"}, headers={"If-Match": r'"1000"'})
    assert r.status_code == 412, r.text
    assert r.json()["success"] is False
    stale = {"If-Match": r'"1000"'}
    r = await desk.api.post(f"{path}/status", json={"status": "in_progress"}, headers=stale)
    assert r.status_code == 412, r.text
    r = await desk.api.put(path, json={"subject": "first", "expectedVersion": ticket["version"]})
    assert r.status_code == 200, r.text
    r = await desk.api.put(path, json={"subject": "lost", "expectedVersion": ticket["version"]})
    assert r.status_code == 409, r.text
    etag = (await desk.api.get(path)).headers["ETag"]
    r = await desk.api.put(path, json={"subject": "second"}, headers={"If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.json()["ticket"]["subject"] == "second"


async def test_the_changes_feed_hands_out_a_new_ticket_and_a_cursor_to_go_on(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    seen: list[str] = []
    cursor: dict[str, str] = {}

    async def read_to_the_end() -> None:
        while True:
            r = await desk.api.get("/tickets/changes", params={"limit": 100, **cursor})
            assert r.status_code == 200, r.text
            body = r.json()
            seen.extend(t["ticketId"] for t in body["tickets"])
            cursor["cursor"] = body["nextCursor"]
            if not body["hasMore"]:
                break
        assert ticket["ticketId"] in seen

    await until_passes(read_to_the_end, what="the new ticket in the feed", timeout=10)
    r = await desk.api.get("/tickets/changes", params=cursor)
    assert r.status_code == 200 and ticket["ticketId"] not in [
        t["ticketId"] for t in r.json()["tickets"]
    ]
    r = await desk.api.get("/tickets/changes", params={"cursor": "made-up"})
    assert r.status_code == 422
    assert [d["field"] for d in r.json()["details"]] == ["cursor"]


async def test_a_ticket_unchanged_since_its_etag_is_304_without_a_body(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    path = f"/tickets/{ticket['ticketId']}"
    first = await desk.api.get(path)
    etag = first.headers["ETag"]
    same = await desk.api.get(path, headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b""
    assert same.headers["ETag"] == etag
    await desk.api.post(f"{path}/notes", json={"content": "Cambió", "isInternal": True})
    changed = await desk.api.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


async def test_a_method_a_route_does_not_take_is_405_naming_those_it_does(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    r = await desk.api.get(f"/tickets/{ticket['ticketId']}/status")
    assert r.status_code == 405, r.text
    assert r.headers["Allow"] == "POST"
    assert r.json()["success"] is False
    r = await desk.api.delete("/tickets")
    assert r.status_code == 405 and set(r.headers["Allow"].split(", ")) == {"GET", "POST"}
