"""Nothing is lost when the tickets service process is killed (SIGKILL) and started again.

Config and tickets run as OS processes on this module's vhost; the test talks to them through its
own broker connection (RPC with a 30 s timeout, so requests outlive the crash) and records the
`ticket.created` events from a durable queue bound before anything started.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.broker import (
    declare_durable,
    durable_event_queue,
    local_node_in_use,
    unacked,
    vhost_of,
    wait_queue,
)
from tests.support.events import (
    EventRecorder,
    created_event_ids,
    observer,
    wait_created_events,
)
from tests.support.factories import agent_ticket_request, unique_key, unique_phone, unique_phones
from tests.support.infra import Infra
from tests.support.system import System, open_system
from tests.support.tickets_helpers import ticket_ids_of
from tests.support.waiting import poll_until
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import Empty, HealthStatus
from uts_shared.messaging import RpcClient

EVENTS_QUEUE = durable_event_queue("faults.crash-events", t.TICKET_CREATED.routing_key)
SWEEP = {"OUTBOX_SWEEP_INTERVAL": "3"}
"""What a killed process left in the outbox is swept up within seconds (production: 30 s)."""
CALL_TIMEOUT = 30.0
"""Requests expire after the caller's timeout: long enough to outlive a crash and a restart."""


@dataclass
class Crash:
    system: System
    rpc: RpcClient
    recorder: EventRecorder
    rabbit_url: str
    can_inspect_node: bool
    """rabbitmqctl reaches the broker: deliveries held by a consumer can be counted"""
    tickets: str = "tickets-1"
    """The running tickets process"""
    generation: int = 1

    def start_replacement(self) -> None:
        """A new tickets process on the same database (after the running one was killed)."""
        assert not self.system.alive(self.tickets)
        self.generation += 1
        self.tickets = f"tickets-{self.generation}"
        self.system.start(self.tickets, "tickets", **SWEEP)

    async def call(self, spec: Any, request: Any) -> Any:
        return await self.rpc.call(spec, request, timeout=CALL_TIMEOUT)


@pytest.fixture(scope="module")
async def crash(rabbit_url: str, mongo_url: str | None, infra_env: Infra) -> AsyncIterator[Crash]:
    await declare_durable(rabbit_url, EVENTS_QUEUE)
    async with open_system("faults-crash", rabbit_url, mongo_url, log_level="WARNING") as system:
        system.start("config", "config")
        system.start("tickets-1", "tickets", **SWEEP)
        async with observer(rabbit_url, EVENTS_QUEUE, name="faults-crash", timeout=10.0) as (
            rpc,
            recorder,
        ):
            await system.wait_service("config")
            await system.wait_service("tickets")
            inspect = local_node_in_use(infra_env, rabbit_url) is None
            yield Crash(system, rpc, recorder, rabbit_url, inspect)


async def test_requests_waiting_for_a_killed_tickets_service_are_answered_by_its_replacement(
    crash: Crash,
) -> None:
    create_queue, health_queue = t.CREATE_CUSTOMER.queue, t.HEALTH.queue
    before: HealthStatus = await crash.call(t.HEALTH, Empty())
    phones = unique_phones(40)
    held, waiting = phones[:20], phones[20:]

    def create(phone: str) -> asyncio.Task[t.Customer]:
        request = t.CreateCustomer(phone_number=phone, first_name="Crash")
        return asyncio.create_task(crash.call(t.CREATE_CUSTOMER, request))

    async def holds(requests: tuple[int, int]) -> bool:
        """The tickets service holds (has not acknowledged) that many creates and health calls."""
        vhost = vhost_of(crash.rabbit_url)
        return (await unacked(vhost, create_queue), await unacked(vhost, health_queue)) == requests

    if crash.can_inspect_node:  # it acknowledges a request just after replying to it
        await poll_until(lambda: holds((0, 0)), what="the service acknowledged `before`")

    # The service hangs: the broker hands it requests that it never acknowledges...
    await crash.system.freeze(crash.tickets)
    calls = [create(phone) for phone in held]
    health = asyncio.create_task(crash.call(t.HEALTH, Empty()))
    if crash.can_inspect_node:
        await poll_until(
            lambda: holds((20, 1)), what="the frozen service got the requests", timeout=10
        )

    # ... and is killed: those go back to the queue, and new ones wait there with them.
    crash.system.kill(crash.tickets)
    calls += [create(phone) for phone in waiting]
    await wait_queue(crash.rabbit_url, create_queue, ready=40, consumers=0)
    await wait_queue(crash.rabbit_url, health_queue, ready=1, consumers=0)
    assert not any(call.done() for call in [*calls, health])

    started = time.monotonic()
    crash.start_replacement()
    async with asyncio.timeout(CALL_TIMEOUT):
        customers = await asyncio.gather(*calls)
        after = await health
    answered_in = time.monotonic() - started

    assert after.instance != before.instance  # answered by the replacement
    assert sorted(c.phone_number for c in customers) == phones
    assert len({c.id for c in customers}) == 40
    # One stored customer per phone number: the one its caller was answered with.
    for customer in customers:
        stored = await crash.call(
            t.GET_CUSTOMER_BY_PHONE, t.GetCustomerByPhone(phone_number=customer.phone_number)
        )
        assert stored.id == customer.id
    await wait_queue(crash.rabbit_url, create_queue, ready=0, consumers=1)

    # The replacement serves the whole chain: tickets for those customers, their events.
    results = await asyncio.gather(
        *(
            crash.call(
                t.CREATE_FROM_AGENT,
                agent_ticket_request(c.id, agent="agent-crash", subject="Tras el reinicio"),
            )
            for c in customers[:5]
        )
    )
    ids = {r.ticket.ticket_id for r in results}
    events = await wait_created_events(crash.recorder, ids, timeout=10)
    assert all(len(events[i]) == 1 for i in ids)
    assert answered_in < 20, f"the replacement took {answered_in:.1f}s to answer"


@pytest.mark.real_mongo
async def test_a_tickets_service_killed_mid_burst_loses_no_ticket_and_no_event(
    crash: Crash, mongo_url: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGKILL while creates run: tickets written but not yet published (still in the outbox),
    requests taken but not acknowledged (redelivered, answered from the idempotency key)."""
    assert mongo_url is not None
    customer: t.Customer = await crash.call(
        t.CREATE_CUSTOMER, t.CreateCustomer(phone_number=unique_phone(), first_name="Burst")
    )
    creates = 300
    run = unique_key("burst")
    answered = asyncio.Event()
    done = 0

    def count(_: object) -> None:
        nonlocal done
        done += 1
        if done >= creates // 5:
            answered.set()

    def create(i: int) -> asyncio.Task[t.CreateTicketResult]:
        request = agent_ticket_request(
            customer.id, agent="agent-burst", subject=f"Rafaga {i}", idempotency_key=f"{run}-{i}"
        )
        task = asyncio.create_task(crash.call(t.CREATE_FROM_AGENT, request))
        task.add_done_callback(count)
        return task

    calls = [create(i) for i in range(creates)]
    async with asyncio.timeout(20):
        await answered.wait()
    crash.system.kill(crash.tickets)
    answered_before_kill = done
    pending_outbox = await asyncio.to_thread(
        _tickets_with_pending_events, mongo_url, crash.system.database("tickets")
    )
    crash.start_replacement()
    async with asyncio.timeout(CALL_TIMEOUT + 10):
        results = await asyncio.gather(*calls)

    ids = [r.ticket.ticket_id for r in results]
    assert len(set(ids)) == creates  # one ticket per idempotency key
    stored = await ticket_ids_of(crash.rpc, customer.id)
    assert stored == set(ids)  # none lost, no second ticket from a redelivered request
    await wait_created_events(crash.recorder, stored, timeout=45)  # even if swept at 30 s
    events = {i: e for i, e in created_event_ids(crash.recorder).items() if i in stored}
    twice = {i: e for i, e in events.items() if len(e) != 1}
    assert not twice, f"tickets with more than one ticket.created eventId: {twice}"

    with capsys.disabled():
        print(
            f"\nkilled mid-burst: {answered_before_kill}/{creates} answered before the kill, "
            f"{pending_outbox} tickets with unpublished events at the kill, "
            f"{sum(not r.created for r in results)} answered from their idempotency key "
            f"after redelivery, {crash.recorder.duplicates} duplicate event deliveries"
        )


def _tickets_with_pending_events(mongo_url: str, database: str) -> int:
    from pymongo import MongoClient

    client: MongoClient[Any] = MongoClient(mongo_url)
    try:
        return client[database]["tickets"].count_documents({"outbox.0": {"$exists": True}})
    finally:
        client.close()
