"""The changes feed (incremental sync): tickets changed since a cursor, oldest change first,
paged, ties on one instant never lost or repeated, a changed ticket coming again, and changes
younger than the settle window held back. Time is a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.support.config_helpers import FakeClock
from tests.support.tickets_helpers import TicketsEnv, tickets_env
from uts_shared.contracts import tickets as t
from uts_shared.errors import ValidationFailed


@pytest_asyncio.fixture
async def feed(
    fresh_vhost: str, mongo_url: str | None
) -> AsyncIterator[tuple[TicketsEnv, FakeClock]]:
    clock = FakeClock()
    async with tickets_env(
        fresh_vhost, mongo_url, clock=clock, changes_settle=2.0, sla_check_interval=3600
    ) as env:
        yield env, clock


async def read_all(env: TicketsEnv, cursor: str | None, limit: int) -> tuple[list[str], str]:
    ids: list[str] = []
    while True:
        page = await env.rpc.call(t.LIST_CHANGES, t.ListChanges(cursor=cursor, limit=limit))
        ids += [s.ticket_id for s in page.tickets]
        cursor = page.next_cursor
        if not page.has_more:
            return ids, cursor


async def test_the_feed_pages_through_changes_and_picks_up_where_it_left(
    feed: tuple[TicketsEnv, FakeClock],
) -> None:
    env, clock = feed
    customer = await env.customer()
    # Five tickets on one instant, three on the next: pages of two cut through the ties.
    first = [(await env.ticket(customer)).ticket_id for _ in range(5)]
    clock.advance(1)
    second = [(await env.ticket(customer)).ticket_id for _ in range(3)]
    nothing_yet, cursor = await read_all(env, None, limit=2)
    assert nothing_yet == []  # younger than the settle window

    clock.advance(5)
    ids, cursor = await read_all(env, cursor, limit=2)
    assert ids == sorted(first) + sorted(second)
    again, same = await read_all(env, cursor, limit=2)
    assert again == [] and same == cursor

    changed = await env.rpc.call(
        t.CHANGE_STATUS,
        t.ChangeStatus(ticket_id=first[2], status=t.TicketStatus.IN_PROGRESS, by="a1"),
    )
    clock.advance(5)
    ids, _ = await read_all(env, cursor, limit=2)
    assert ids == [first[2]]
    page = await env.rpc.call(t.LIST_CHANGES, t.ListChanges(cursor=cursor))
    assert page.tickets[0].status is t.TicketStatus.IN_PROGRESS
    assert page.tickets[0].updated_at == changed.updated_at


@pytest.mark.parametrize("cursor", ["not-a-cursor", "W10", "WyJ4IiwiYSJd"])
async def test_a_cursor_this_api_did_not_give_is_refused_naming_it(
    feed: tuple[TicketsEnv, FakeClock], cursor: str
) -> None:
    env, _ = feed
    with pytest.raises(ValidationFailed) as caught:
        await env.rpc.call(t.LIST_CHANGES, t.ListChanges(cursor=cursor))
    assert "cursor" in str(caught.value)


async def test_the_feed_starts_at_a_moment_given_without_a_cursor(
    feed: tuple[TicketsEnv, FakeClock],
) -> None:
    env, clock = feed
    customer = await env.customer()
    before = (await env.ticket(customer)).ticket_id
    clock.advance(10)
    since = clock.now()
    clock.advance(1)
    after = (await env.ticket(customer)).ticket_id
    clock.advance(5)
    page = await env.rpc.call(t.LIST_CHANGES, t.ListChanges(since=since))
    assert [s.ticket_id for s in page.tickets] == [after]
    everything, _ = await read_all(env, None, limit=10)
    assert before in everything
