"""The map's points (`tickets.map`): only tickets with coordinates, the open ones unless the
status filter names others, the list's filters and the caller's visibility, newest first,
capped; a kept answer never outlives a change to a ticket."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.support.config_helpers import FakeClock
from tests.support.factories import unique_word
from tests.support.tickets_helpers import TicketsEnv, tickets_env
from tickets_service.store import LOCATED
from tickets_service.ticket_map import TicketMap
from uts_shared.contracts import tickets as t

CLOCK = FakeClock()
HERE = {"coordinates": {"latitude": 19.4326, "longitude": -99.1332}, "address": "Juárez 14"}


@pytest_asyncio.fixture(scope="module")
async def env(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[TicketsEnv]:
    async with tickets_env(rabbit_url, mongo_url, clock=CLOCK) as running:
        yield running


async def points(env: TicketsEnv, **filters: object) -> list[t.MapPoint]:
    return (await env.rpc.call(t.MAP, t.MapTickets.model_validate(filters))).points


async def located(env: TicketsEnv, customer: t.Customer, word: str, **fields: object) -> str:
    CLOCK.advance(1)
    ticket = await env.ticket(customer, subject=f"Poste {word}", location=HERE, **fields)
    return ticket.ticket_id


async def test_the_map_shows_located_open_tickets_newest_first_as_compact_points(
    env: TicketsEnv,
) -> None:
    customer, word = await env.customer(), unique_word()
    first = await located(env, customer, word, priority=t.Priority.URGENT)
    second = await located(env, customer, word)
    await env.ticket(customer, subject=f"Poste {word} sin lugar")  # no coordinates
    await env.ticket(customer, subject=f"Poste {word}", location={"address": "Juárez 15"})
    resolved = await located(env, customer, word)
    await env.rpc.call(
        t.RESOLVE, t.ResolveTicket(ticket_id=resolved, resolution_notes="Listo", by="agent-1")
    )

    shown = await points(env, customer_id=customer.id)
    assert [p.ticket_id for p in shown] == [second, first]
    point = shown[1]
    assert (point.latitude, point.longitude) == (19.4326, -99.1332)
    assert point.priority is t.Priority.URGENT and point.status is t.TicketStatus.OPEN
    assert point.subject == f"Poste {word}" and point.category
    assert (point.is_problem, point.incident_count, point.sla_state) == (False, 0, t.SlaState.OK)

    closed = await points(env, customer_id=customer.id, status=["resolved"])
    assert [p.ticket_id for p in closed] == [resolved]


async def test_the_map_takes_the_lists_filters_and_its_search(env: TicketsEnv) -> None:
    customer, word = await env.customer(), unique_word()
    urgent = await located(env, customer, word, priority=t.Priority.URGENT)
    low = await located(env, customer, word, priority=t.Priority.LOW)
    other = await located(env, customer, f"{unique_word()} cable")

    by_priority = await points(env, customer_id=customer.id, priority=["urgent"])
    assert [p.ticket_id for p in by_priority] == [urgent]
    assert {p.ticket_id for p in await points(env, q=word)} == {urgent, low}
    assert await points(env, q=f'"{word} poste"') == []  # a phrase: in this order only
    assert {p.ticket_id for p in await points(env, q=f'"poste {word}"')} == {urgent, low}
    assert await points(env, q="de la") == []  # only stop words: nothing can match
    assert other in {p.ticket_id for p in await points(env, customer_id=customer.id)}


async def test_a_restricted_agent_sees_only_its_own_and_the_unassigned_points(
    env: TicketsEnv,
) -> None:
    customer, word = await env.customer(), unique_word()
    mine = await located(env, customer, word)
    theirs = await located(env, customer, word)
    nobodys = await located(env, customer, word)
    for ticket_id, agent in ((mine, "agent-me"), (theirs, "agent-them")):
        await env.rpc.call(t.ASSIGN, t.AssignTicket(ticket_id=ticket_id, agent_id=agent, by="x"))

    seen = await points(env, customer_id=customer.id, visible_to="agent-me")
    assert {p.ticket_id for p in seen} == {mine, nobodys}
    only_mine = await points(env, customer_id=customer.id, assigned_agent="agent-me")
    assert [p.ticket_id for p in only_mine] == [mine]
    asked_for_theirs = await points(
        env, customer_id=customer.id, assigned_agent="agent-them", visible_to="agent-me"
    )
    assert asked_for_theirs == []
    unassigned = await points(env, customer_id=customer.id, unassigned=True)
    assert [p.ticket_id for p in unassigned] == [nobodys]


async def test_the_map_is_capped_at_its_limit_and_says_so(env: TicketsEnv) -> None:
    customer, word = await env.customer(), unique_word()
    made = [await located(env, customer, word) for _ in range(3)]
    capped = TicketMap(env.service.store, limit=2)

    answer = await capped.points(t.MapTickets(customer_id=customer.id))
    assert answer.capped and answer.limit == 2
    assert [p.ticket_id for p in answer.points] == made[:0:-1]  # the two newest
    whole = await TicketMap(env.service.store, limit=3).points(
        t.MapTickets(customer_id=customer.id)
    )
    assert not whole.capped and len(whole.points) == 3


async def test_a_kept_answer_is_not_served_after_a_ticket_changes(env: TicketsEnv) -> None:
    customer, word = await env.customer(), unique_word()
    ticket_id = await located(env, customer, word)
    assert [p.priority for p in await points(env, customer_id=customer.id)] == [t.Priority.MEDIUM]
    CLOCK.advance(1)
    changes = t.TicketChanges(priority=t.Priority.HIGH)
    await env.rpc.call(t.UPDATE, t.UpdateTicket(ticket_id=ticket_id, changes=changes, by="agent-1"))
    assert [p.priority for p in await points(env, customer_id=customer.id)] == [t.Priority.HIGH]
    CLOCK.advance(1)
    moved = t.TicketChanges(location=t.Location(address="Otra calle"))
    await env.rpc.call(t.UPDATE, t.UpdateTicket(ticket_id=ticket_id, changes=moved, by="agent-1"))
    assert await points(env, customer_id=customer.id) == []


async def test_tickets_stored_before_the_map_get_whether_they_are_located(
    env: TicketsEnv,
) -> None:
    customer, word = await env.customer(), unique_word()
    ticket_id = await located(env, customer, word)
    store = env.service.store
    await store.tickets.update_one({"_id": ticket_id}, {"$unset": {LOCATED: ""}})
    assert await points(env, customer_id=customer.id, q=word) == []
    assert await store.fill_located() >= 1
    CLOCK.advance(1)
    await store.tickets.update_one({"_id": ticket_id}, {"$set": {"updatedAt": CLOCK.now()}})
    assert [p.ticket_id for p in await points(env, customer_id=customer.id)] == [ticket_id]


async def test_a_caller_keeping_the_current_answer_is_told_it_is_unchanged(
    env: TicketsEnv,
) -> None:
    customer, word = await env.customer(), unique_word()
    await located(env, customer, word)
    first = await env.rpc.call(t.MAP, t.MapTickets(customer_id=customer.id))
    assert first.stamp and not first.unchanged and len(first.points) == 1

    again = await env.rpc.call(t.MAP, t.MapTickets(customer_id=customer.id, known=first.stamp))
    assert again.unchanged and again.points == [] and again.stamp == first.stamp

    await located(env, customer, word)
    changed = await env.rpc.call(t.MAP, t.MapTickets(customer_id=customer.id, known=first.stamp))
    assert not changed.unchanged and len(changed.points) == 2 and changed.stamp != first.stamp
