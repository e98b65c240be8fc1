"""The ticket lifecycle over HTTP: assignment, the transition graph and its history, SLA stamps,
notes, resolution, escalation and customer feedback, and racing writes on one ticket (409 or
merged, never lost)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx

from tests.support.desk import AgentLogin, Desk, create_agent, move, new_customer, new_ticket
from tests.support.factories import ai_ticket_request
from tests.support.system import System
from uts_shared.contracts import tickets as contract


async def ai_ticket(system: System, customer_id: str) -> dict[str, Any]:
    """A ticket as the assistant creates it (status new), over the tickets service's RPC."""
    result = await system.rpc.call(contract.CREATE_FROM_AI, ai_ticket_request(customer_id))
    return result.ticket.model_dump(mode="json", by_alias=True)


async def status(api: httpx.AsyncClient, ticket_id: str, to: str, **extra: Any) -> httpx.Response:
    return await api.post(f"/tickets/{ticket_id}/status", json={"status": to, **extra})


ALLOWED = {
    "new": ["open", "resolved", "closed"],
    "open": ["in_progress", "resolved", "closed"],
    "in_progress": ["pending_customer", "waiting_internal", "resolved", "closed"],
    "pending_customer": ["in_progress", "resolved", "closed"],
    "waiting_internal": ["in_progress", "resolved", "closed"],
    "resolved": ["closed", "open"],
    "closed": [],
}


def when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


async def test_assigning_a_new_ticket_opens_it_and_records_it(
    system: System,
    desk: Desk,
    colleague: AgentLogin,
) -> None:
    customer = await new_customer(desk.api)
    ticket = await ai_ticket(system, customer["id"])
    assert (ticket["status"], ticket["source"]) == ("new", "ai")

    r = await desk.api.post(f"/tickets/{ticket['ticketId']}/assign", json={"agentId": colleague.id})
    assert r.status_code == 200, r.text
    assigned = r.json()["ticket"]
    assert assigned["status"] == "open"
    assert assigned["assignedAgent"] == colleague.id
    assert assigned["assignedAt"] is not None
    last = assigned["statusHistory"][-1]
    assert (last["from"], last["to"], last["changedBy"]) == ("new", "open", desk.id)

    r = await desk.api.post(f"/tickets/{ticket['ticketId']}/assign", json={})
    assert r.status_code == 422
    assert [d["field"] for d in r.json()["details"]] == ["agentId"]


async def test_assigning_or_escalating_to_no_active_agent_is_404_naming_the_field(
    system: System, admin_api: httpx.AsyncClient, desk: Desk
) -> None:
    gone = await create_agent(system, admin_api)
    r = await admin_api.post(f"/agents/{gone.id}/deactivate")
    assert r.status_code == 200, r.text
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    tid = ticket["ticketId"]
    for who in ("no-such-agent", gone.id):
        r = await desk.api.post(f"/tickets/{tid}/assign", json={"agentId": who})
        assert r.status_code == 404, r.text
        assert [d["field"] for d in r.json()["details"]] == ["agentId"]
        r = await desk.api.post(f"/tickets/{tid}/escalate", json={"toAgentId": who, "reason": "x"})
        assert r.status_code == 404, r.text
        assert [d["field"] for d in r.json()["details"]] == ["toAgentId"]
    stored = (await desk.api.get(f"/tickets/{tid}")).json()["ticket"]
    assert (stored["assignedAgent"], stored["isEscalated"], stored["version"]) == (
        None,
        False,
        ticket["version"],
    )
    r = await desk.api.post("/conversations", json={"customerId": customer["id"]})
    conversation = r.json()["conversation"]["id"]
    r = await desk.api.patch(
        f"/conversations/{conversation}", json={"status": "assigned", "assignedAgent": gone.id}
    )
    assert r.status_code == 404, r.text
    assert [d["field"] for d in r.json()["details"]] == ["assignedAgent"]


async def test_the_transition_graph_over_http(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    tid = ticket["ticketId"]
    walk = [
        "in_progress",
        "pending_customer",
        "in_progress",
        "waiting_internal",
        "in_progress",
        "resolved",
        "open",  # reopened
        "in_progress",
        "resolved",
        "closed",
    ]
    for to in walk:
        r = await status(desk.api, tid, to, reason=f"to {to}")
        assert r.status_code == 200, (to, r.text)
        assert r.json()["ticket"]["status"] == to
        assert r.json()["ticket"]["allowedNextStatuses"] == ALLOWED[to]
    r = await status(desk.api, tid, "open")
    assert r.status_code == 409, r.text
    assert r.json()["allowed"] == []


async def test_illegal_transition_is_409_naming_the_allowed_states(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    tid = ticket["ticketId"]
    assert ticket["allowedNextStatuses"] == ["in_progress", "resolved", "closed"]
    r = await status(desk.api, tid, "pending_customer")
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["success"] is False
    assert body["allowed"] == ["in_progress", "resolved", "closed"]
    assert "in_progress" in body["error"]

    await move(desk.api, tid, "in_progress")
    r = await status(desk.api, tid, "new")
    assert r.status_code == 409
    assert sorted(r.json()["allowed"]) == [
        "closed",
        "pending_customer",
        "resolved",
        "waiting_internal",
    ]
    r = await status(desk.api, tid, "archived")
    assert r.status_code == 422
    current = (await desk.api.get(f"/tickets/{tid}")).json()["ticket"]
    assert current["status"] == "in_progress"


async def test_history_records_the_real_previous_status_every_time(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    tid = ticket["ticketId"]
    before = len(ticket["statusHistory"])
    walk = ["in_progress", "pending_customer", "in_progress", "waiting_internal", "in_progress"]
    await move(desk.api, tid, *walk)
    r = await status(desk.api, tid, "resolved", reason="listo")
    history = r.json()["ticket"]["statusHistory"][before:]
    froms = ["open", *walk]
    assert [(h["from"], h["to"]) for h in history] == list(
        zip(froms, [*walk, "resolved"], strict=True)
    )
    assert all(h["changedBy"] == desk.id for h in history)
    assert history[-1]["reason"] == "listo"
    stamps = [when(h["timestamp"]) for h in history]
    assert stamps == sorted(stamps)


async def test_sla_stamps_first_response_resolution_and_closing(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"], priority="high")
    tid = ticket["ticketId"]
    assert ticket["sla"]["firstResponseAt"] is None
    assert ticket["sla"]["firstResponseTarget"] == 60 * 60 * 1000

    first = await move(desk.api, tid, "in_progress")
    responded = first["sla"]["firstResponseAt"]
    assert responded is not None
    assert first["sla"]["firstResponseMet"] is True
    again = await move(desk.api, tid, "pending_customer", "in_progress")
    assert again["sla"]["firstResponseAt"] == responded  # only the first move counts

    resolved = (await status(desk.api, tid, "resolved", reason="Foco cambiado")).json()["ticket"]
    assert resolved["resolutionNotes"] == "Foco cambiado"
    assert resolved["resolvedAt"] is not None
    assert resolved["resolvedBy"] == desk.id
    assert resolved["sla"]["resolutionMet"] is True
    assert resolved["closedAt"] is None
    closed = await move(desk.api, tid, "closed")
    assert closed["closedAt"] is not None
    assert when(closed["closedAt"]) >= when(resolved["resolvedAt"]) >= when(responded)


async def test_notes_are_internal_unless_said_otherwise(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    tid = ticket["ticketId"]
    r = await desk.api.post(f"/tickets/{tid}/notes", json={"content": "Cliente molesto"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True
    note = body["note"]
    assert (note["content"], note["isInternal"], note["agentId"]) == (
        "Cliente molesto",
        True,
        desk.id,
    )
    assert note["id"] and note["timestamp"]
    assert body["ticket"]["notes"][-1] == note

    r = await desk.api.post(
        f"/tickets/{tid}/notes", json={"content": "Técnico en camino", "isInternal": False}
    )
    assert r.json()["note"]["isInternal"] is False
    full = (await desk.api.get(f"/tickets/{tid}")).json()["ticket"]
    assert [n["isInternal"] for n in full["notes"]] == [True, False]

    for bad in ({}, {"content": "   "}, {"content": "x", "agentId": "other"}):
        r = await desk.api.post(f"/tickets/{tid}/notes", json=bad)
        assert r.status_code == 422, (bad, r.text)


async def test_resolve_needs_notes_and_records_them(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    tid = ticket["ticketId"]
    for bad in ({}, {"resolutionNotes": ""}, {"resolutionNotes": "  "}):
        r = await desk.api.post(f"/tickets/{tid}/resolve", json=bad)
        assert r.status_code == 422, (bad, r.text)
        assert [d["field"] for d in r.json()["details"]] == ["resolutionNotes"]
    r = await status(desk.api, tid, "resolved")  # by name too: the reason is the notes
    assert r.status_code == 422, r.text
    assert [d["field"] for d in r.json()["details"]] == ["reason"]

    r = await desk.api.post(f"/tickets/{tid}/resolve", json={"resolutionNotes": "Cambio de foco"})
    assert r.status_code == 200, r.text  # straight from open
    resolved = r.json()["ticket"]
    assert (resolved["status"], resolved["resolutionNotes"], resolved["resolvedBy"]) == (
        "resolved",
        "Cambio de foco",
        desk.id,
    )
    assert resolved["allowedNextStatuses"] == ["closed", "open"]


async def test_resolve_and_close_from_any_open_state(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    for walk in ([], ["in_progress"], ["in_progress", "pending_customer"]):
        ticket = await new_ticket(desk.api, customer["id"])
        tid = ticket["ticketId"]
        await move(desk.api, tid, *walk)
        r = await desk.api.post(f"/tickets/{tid}/resolve", json={"resolutionNotes": "Listo"})
        assert r.status_code == 200, (walk, r.text)

        other = (await new_ticket(desk.api, customer["id"]))["ticketId"]
        await move(desk.api, other, *walk)
        r = await status(desk.api, other, "closed")
        assert r.status_code == 422, r.text
        assert [d["field"] for d in r.json()["details"]] == ["reason"]
        r = await status(desk.api, other, "closed", reason="spam")
        assert r.status_code == 200, r.text
        closed = r.json()["ticket"]
        assert (closed["status"], closed["closeReason"], closed["allowedNextStatuses"]) == (
            "closed",
            "spam",
            [],
        )
        assert closed["statusHistory"][-1]["reason"] == "spam"
    r = await desk.api.post(f"/tickets/{other}/resolve", json={"resolutionNotes": "tarde"})
    assert r.status_code == 409, r.text
    assert r.json()["allowed"] == []
    page = (await desk.api.get("/tickets", params={"customerId": customer["id"]})).json()
    assert {t["status"]: t["allowedNextStatuses"] for t in page["tickets"]} == {
        "resolved": ALLOWED["resolved"],
        "closed": [],
    }


async def test_escalate_flags_and_reassigns(
    desk: Desk,
    colleague: AgentLogin,
) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"], assignToSelf=True)
    tid = ticket["ticketId"]
    r = await desk.api.post(f"/tickets/{tid}/escalate", json={"toAgentId": colleague.id})
    assert r.status_code == 422
    r = await desk.api.post(
        f"/tickets/{tid}/escalate", json={"toAgentId": colleague.id, "reason": "Cliente VIP"}
    )
    assert r.status_code == 200, r.text
    escalated = r.json()["ticket"]
    assert escalated["isEscalated"] is True
    assert escalated["escalatedTo"] == colleague.id
    assert escalated["escalationReason"] == "Cliente VIP"
    assert escalated["escalatedAt"] is not None
    assert escalated["assignedAgent"] == colleague.id


async def test_feedback_only_on_resolved_or_closed_tickets(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    tid = ticket["ticketId"]
    r = await desk.api.post(f"/tickets/{tid}/feedback", json={"rating": 5})
    assert r.status_code == 409, r.text
    assert sorted(r.json()["allowed"]) == ["closed", "resolved"]

    for rating in (0, 6, "five"):
        r = await desk.api.post(f"/tickets/{tid}/feedback", json={"rating": rating})
        assert r.status_code == 422, (rating, r.text)
        assert [d["field"] for d in r.json()["details"]] == ["rating"]

    await move(desk.api, tid, "in_progress")
    await status(desk.api, tid, "resolved", reason="Foco cambiado")
    r = await desk.api.post(f"/tickets/{tid}/feedback", json={"rating": 4, "comment": "Rápido"})
    assert r.status_code == 200, r.text
    feedback = r.json()["ticket"]["customerFeedback"]
    assert (feedback["rating"], feedback["comment"]) == (4, "Rápido")
    assert feedback["submittedAt"] is not None
    await move(desk.api, tid, "closed")
    r = await desk.api.post(f"/tickets/{tid}/feedback", json={"rating": 5})
    assert r.status_code == 200


# --- racing writes ------------------------------------------------------------------------------


async def test_two_racing_status_changes_over_http_one_wins_one_is_409(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    tid = ticket["ticketId"]
    path = f"/tickets/{tid}/status"
    answers = await asyncio.gather(
        desk.api.post(path, json={"status": "in_progress", "reason": "a"}),
        desk.api.post(path, json={"status": "in_progress", "reason": "b"}),
    )
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 409], [r.text for r in answers]
    final = (await desk.api.get(f"/tickets/{tid}")).json()["ticket"]
    moves = [(h["from"], h["to"]) for h in final["statusHistory"]]
    assert moves.count(("open", "in_progress")) == 1, moves
    assert final["version"] == ticket["version"] + 1

    # Two agents editing from the same version: one lands, the other is told (never lost).
    answers = await asyncio.gather(
        desk.api.put(f"/tickets/{tid}", json={"subject": "A", "expectedVersion": final["version"]}),
        desk.api.put(f"/tickets/{tid}", json={"subject": "B", "expectedVersion": final["version"]}),
    )
    assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
    [winner] = [r.json()["ticket"]["subject"] for r in answers if r.status_code == 200]
    stored = (await desk.api.get(f"/tickets/{tid}")).json()["ticket"]
    assert stored["subject"] == winner


async def test_racing_unconditional_writes_over_http_are_merged_or_refused_never_lost(
    desk: Desk, colleague: AgentLogin
) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    tid = ticket["ticketId"]
    notes = [f"nota {i}" for i in range(8)]
    answers = await asyncio.gather(
        *(desk.api.post(f"/tickets/{tid}/notes", json={"content": n}) for n in notes),
        desk.api.put(f"/tickets/{tid}", json={"tags": ["carrera"]}),
        desk.api.post(f"/tickets/{tid}/assign", json={"agentId": colleague.id}),
    )
    assert all(r.status_code in (200, 409) for r in answers), [r.text for r in answers]
    landed = [r for r in answers if r.status_code == 200]
    final = (await desk.api.get(f"/tickets/{tid}")).json()["ticket"]
    kept = sorted(n["content"] for n in final["notes"])
    wanted = sorted(n for n, r in zip(notes, answers, strict=False) if r.status_code == 200)
    assert kept == wanted  # every acknowledged note is there, nothing else
    if answers[8].status_code == 200:
        assert final["tags"] == ["carrera"]
    if answers[9].status_code == 200:
        assert final["assignedAgent"] == colleague.id
    assert final["version"] == ticket["version"] + len(landed)
