"""SLA clocks through the gateway: an admin sets a policy of seconds, a ticket's warning and
breach reach an agent's Socket.IO client once each, the ticket and the list show the state, and
a customer's reply over HTTP resumes a paused clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.desk import Desk, move, new_customer, new_ticket
from tests.support.sockets import Listener, about
from tests.support.system import System
from tests.support.waiting import until_passes

SECONDS_POLICY: dict[str, Any] = {
    "targets": {"urgent": {"firstResponseMs": 2000, "resolutionMs": 60_000}},
    "calendar": "24x7",
    "warningAt": 0.5,
}


@pytest.fixture
async def seconds_policy(admin_api: httpx.AsyncClient) -> AsyncIterator[dict[str, Any]]:
    r = await admin_api.put("/config/sla", json=SECONDS_POLICY)
    assert r.status_code == 200, r.text
    yield r.json()["policy"]
    r = await admin_api.post("/config/reset/sla_policy")
    assert r.status_code == 200, r.text


async def test_warning_and_breach_reach_agents_live_once_each(
    system: System, desk: Desk, admin_api: httpx.AsyncClient, seconds_policy: dict[str, Any]
) -> None:
    assert seconds_policy["targets"]["urgent"]["firstResponseMs"] == 2000
    customer = await new_customer(desk.api)

    created: list[dict[str, Any]] = []

    async def urgent_ticket_on_the_new_policy() -> None:
        created.append(await new_ticket(desk.api, customer["id"], priority="urgent"))
        assert created[-1]["sla"]["firstResponseTarget"] == 2000

    async with Listener(system.gateway_url, desk.agent.token) as sock:
        await until_passes(
            urgent_ticket_on_the_new_policy, what="a ticket on the new policy", timeout=10
        )
        ticket_id = created[-1]["ticketId"]
        warning = await sock.wait_for("ticket_sla_warning", about(ticket_id), timeout=10)
        breach = await sock.wait_for("ticket_sla_breached", about(ticket_id), timeout=10)
        assert (warning["clock"], breach["clock"]) == ("first_response", "first_response")
        assert breach["targetMs"] == 2000 and breach["elapsedMs"] >= 2000

        r = await desk.api.get(f"/tickets/{ticket_id}")
        sla = r.json()["ticket"]["sla"]
        assert sla["state"] == "breached" and sla["firstResponseBreachedAt"] is not None
        r = await desk.api.get(
            "/tickets", params={"slaState": "breached", "customerId": customer["id"]}
        )
        assert ticket_id in [t["ticketId"] for t in r.json()["tickets"]]
        await move(desk.api, ticket_id, "in_progress")  # a response, late: nothing new raised
        warnings = sock.matching("ticket_sla_warning", about(ticket_id))
        breaches = sock.matching("ticket_sla_breached", about(ticket_id))
        assert (len(warnings), len(breaches)) == (1, 1)


async def test_a_customer_reply_over_http_resumes_a_paused_clock(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    r = await desk.api.post("/conversations", json={"customerId": customer["id"]})
    assert r.status_code == 201, r.text
    conversation = r.json()["conversation"]
    ticket = await new_ticket(desk.api, customer["id"], conversationId=conversation["id"])
    paused = await move(desk.api, ticket["ticketId"], "in_progress", "pending_customer")
    assert paused["sla"]["paused"] is True and paused["sla"]["resolutionDueAt"] is None

    r = await desk.api.post(f"/conversations/{conversation['id']}/customer-replied", json={})
    assert r.status_code == 200, r.text
    assert r.json()["resumed"] == [ticket["ticketId"]]
    r = await desk.api.get(f"/tickets/{ticket['ticketId']}")
    resumed = r.json()["ticket"]
    assert resumed["status"] == "in_progress"
    assert resumed["statusHistory"][-1]["reason"] == "customer replied"
    assert resumed["sla"]["paused"] is False and resumed["sla"]["resolutionDueAt"] is not None

    r = await desk.api.post("/conversations/no-such-conversation/customer-replied", json={})
    assert r.status_code == 404


async def test_a_list_sorts_by_the_next_sla_due_time(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    low = await new_ticket(desk.api, customer["id"], priority="low")
    urgent = await new_ticket(desk.api, customer["id"], priority="urgent")
    done = await new_ticket(desk.api, customer["id"], priority="urgent")
    r = await desk.api.post(f"/tickets/{done['ticketId']}/resolve", json={"resolutionNotes": "ok"})
    assert r.status_code == 200, r.text

    async def listed(order: str) -> list[str]:
        params = {"customerId": customer["id"], "sortBy": "slaDue", "sortOrder": order}
        r = await desk.api.get("/tickets", params=params)
        assert r.status_code == 200, r.text
        return [t["ticketId"] for t in r.json()["tickets"]]

    assert await listed("asc") == [urgent["ticketId"], low["ticketId"], done["ticketId"]]
    assert await listed("desc") == [done["ticketId"], low["ticketId"], urgent["ticketId"]]


async def test_a_customer_reply_is_dated_in_iso_8601_never_a_number(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    r = await desk.api.post("/conversations", json={"customerId": customer["id"]})
    assert r.status_code == 201, r.text
    replied = f"/conversations/{r.json()['conversation']['id']}/customer-replied"
    for occurred_at in (0, 0.5, "1710408600"):
        r = await desk.api.post(replied, json={"occurredAt": occurred_at})
        assert r.status_code == 422, r.text
        assert [d["field"] for d in r.json()["details"]] == ["occurredAt"], r.text
    r = await desk.api.post(replied, json={"occurredAt": "2026-03-14T09:30:00Z"})
    assert r.status_code == 200, r.text
