"""Ticket visibility (seed 001 §2.2): with `assigned_and_unassigned`, an agent who is not an
admin sees only its own tickets and the unassigned ones, in every list, search, read, count and
Socket.IO room; admins see everything; `all` (the default) shows everything to everyone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio

from tests.support.desk import AgentLogin, create_agent, new_customer, new_ticket
from tests.support.factories import unique_word
from tests.support.sockets import Listener, about
from tests.support.system import System
from tests.support.waiting import until_passes

RESTRICTED = "assigned_and_unassigned"


async def set_visibility(admin_api: httpx.AsyncClient, value: str) -> None:
    r = await admin_api.put("/config/ticket-visibility", json={"ticketVisibility": value})
    assert r.status_code == 200, r.text
    assert r.json()["ticketVisibility"] == value


@dataclass
class Desk:
    """A restricted agent, a colleague, a customer and one ticket of each kind."""

    me: AgentLogin
    api: httpx.AsyncClient
    colleague: AgentLogin
    customer: dict[str, Any]
    mine: str
    theirs: str
    nobodys: str
    word: str


@pytest_asyncio.fixture(scope="module")
async def desk(system: System, admin_api: httpx.AsyncClient) -> AsyncIterator[Desk]:
    system.require("config", "tickets")
    me = await create_agent(system, admin_api)
    colleague = await create_agent(system, admin_api)
    word = unique_word()
    customer = await new_customer(admin_api)
    conversation = (
        await admin_api.post("/conversations", json={"customerId": customer["id"]})
    ).json()["conversation"]["id"]
    ids = []
    for assignee in (me.id, colleague.id, None):
        ticket = await new_ticket(
            admin_api, customer["id"], subject=f"Falla {word}", conversationId=conversation
        )
        if assignee is not None:
            r = await admin_api.post(
                f"/tickets/{ticket['ticketId']}/assign", json={"agentId": assignee}
            )
            assert r.status_code == 200, r.text
        ids.append(ticket["ticketId"])
    await set_visibility(admin_api, RESTRICTED)
    try:
        async with system.api(me.token) as api:
            yield Desk(me, api, colleague, {**customer, "conversation": conversation}, *ids, word)
    finally:
        await set_visibility(admin_api, "all")


def ids(page: httpx.Response) -> set[str]:
    assert page.status_code == 200, page.text
    return {t["ticketId"] for t in page.json()["tickets"]}


async def test_the_setting_is_read_by_agents_and_changed_by_admins_only(desk: Desk) -> None:
    r = await desk.api.get("/config/ticket-visibility")
    assert r.status_code == 200, r.text
    assert r.json()["ticketVisibility"] == RESTRICTED
    r = await desk.api.put("/config/ticket-visibility", json={"ticketVisibility": "all"})
    assert r.status_code == 403
    r = await desk.api.put("/config/ticket-visibility", json={"ticketVisibility": "mine"})
    assert r.status_code in (403, 422)


async def test_lists_and_search_show_only_mine_and_the_unassigned(
    desk: Desk, admin_api: httpx.AsyncClient
) -> None:
    cid = desk.customer["id"]
    visible = {desk.mine, desk.nobodys}
    assert ids(await desk.api.get("/tickets", params={"customerId": cid})) == visible
    assert ids(await desk.api.get("/tickets", params={"search": desk.word})) == visible
    assert ids(await desk.api.get(f"/customers/{cid}/tickets")) == visible
    conversation = desk.customer["conversation"]
    assert ids(await desk.api.get(f"/conversations/{conversation}/tickets")) == visible
    only = {"customerId": cid, "assignedAgent": desk.colleague.id}
    assert ids(await desk.api.get("/tickets", params=only)) == set()
    only["assignedAgent"] = "me"
    assert ids(await desk.api.get("/tickets", params=only)) == {desk.mine}
    everything = {desk.mine, desk.theirs, desk.nobodys}
    assert ids(await admin_api.get("/tickets", params={"customerId": cid})) == everything


async def test_a_ticket_i_may_not_see_is_not_found_to_read_or_change(desk: Desk) -> None:
    assert (await desk.api.get(f"/tickets/{desk.mine}")).status_code == 200
    assert (await desk.api.get(f"/tickets/{desk.nobodys}")).status_code == 200
    r = await desk.api.get(f"/tickets/{desk.theirs}")
    assert r.status_code == 404, r.text
    for method, path, body in (
        ("POST", f"/tickets/{desk.theirs}/notes", {"content": "hola"}),
        ("PUT", f"/tickets/{desk.theirs}", {"subject": "otro"}),
        ("POST", f"/tickets/{desk.theirs}/status", {"status": "in_progress"}),
    ):
        r = await desk.api.request(method, path, json=body)
        assert r.status_code == 404, (path, r.text)


async def test_stats_count_mine_and_the_unassigned(
    desk: Desk, admin_api: httpx.AsyncClient
) -> None:
    cid = desk.customer["id"]
    mine = (await desk.api.get("/tickets/stats/summary", params={"customerId": cid})).json()
    everyone = (await admin_api.get("/tickets/stats/summary", params={"customerId": cid})).json()
    assert (mine["stats"]["total"], everyone["stats"]["total"]) == (2, 3)
    overall = (await desk.api.get("/tickets/stats/summary")).json()["stats"]
    assigned = await desk.api.get("/tickets", params={"assignedAgent": "me", "limit": 1})
    nobodys = await desk.api.get("/tickets", params={"assignedAgent": "unassigned", "limit": 1})
    expected = assigned.json()["pagination"]["total"] + nobodys.json()["pagination"]["total"]
    assert overall["total"] == expected
    theirs = {"agentId": desk.colleague.id}
    assert (await desk.api.get("/tickets/stats/summary", params=theirs)).json()["stats"][
        "total"
    ] == 0


async def test_sockets_get_only_the_events_of_tickets_i_may_see(
    system: System, desk: Desk, admin_api: httpx.AsyncClient
) -> None:
    async with Listener(system.gateway_url, desk.me.token) as me:
        refused = await me.join_ticket(desk.theirs)
        assert refused["success"] is False and desk.theirs in refused["error"]
        assert (await me.join_ticket(desk.mine))["success"] is True
        assert (await me.join_ticket(desk.nobodys))["success"] is True

        await admin_api.post(f"/tickets/{desk.theirs}/notes", json={"content": "ajeno"})
        await admin_api.post(f"/tickets/{desk.nobodys}/notes", json={"content": "de nadie"})
        await me.wait_for("ticket_note_added", about(desk.nobodys))
        assert me.matching("ticket_note_added", about(desk.theirs)) == []

        # Given to a colleague: I hear that it left the queue, then nothing more of it (not
        # even through its ticket room, which I had joined).
        r = await admin_api.post(
            f"/tickets/{desk.nobodys}/assign", json={"agentId": desk.colleague.id}
        )
        assert r.status_code == 200, r.text
        await me.wait_for("ticket_assigned", about(desk.nobodys))
        await admin_api.post(f"/tickets/{desk.nobodys}/notes", json={"content": "ya no"})
        await admin_api.post(f"/tickets/{desk.mine}/notes", json={"content": "mío"})
        await me.wait_for("ticket_note_added", about(desk.mine))
        assert len(me.matching("ticket_note_added", about(desk.nobodys))) == 1


async def test_switching_back_to_all_shows_everything_at_once(
    system: System, desk: Desk, admin_api: httpx.AsyncClient
) -> None:
    async with Listener(system.gateway_url, desk.me.token) as me:
        await set_visibility(admin_api, "all")
        try:

            async def sees_theirs() -> None:
                assert (await desk.api.get(f"/tickets/{desk.theirs}")).status_code == 200

            await until_passes(sees_theirs, what="the agent sees their ticket")

            async def hears_theirs() -> None:
                await admin_api.post(f"/tickets/{desk.theirs}/notes", json={"content": "x"})
                await me.wait_for("ticket_note_added", about(desk.theirs), timeout=1.0)

            await until_passes(hears_theirs, what="the agent hears their ticket", timeout=10.0)
        finally:
            await set_visibility(admin_api, RESTRICTED)


async def test_my_write_after_the_ticket_was_reassigned_away_is_not_found(
    desk: Desk, admin_api: httpx.AsyncClient
) -> None:
    ticket = await new_ticket(admin_api, desk.customer["id"], subject=f"Reasignada {desk.word}")
    tid = ticket["ticketId"]
    r = await admin_api.post(f"/tickets/{tid}/assign", json={"agentId": desk.me.id})
    assert r.status_code == 200, r.text
    r = await desk.api.post(f"/tickets/{tid}/notes", json={"content": "mía"})
    assert r.status_code == 200, r.text
    r = await admin_api.post(f"/tickets/{tid}/assign", json={"agentId": desk.colleague.id})
    assert r.status_code == 200, r.text
    r = await desk.api.post(f"/tickets/{tid}/notes", json={"content": "ya no"})
    assert r.status_code == 404, r.text
    r = await desk.api.post(f"/tickets/{tid}/status", json={"status": "in_progress"})
    assert r.status_code == 404, r.text
    notes = (await admin_api.get(f"/tickets/{tid}")).json()["ticket"]["notes"]
    assert [n["content"] for n in notes] == ["mía"]
