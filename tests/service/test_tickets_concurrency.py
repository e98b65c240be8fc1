"""Two tickets instances sharing one store: id allocation and racing writes."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import pytest

from tests.support.tickets_helpers import tickets_env
from tickets_service.main import TicketsService
from uts_shared.contracts import tickets as t
from uts_shared.errors import Conflict

CREATES = 1000


async def test_1000_concurrent_creates_across_2_instances_get_distinct_gap_free_ids(
    rabbit_url: str, mongo_url: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    async with tickets_env(rabbit_url, mongo_url, instances=2) as env:
        customer = await env.customer()
        handled: dict[str, int] = {s.instance: 0 for s in env.services}
        for service in env.services:
            _count_creates(service, handled)

        def request(i: int) -> t.CreateFromAgent:
            return t.CreateFromAgent(
                subject=f"Falla {i}",
                description="Luminaria apagada",
                category="light_malfunction",
                customer_id=customer.id,
                agent_id=f"agent-{i % 7}",
            )

        await env.rpc.call(t.LIST, t.ListTickets())  # warm the config cache of one instance
        started = time.perf_counter()
        results = await asyncio.gather(
            *(env.rpc.call(t.CREATE_FROM_AGENT, request(i)) for i in range(CREATES))
        )
        elapsed = time.perf_counter() - started

        ids = [r.ticket.ticket_id for r in results]
        assert len(set(ids)) == CREATES
        year = results[0].ticket.created_at.year
        pattern = re.compile(rf"LUX-{year}-(\d{{6}})")
        sequences = sorted(int(pattern.fullmatch(i)[1]) for i in ids)  # type: ignore[index]
        assert sequences == list(range(1, CREATES + 1))
        assert all(count > 0 for count in handled.values()), handled  # both instances worked

        stored = await env.rpc.call(t.GET_CUSTOMER, t.GetCustomer(customer_id=customer.id))
        assert stored.statistics.total_tickets == CREATES
        await env.recorder.wait_for(
            lambda _: len({e.event_id for e in env.recorder.of("ticket.created")}) >= CREATES,
            timeout=30,
        )
        assert len({e.event_id for e in env.recorder.of("ticket.created")}) == CREATES

        with capsys.disabled():
            print(
                f"\n{CREATES} concurrent creates across {len(env.services)} instances: "
                f"{elapsed:.2f}s ({CREATES / elapsed:.0f}/s), per instance {handled}, "
                f"duplicate deliveries {env.recorder.duplicates}"
            )
        assert elapsed < 20


def _count_creates(service: TicketsService, handled: dict[str, int]) -> None:
    """Count the tickets each instance inserts."""
    insert = service.store.insert_ticket

    async def counting(*args: Any, **kwargs: Any) -> None:
        handled[service.instance] += 1
        await insert(*args, **kwargs)

    service.store.insert_ticket = counting  # type: ignore[method-assign]


async def test_two_racing_status_changes_one_wins_the_other_is_a_conflict(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url, instances=2) as env:
        customer = await env.customer()
        for targets in [
            (t.TicketStatus.IN_PROGRESS, t.TicketStatus.IN_PROGRESS),  # same move twice
            (t.TicketStatus.PENDING_CUSTOMER, t.TicketStatus.RESOLVED),  # different moves
        ]:
            ticket = await env.ticket(customer)
            if targets[0] is not t.TicketStatus.IN_PROGRESS:
                ticket = await env.rpc.call(
                    t.CHANGE_STATUS,
                    t.ChangeStatus(
                        ticket_id=ticket.ticket_id, status=t.TicketStatus.IN_PROGRESS, by="a0"
                    ),
                )
            lost_writes = _race_reads(env.services, ticket.ticket_id)
            outcomes = await asyncio.gather(
                *(
                    env.rpc.call(
                        t.CHANGE_STATUS,
                        t.ChangeStatus(
                            ticket_id=ticket.ticket_id, status=status, reason="r", by=f"agent-{i}"
                        ),
                    )
                    for i, status in enumerate(targets)
                ),
                return_exceptions=True,
            )
            winners = [o for o in outcomes if isinstance(o, t.TicketView)]
            losers = [o for o in outcomes if isinstance(o, Conflict)]
            assert len(winners) == 1 and len(losers) == 1, outcomes
            assert losers[0].http_status == 409
            assert lost_writes == [1]  # both read the same version; one conditional write missed

            final = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket.ticket_id))
            assert final.status is winners[0].status
            assert final.version == ticket.version + 1  # exactly one change landed
            assert [h.from_ for h in final.status_history][-1] is ticket.status
            events = await env.recorder.wait_one("ticket.updated", ticket.ticket_id)
            assert events[-1].data["newStatus"] == final.status.value


async def test_racing_notes_and_assignments_are_all_kept(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url, instances=2) as env:
        customer = await env.customer()
        ticket = await env.ticket(customer)
        _race_reads(env.services, ticket.ticket_id, parties=4)
        await asyncio.gather(
            env.rpc.call(t.ADD_NOTE, t.AddNote(ticket_id=ticket.ticket_id, content="n1", by="a")),
            env.rpc.call(t.ADD_NOTE, t.AddNote(ticket_id=ticket.ticket_id, content="n2", by="b")),
            env.rpc.call(
                t.ASSIGN, t.AssignTicket(ticket_id=ticket.ticket_id, agent_id="x", by="c")
            ),
            env.rpc.call(
                t.UPDATE,
                t.UpdateTicket(
                    ticket_id=ticket.ticket_id, changes=t.TicketChanges(tags=["t"]), by="d"
                ),
            ),
        )
        final = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket.ticket_id))
        assert sorted(n.content for n in final.notes) == ["n1", "n2"]
        assert final.assigned_agent == "x" and final.tags == ["t"]
        assert final.version == ticket.version + 4


def _race_reads(services: list[TicketsService], ticket_id: str, parties: int = 2) -> list[int]:
    """Make the first `parties` reads of `ticket_id` all finish before any of them writes.

    Returns a list that collects, per lost conditional write, a 1 (to count them).
    """
    barrier = asyncio.Barrier(parties)
    state = {"reads": 0}
    lost: list[int] = []
    for service in services:
        read, save = service.store.get_for_change, service.store.save_ticket

        async def racing_read(tid: str, *scope: Any, _read: Any = read) -> Any:
            found = await _read(tid, *scope)
            if tid == ticket_id and state["reads"] < parties:
                state["reads"] += 1
                async with asyncio.timeout(10):
                    await barrier.wait()
            return found

        async def counting_save(*args: Any, _save: Any = save, **kwargs: Any) -> Any:
            saved = await _save(*args, **kwargs)
            if saved is None:
                lost.append(1)
            return saved

        service.store.get_for_change = racing_read  # type: ignore[method-assign]
        service.store.save_ticket = counting_save  # type: ignore[method-assign]
    return lost
