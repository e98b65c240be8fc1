"""Bulk actions: one action on many tickets, each through the command path on its own (its
own history entry, events and version), answered per ticket, in the caller's visibility."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from pydantic import ValidationError

from tests.support.tickets_helpers import TicketsEnv, tickets_env
from uts_shared.contracts import replies as r
from uts_shared.contracts import tickets as t

S = t.TicketStatus
ME = t.Principal(id="ag-me", kind=t.PrincipalKind.AGENT, role="agent")


@pytest_asyncio.fixture(scope="module")
async def env(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[TicketsEnv]:
    async with tickets_env(rabbit_url, mongo_url) as running:
        yield running


def bulk(action: Any, ids: list[str] | None = None, **fields: Any) -> t.BulkTickets:
    return t.BulkTickets(ticket_ids=ids, action=action, by=fields.pop("by", "lead"), **fields)


async def tickets(env: TicketsEnv, count: int, **fields: Any) -> list[t.TicketView]:
    customer = await env.customer()
    return [await env.ticket(customer, **fields) for _ in range(count)]


async def two_open_and_one_closed(env: TicketsEnv) -> list[t.TicketView]:
    first, second, closed = await tickets(env, 3)
    await env.rpc.call(
        t.CHANGE_STATUS,
        t.ChangeStatus(ticket_id=closed.ticket_id, status=S.CLOSED, reason="spam", by="lead"),
    )
    return [first, second, closed]


async def test_a_bulk_status_change_answers_each_ticket_done_or_refused_with_its_reason(
    env: TicketsEnv,
) -> None:
    first, second, closed = await two_open_and_one_closed(env)
    ids = [first.ticket_id, "NOPE-000000", second.ticket_id, closed.ticket_id]

    result = await env.rpc.call(t.BULK, bulk(t.BulkStatus(status=S.IN_PROGRESS), ids))

    assert [r.ticket_id for r in result.results] == ids
    outcomes = {r.ticket_id: r for r in result.results}
    assert outcomes[first.ticket_id].outcome is t.BulkOutcome.DONE
    assert outcomes[first.ticket_id].version == first.version + 1
    assert outcomes["NOPE-000000"].reason == "not_found"
    refused = outcomes[closed.ticket_id]
    assert refused.outcome is t.BulkOutcome.REFUSED
    assert refused.reason == "illegal_transition"
    assert refused.params["from"] == "closed" and refused.params["allowed"] == []
    assert (result.done, result.refused, result.matched, result.capped) == (2, 2, 4, False)


async def test_each_ticket_of_a_bulk_action_gets_its_own_history_entry_and_events(
    env: TicketsEnv,
) -> None:
    chosen = await tickets(env, 3)
    ids = [ticket.ticket_id for ticket in chosen]

    result = await env.rpc.call(t.BULK, bulk(t.BulkClose(reason="duplicate"), ids))

    assert result.done == 3
    for ticket_id in ids:
        after = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket_id))
        assert after.status is S.CLOSED and after.close_reason == "duplicate"
        assert [(h.to, h.changed_by, h.reason) for h in after.status_history][-1] == (
            S.CLOSED,
            "lead",
            "duplicate",
        )
        (event,) = await env.recorder.wait_one("ticket.updated", ticket_id)
        assert event.data["newStatus"] == "closed"


async def test_a_bulk_assignment_tags_and_priority_go_through_the_command_path(
    env: TicketsEnv,
) -> None:
    chosen = await tickets(env, 2, tags=["noche"])
    ids = [ticket.ticket_id for ticket in chosen]

    assign = t.BulkAssign(agent_id="ag-ana")
    await env.rpc.call(t.BULK, bulk(assign, ids, assignee_name="Ana Ruiz"))
    await env.rpc.call(t.BULK, bulk(t.BulkTag(add=["poste"], remove=["noche"]), ids))
    await env.rpc.call(t.BULK, bulk(t.BulkPriority(priority=t.Priority.URGENT), ids))

    for ticket_id in ids:
        after = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket_id))
        assert (after.assigned_agent, after.assigned_agent_name) == ("ag-ana", "Ana Ruiz")
        assert after.tags == ["poste"] and after.priority is t.Priority.URGENT
        assert after.version == 4
        await env.recorder.wait_one("ticket.assigned", ticket_id)
        await env.recorder.wait_one("ticket.updated", ticket_id, count=2)


async def test_a_bulk_action_leaves_the_tickets_a_restricted_agent_may_not_see(
    env: TicketsEnv,
) -> None:
    nobodys, others = await tickets(env, 2)
    await env.rpc.call(
        t.ASSIGN, t.AssignTicket(ticket_id=others.ticket_id, agent_id="ag-other", by="lead")
    )
    ids = [nobodys.ticket_id, others.ticket_id]

    result = await env.rpc.call(
        t.BULK, bulk(t.BulkPriority(priority=t.Priority.HIGH), ids, by=ME.id, visible_to=ME.id)
    )

    assert [(r.outcome, r.reason) for r in result.results] == [
        (t.BulkOutcome.DONE, None),
        (t.BulkOutcome.REFUSED, "not_found"),
    ]
    untouched = await env.rpc.call(t.GET, t.GetTicket(ticket_id=others.ticket_id))
    assert untouched.priority is not t.Priority.HIGH and untouched.version == others.version + 1


async def test_a_filtered_bulk_action_takes_the_first_matches_up_to_the_cap(
    env: TicketsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag = f"lote{uuid.uuid4().hex[:6]}"
    chosen = await tickets(env, 4, tags=[tag])
    monkeypatch.setattr(t, "MAX_BULK", 3)

    where = t.ListTickets(tag=tag)
    result = await env.rpc.call(
        t.BULK, t.BulkTickets(filter=where, action=t.BulkAssign(agent_id="ag-ana"), by="lead")
    )

    newest_first = [ticket.ticket_id for ticket in reversed(chosen)][:3]
    assert [r.ticket_id for r in result.results] == newest_first
    assert (result.done, result.matched, result.capped) == (3, 4, True)
    oldest = await env.rpc.call(t.GET, t.GetTicket(ticket_id=chosen[0].ticket_id))
    assert oldest.assigned_agent is None


async def test_a_bulk_request_names_at_most_500_tickets(env: TicketsEnv) -> None:
    with pytest.raises(ValidationError):
        bulk(t.BulkAssign(agent_id="ag-ana"), [f"T-{n}" for n in range(501)])


async def test_a_bulk_macro_applies_the_macro_to_each_ticket_as_its_own_change(
    env: TicketsEnv,
) -> None:
    first, second, closed = await two_open_and_one_closed(env)
    actions = r.MacroActions(status=S.OPEN, priority=t.Priority.HIGH, note="Revisar en ronda")
    macro = await env.rpc.call(
        r.MACROS_CREATE, r.CreateMacro(principal=ME, title="Ronda", actions=actions)
    )
    ids = [first.ticket_id, second.ticket_id, closed.ticket_id]

    result = await env.rpc.call(
        t.BULK, bulk(t.BulkMacro(macro_id=macro.id), ids, by=ME.id, principal=ME)
    )

    outcomes = {item.ticket_id: item for item in result.results}
    assert (result.done, result.refused) == (2, 1)
    assert outcomes[closed.ticket_id].reason == "illegal_transition"
    for ticket in (first, second):
        assert outcomes[ticket.ticket_id].version == ticket.version + 1
        changed = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket.ticket_id))
        assert (changed.status, changed.priority) == (S.OPEN, t.Priority.HIGH)
        assert [n.content for n in changed.notes] == ["Revisar en ronda"]
    unknown = await env.rpc.call(
        t.BULK, bulk(t.BulkMacro(macro_id="no-such-macro"), [first.ticket_id], principal=ME)
    )
    assert unknown.results[0].reason == "macro_not_found"


async def test_a_redelivered_bulk_request_changes_nothing_twice(env: TicketsEnv) -> None:
    chosen = await tickets(env, 2)
    ids = [ticket.ticket_id for ticket in chosen]
    request = bulk(t.BulkTag(add=["ronda"]), ids, request_key="bulk-1")

    first = await env.rpc.call(t.BULK, request)
    again = await env.rpc.call(t.BULK, request)

    assert [r.version for r in again.results] == [r.version for r in first.results]
    after = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ids[0]))
    assert after.version == chosen[0].version + 1
