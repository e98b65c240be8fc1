"""Ticket ids stay distinct and gap-free across tickets service *processes* on a real MongoDB.

The in-process engine can only show this for instances inside one process (tests/service); here
two `python -m tickets_service` processes share one database on a real server, so only the
server's atomic `$inc` + upsert on the counter document keeps their ids apart.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial

import pytest

from tests.support.broker import declare_durable, durable_event_queue
from tests.support.events import EventRecorder, observer, wait_created_events
from tests.support.factories import agent_ticket_request, unique_phone
from tests.support.system import System, open_system
from tests.support.tickets_helpers import ticket_ids_of
from tests.support.waiting import poll_until
from uts_shared.contracts import tickets as t
from uts_shared.messaging import RpcClient

pytestmark = pytest.mark.real_mongo

CREATES = 1000
PROCESSES = ("tickets-a", "tickets-b")
EVENTS_QUEUE = durable_event_queue("faults.counter-events", t.TICKET_CREATED.routing_key)
CREATED_LOG = re.compile(r"ticket (\S+) created")
SEQUENCE = re.compile(r"^(.*?)(\d+)$")


@dataclass
class Counter:
    system: System
    rpc: RpcClient
    recorder: EventRecorder


@pytest.fixture(scope="module")
async def counter(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[Counter]:
    assert mongo_url is not None, "a real MongoDB server is needed"
    await declare_durable(rabbit_url, EVENTS_QUEUE)
    async with open_system("faults-counter", rabbit_url, mongo_url, log_level="WARNING") as system:
        system.start("config", "config")
        async with observer(rabbit_url, EVENTS_QUEUE, name="faults-counter", timeout=60.0) as (
            rpc,
            recorder,
        ):
            await system.wait_service("config")
            instances: set[str] = set()
            # One database, `system.database("tickets")`; one process at a time.
            for count, name in enumerate(PROCESSES, start=1):
                system.start(name, "tickets", LOG_LEVEL="DEBUG")  # logs each ticket it creates
                await poll_until(  # until this one answers too
                    partial(_instances_answer, system, instances, count),
                    what=f"{count} tickets instances answering",
                    timeout=30,
                )
            yield Counter(system, rpc, recorder)


async def _instances_answer(system: System, seen: set[str], count: int) -> bool:
    seen.add((await system.wait_service("tickets")).instance)
    return len(seen) >= count


async def test_1000_concurrent_creates_across_2_tickets_processes_get_distinct_gap_free_ids(
    counter: Counter, capsys: pytest.CaptureFixture[str]
) -> None:
    customer: t.Customer = await counter.rpc.call(
        t.CREATE_CUSTOMER, t.CreateCustomer(phone_number=unique_phone(), first_name="Counter")
    )

    def request(i: int) -> t.CreateFromAgent:
        return agent_ticket_request(customer.id, agent=f"agent-{i % 7}", subject=f"Falla {i}")

    started = time.perf_counter()
    results = await asyncio.gather(
        *(counter.rpc.call(t.CREATE_FROM_AGENT, request(i)) for i in range(CREATES))
    )
    elapsed = time.perf_counter() - started

    ids = [r.ticket.ticket_id for r in results]
    assert len(set(ids)) == CREATES
    parts = [SEQUENCE.fullmatch(i) for i in ids]
    assert all(parts), ids[:5]
    assert len({p[1] for p in parts if p}) == 1, "one prefix (format, year) for all"
    assert sorted(int(p[2]) for p in parts if p) == list(range(1, CREATES + 1))

    # Both processes did part of the work (each logs the tickets it creates).
    by_process = {n: set(CREATED_LOG.findall(counter.system.log(n))) for n in PROCESSES}
    assert all(by_process.values()), {n: len(v) for n, v in by_process.items()}
    assert set.union(*by_process.values()) == set(ids)
    assert not set.intersection(*by_process.values())

    assert await ticket_ids_of(counter.rpc, customer.id) == set(ids)
    stored = await counter.rpc.call(t.GET_CUSTOMER, t.GetCustomer(customer_id=customer.id))
    assert stored.statistics.total_tickets == CREATES
    await wait_created_events(counter.recorder, set(ids), timeout=30)

    with capsys.disabled():
        print(
            f"\n{CREATES} concurrent creates across {len(PROCESSES)} tickets processes on a real "
            f"MongoDB: {elapsed:.2f}s ({CREATES / elapsed:.0f}/s), per process "
            f"{ {n: len(v) for n, v in by_process.items()} }"
        )
