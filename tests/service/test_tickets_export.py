"""The CSV export's pages: every match once, newest first, by a cursor that survives tickets
sharing one creation instant, with the list's filters and phrases applied."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest_asyncio

from tests.support.config_helpers import FakeClock
from tests.support.tickets_helpers import TicketsEnv, tickets_env
from uts_shared.contracts import reports as r
from uts_shared.contracts import tickets as t

CLOCK = FakeClock()


@pytest_asyncio.fixture(scope="module")
async def env(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[TicketsEnv]:
    async with tickets_env(rabbit_url, mongo_url, clock=CLOCK) as running:
        yield running


async def walk(env: TicketsEnv, request: r.ExportTickets) -> list[list[str]]:
    pages: list[list[str]] = []
    while True:
        page = await env.rpc.call(r.EXPORT, request)
        pages.append([x.ticket_id for x in page.tickets])
        if page.last_ticket_id is None:
            return pages
        after = {
            "after_created_at": page.last_created_at,
            "after_ticket_id": page.last_ticket_id,
            "window_seconds": page.window_seconds,
        }
        request = request.model_copy(update=after)


async def test_export_pages_walk_every_match_once_newest_first(env: TicketsEnv) -> None:
    customer = await env.customer()
    made: list[str] = []
    for i in range(7):
        if i % 3 == 0:
            CLOCK.advance(60)  # three tickets at a time share one instant
        urgent = i % 2 == 0
        ticket = await env.ticket(
            customer,
            subject=f"poste fundido {i}" if urgent else f"cable suelto {i}",
            priority=t.Priority.URGENT if urgent else t.Priority.LOW,
        )
        made.append(ticket.ticket_id)
    newest_first = sorted(made, key=lambda i: (made.index(i) // 3, i), reverse=True)

    pages = await walk(env, r.ExportTickets(customer_id=customer.id, batch=2))
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert [i for p in pages for i in p] == newest_first

    urgent = await walk(
        env, r.ExportTickets(customer_id=customer.id, priority=[t.Priority.URGENT], batch=3)
    )
    assert [i for p in urgent for i in p] == [i for i in newest_first if made.index(i) % 2 == 0]

    phrase = await walk(env, r.ExportTickets(customer_id=customer.id, q='"cable suelto"'))
    assert sorted(i for p in phrase for i in p) == sorted(made[1::2])


async def test_export_bounds_far_outside_the_tickets_times_walk_them_all(env: TicketsEnv) -> None:
    customer = await env.customer()
    made = [(await env.ticket(customer, subject=f"farol {i}")).ticket_id for i in range(3)]
    far = r.ExportTickets(
        customer_id=customer.id,
        created_from=datetime(1622, 2, 2, tzinfo=UTC),
        created_to=datetime(8875, 7, 8, tzinfo=UTC),
        batch=2,
    )

    pages = await walk(env, far)

    assert sorted(i for p in pages for i in p) == sorted(made)
