"""Ticket counts are kept by the writes (stats read them, never aggregate every ticket), and
always equal a recount of the tickets: after racing writes from two instances, and after a
counter write that was lost."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest_asyncio

from tests.support.tickets_helpers import TicketsEnv, tickets_env
from tickets_service.domain import tally
from uts_shared.contracts import tickets as t
from uts_shared.errors import DomainError

AGENTS = ["ag-1", "ag-2", "ag-3"]


@pytest_asyncio.fixture(scope="module")
async def env(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[TicketsEnv]:
    async with tickets_env(rabbit_url, mongo_url, instances=2) as running:
        yield running


async def recounted(env: TicketsEnv) -> dict[str, Counter[str]]:
    docs = await env.database["tickets"].find({}, dict.fromkeys(tally.FIELDS, 1)).to_list(None)
    return tally.recount(tally.Counted.of_document(d) for d in docs)


async def kept(env: TicketsEnv) -> dict[str, Counter[str]]:
    docs = await env.database["ticket_counts"].find({}).to_list(None)
    return {
        d.pop("_id"): Counter({k: v for k, v in d.items() if v and k != tally.APPLIED})
        for d in docs
    }


async def test_counts_equal_a_recount_after_a_thousand_mixed_writes(env: TicketsEnv) -> None:
    rnd = random.Random(11)
    customers = [await env.customer() for _ in range(12)]
    tickets: list[str] = []

    async def create() -> None:
        ticket = await env.ticket(
            rnd.choice(customers), priority=rnd.choice(list(t.Priority)), subject="Poste"
        )
        tickets.append(ticket.ticket_id)

    def change() -> Callable[[], Awaitable[object]]:
        ticket_id = rnd.choice(tickets)
        kind = rnd.randrange(6)
        if kind == 0:
            status = rnd.choice([s for s in t.TicketStatus if s is not t.TicketStatus.NEW])
            request: object = t.ChangeStatus(ticket_id=ticket_id, status=status, by="ag-1")
            return lambda: env.rpc.call(t.CHANGE_STATUS, request)
        if kind == 1:
            assign = t.AssignTicket(ticket_id=ticket_id, agent_id=rnd.choice(AGENTS), by="ag-1")
            return lambda: env.rpc.call(t.ASSIGN, assign)
        if kind == 2:
            escalate = t.EscalateTicket(
                ticket_id=ticket_id, to_agent_id=rnd.choice(AGENTS), reason="VIP", by="ag-2"
            )
            return lambda: env.rpc.call(t.ESCALATE, escalate)
        if kind == 3:
            update = t.UpdateTicket(
                ticket_id=ticket_id,
                changes=t.TicketChanges(priority=rnd.choice(list(t.Priority))),
                by="ag-3",
            )
            return lambda: env.rpc.call(t.UPDATE, update)
        if kind == 4:
            resolve = t.ResolveTicket(ticket_id=ticket_id, resolution_notes="Listo", by="ag-1")
            return lambda: env.rpc.call(t.RESOLVE, resolve)
        note = t.AddNote(ticket_id=ticket_id, content="Revisado", by="ag-2")
        return lambda: env.rpc.call(t.ADD_NOTE, note)

    limit = asyncio.Semaphore(16)

    async def run(step: Callable[[], Awaitable[object]]) -> None:
        # An illegal transition or a lost race is refused: that write did not happen.
        async with limit:
            with contextlib.suppress(DomainError):
                await step()

    await asyncio.gather(*(run(create) for _ in range(150)))
    await asyncio.gather(*(run(change()) for _ in range(850)))

    expected = await recounted(env)
    assert await kept(env) == {scope: fields for scope, fields in expected.items() if +fields}
    everyone = await env.rpc.call(t.STATS, t.StatsQuery())
    assert everyone.total == await env.database["tickets"].count_documents({})
    assert everyone.model_dump() == tally.stats(expected[tally.ALL]).model_dump()
    for agent in AGENTS:
        mine = await env.rpc.call(t.STATS, t.StatsQuery(agent_id=agent))
        assert mine.model_dump() == tally.stats(expected.get(tally.agent_scope(agent))).model_dump()
    customer = customers[0].id
    theirs = await env.rpc.call(t.STATS, t.StatsQuery(customer_id=customer))
    assert (
        theirs.model_dump()
        == tally.stats(expected.get(tally.customer_scope(customer))).model_dump()
    )


async def test_a_lost_counter_write_is_repaired_at_start(env: TicketsEnv) -> None:
    customer = await env.customer()
    await env.ticket(customer)
    # As if the process had died between a ticket write and its counters:
    await env.database["ticket_counts"].update_one({"_id": tally.ALL}, {"$inc": {"total": -1}})
    service = env.services[0]
    await service.stop()
    await service.start()
    expected = await recounted(env)
    assert (await kept(env))[tally.ALL] == +expected[tally.ALL]
