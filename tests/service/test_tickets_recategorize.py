"""A preset's category mapping on the tickets' side: the open tickets of each category it
removes counted (the preview), then moved to the kept category, each by its own command."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.support.tickets_helpers import TicketsEnv, tickets_env
from uts_shared.contracts import tickets as t

S = t.TicketStatus


@pytest_asyncio.fixture(scope="module")
async def env(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[TicketsEnv]:
    async with tickets_env(rabbit_url, mongo_url) as running:
        yield running


async def test_open_tickets_of_removed_categories_are_counted_and_moved_one_command_each(
    env: TicketsEnv,
) -> None:
    customer = await env.customer()
    billing = [await env.ticket(customer, category="billing") for _ in range(2)]
    done = await env.ticket(customer, category="billing")
    await env.rpc.call(
        t.CHANGE_STATUS,
        t.ChangeStatus(ticket_id=done.ticket_id, status=S.CLOSED, reason="spam", by="lead"),
    )
    solar = await env.ticket(customer, category="solar_installation")

    counted = await env.rpc.call(
        t.COUNT_OPEN_BY_CATEGORY,
        t.CountOpenByCategory(categories=["billing", "solar_installation", "maintenance"]),
    )
    assert counted.counts == {"billing": 2, "solar_installation": 1, "maintenance": 0}

    result = await env.rpc.call(
        t.RECATEGORIZE_OPEN,
        t.RecategorizeOpen(mapping={"billing": "other", "maintenance": "other"}, by="admin-1"),
    )

    assert result.moved == {"billing": 2, "maintenance": 0} and result.refused == 0
    for ticket in billing:
        after = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket.ticket_id))
        assert after.category == "other" and after.version == ticket.version + 1
        (event,) = await env.recorder.wait_one("ticket.updated", ticket.ticket_id)
        assert event.data["updates"] == {"category": "other"}
        assert event.data["updatedBy"] == "admin-1"
    closed = await env.rpc.call(t.GET, t.GetTicket(ticket_id=done.ticket_id))
    assert closed.category == "billing"
    untouched = await env.rpc.call(t.GET, t.GetTicket(ticket_id=solar.ticket_id))
    assert untouched.category == "solar_installation"
    again = await env.rpc.call(
        t.COUNT_OPEN_BY_CATEGORY, t.CountOpenByCategory(categories=["billing"])
    )
    assert again.counts == {"billing": 0}
