"""Ticket visibility inside the write: a restricted agent's change is scoped by its `visibleTo`
in the tickets service's load and in its conditional write, so a ticket reassigned away from it
is a 404 whenever the reassignment lands."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.support.tickets_helpers import TicketsEnv, tickets_env
from uts_shared.contracts import tickets as t
from uts_shared.errors import NotFound

ME = t.Principal(id="ag-me", kind=t.PrincipalKind.AGENT, role="agent")


@pytest_asyncio.fixture(scope="module")
async def env(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[TicketsEnv]:
    async with tickets_env(rabbit_url, mongo_url) as running:
        yield running


def my_note(ticket_id: str, content: str) -> t.AddNote:
    return t.AddNote(ticket_id=ticket_id, content=content, by=ME.id, principal=ME, visible_to=ME.id)


async def test_a_restricted_agent_writes_its_own_and_unassigned_tickets(env: TicketsEnv) -> None:
    customer = await env.customer()
    nobodys = await env.ticket(customer)
    mine = await env.ticket(customer)
    await env.rpc.call(t.ASSIGN, t.AssignTicket(ticket_id=mine.ticket_id, agent_id=ME.id, by="x"))
    for ticket_id in (nobodys.ticket_id, mine.ticket_id):
        result = await env.rpc.call(t.ADD_NOTE, my_note(ticket_id, "visto"))
        assert [n.content for n in result.ticket.notes] == ["visto"]


async def test_a_restricted_agents_write_after_a_reassignment_is_not_found(
    env: TicketsEnv,
) -> None:
    customer = await env.customer()
    ticket = await env.ticket(customer)
    assign = t.AssignTicket(ticket_id=ticket.ticket_id, agent_id=ME.id, by="lead")
    await env.rpc.call(t.ASSIGN, assign)
    away = t.AssignTicket(ticket_id=ticket.ticket_id, agent_id="ag-other", by="lead")
    await env.rpc.call(t.ASSIGN, away)

    with pytest.raises(NotFound):
        await env.rpc.call(t.ADD_NOTE, my_note(ticket.ticket_id, "ya no es mío"))
    status = t.ChangeStatus(
        ticket_id=ticket.ticket_id,
        status=t.TicketStatus.IN_PROGRESS,
        by=ME.id,
        principal=ME,
        visible_to=ME.id,
    )
    with pytest.raises(NotFound):
        await env.rpc.call(t.CHANGE_STATUS, status)
    after = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket.ticket_id))
    assert after.notes == [] and after.status is t.TicketStatus.OPEN


async def test_a_reassignment_between_the_services_load_and_its_write_makes_it_not_found(
    env: TicketsEnv,
) -> None:
    customer = await env.customer()
    ticket = await env.ticket(customer)
    await env.rpc.call(
        t.ASSIGN, t.AssignTicket(ticket_id=ticket.ticket_id, agent_id=ME.id, by="lead")
    )
    store = env.service.store
    read = store.get_for_change
    landed = asyncio.Event()

    async def reassigned_after_the_load(ticket_id: str, *scope: Any) -> Any:
        found = await read(ticket_id, *scope)
        if scope and scope[0] == ME.id and not landed.is_set():
            landed.set()
            away = t.AssignTicket(ticket_id=ticket_id, agent_id="ag-other", by="lead")
            await env.rpc.call(t.ASSIGN, away)
        return found

    store.get_for_change = reassigned_after_the_load  # type: ignore[method-assign]
    try:
        with pytest.raises(NotFound):
            await env.rpc.call(t.ADD_NOTE, my_note(ticket.ticket_id, "a destiempo"))
    finally:
        del store.get_for_change
    assert landed.is_set()
    after = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket.ticket_id))
    assert after.assigned_agent == "ag-other" and after.notes == []


async def test_the_conditional_write_itself_refuses_a_ticket_no_longer_visible(
    env: TicketsEnv,
) -> None:
    customer = await env.customer()
    ticket = await env.ticket(customer)
    away = t.AssignTicket(ticket_id=ticket.ticket_id, agent_id="ag-other", by="lead")
    await env.rpc.call(t.ASSIGN, away)
    store = env.service.store
    found = await store.get_for_change(ticket.ticket_id)
    assert found is not None
    before, _ = found
    after = before.model_copy(update={"subject": "escrito a ciegas"})
    # Same version as stored: only the scope in the write's filter stops it.
    assert await store.save_ticket(before, after, outbox=[], visible_to=ME.id) is None
    assert await store.get_for_change(ticket.ticket_id, ME.id) is None
    stored = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket.ticket_id))
    assert stored.subject == ticket.subject and stored.version == before.version
