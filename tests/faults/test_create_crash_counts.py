"""A create is one atomic ticket write; its counts are a projection of it. A process dying
between any two steps of a create (id counter, ticket insert, the count scopes, publish,
outbox clean-up, the scopes' marks), a customer's first or a later one, leaves counts that
reads never show torn and that a rebuild (then the relay applying what still waits in the
outbox) makes exact.

In-process: instance A of two dies at the chosen step (a `Crash` raised from its store or its
publisher; every later write of A fails as a dead process's would); instance B, the survivor,
reads, rebuilds and relays.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio

from tests.support.factories import agent_ticket_request, unique_key
from tests.support.tickets_helpers import (
    TicketsEnv,
    kept_scopes,
    recounted_scopes,
    tickets_env,
)
from tickets_service.main import TicketsService
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import Empty

CREATE_STEPS = [
    "counters.find_one_and_update",
    "tickets.insert_one",
    "ticket_counts.update_many",
    "publisher.publish_raw",
    "tickets.update_many",
    "ticket_counts.update_many",
]
"""The writes and the publish of one create by an agent for a customer with tickets already
(unassigned: three count scopes, given the same delta in one write), and the clean-up of its
outbox entry and of the scopes' marks of it."""
FIRST_CREATE_STEPS = [
    "counters.find_one_and_update",
    "tickets.insert_one",
    "ticket_counts.update_many",
    "ticket_counts.update_one",
    "publisher.publish_raw",
    "tickets.update_many",
    "ticket_counts.update_many",
]
"""The same for a customer's first ticket: the scopes that exist in one write, the customer's
new scope by its own."""
WRITES = {
    "insert_one",
    "update_one",
    "update_many",
    "find_one_and_update",
    "delete_many",
    "publish_raw",
}


class Crash(BaseException):
    """The process dies here (nothing of its own catches it)."""


@dataclass
class Steps:
    crash_at: int | None
    taken: list[str] = field(default_factory=list)
    dead: bool = False

    def step(self, name: str) -> None:
        if self.dead:
            raise ConnectionError("the process is gone")
        if self.crash_at is not None and len(self.taken) + 1 == self.crash_at:
            self.dead = True
            raise Crash(name)
        self.taken.append(name)


class Watched:
    """A collection or publisher whose writes are steps."""

    def __init__(self, target: Any, name: str, steps: Steps) -> None:
        self._target, self._name, self._steps = target, name, steps

    def __getattr__(self, attr: str) -> Any:
        found = getattr(self._target, attr)
        if attr not in WRITES:
            return found

        async def write(*args: Any, **kwargs: Any) -> Any:
            self._steps.step(f"{self._name}.{attr}")
            return await found(*args, **kwargs)

        return write


def watch(service: TicketsService, steps: Steps) -> None:
    store = service.store
    store.counters = Watched(store.counters, "counters", steps)  # type: ignore[assignment]
    store.tickets = Watched(store.tickets, "tickets", steps)  # type: ignore[assignment]
    store.counts = Watched(store.counts, "ticket_counts", steps)  # type: ignore[assignment]
    outbox = service.outbox
    outbox.publisher = Watched(outbox.publisher, "publisher", steps)  # type: ignore[assignment]


async def create_on(service: TicketsService, customer_id: str) -> None:
    """One create, its event's confirmation (which its writer no longer waits for), and the
    clean-up of its outbox the ack task would do."""
    request = agent_ticket_request(customer_id, idempotency_key=unique_key())
    await service.operations.create_from_agent(request)
    await service.outbox.sent()
    await service.outbox.flush()


@pytest_asyncio.fixture
async def env(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[TicketsEnv]:
    # The ack task and the relay stay out of the way: this test takes each step itself.
    async with tickets_env(
        rabbit_url,
        mongo_url,
        instances=2,
        outbox_ack_window=3600.0,
        outbox_relay_interval=3600.0,
        outbox_sweep_interval=3600.0,
        outbox_grace=0.0,
    ) as running:
        yield running


def untorn(stats: t.TicketStats) -> int:
    """The total, after checking it agrees with the per-status and per-priority counts."""
    statuses = sum(getattr(stats, s.value) for s in t.TicketStatus)
    priorities = sum(getattr(stats, p.value) for p in t.Priority)
    assert stats.total == statuses == priorities, stats
    assert min(stats.model_dump(exclude={"sla_by_priority"}).values()) >= 0, stats
    return stats.total


async def test_a_create_takes_the_steps_this_test_crashes_between(env: TicketsEnv) -> None:
    await env.ticket(await env.customer())
    customer = await env.customer()
    for expected in (FIRST_CREATE_STEPS, CREATE_STEPS):
        steps = Steps(crash_at=None)
        watch(env.services[0], steps)
        await create_on(env.services[0], customer.id)
        assert steps.taken == expected
        assert await kept_scopes(env.database) == await recounted_scopes(env.database)


def _crashes(steps: list[str], first: bool) -> list[Any]:
    return [
        pytest.param(first, crash_at, id=f"{'first' if first else 'later'}-before-{crash_at}-{s}")
        for crash_at, s in enumerate(steps[1:], start=2)
    ]


@pytest.mark.parametrize(
    ("first", "crash_at"), _crashes(FIRST_CREATE_STEPS, True) + _crashes(CREATE_STEPS, False)
)
async def test_a_crash_between_two_steps_of_a_create_leaves_counts_a_rebuild_makes_exact(
    env: TicketsEnv, first: bool, crash_at: int
) -> None:
    dying, survivor = env.services
    customer = await env.customer()
    await env.ticket(await env.customer() if first else customer)
    everyone = untorn(await survivor.operations.stats(t.StatsQuery()))
    before = 0 if first else 1

    steps = Steps(crash_at=crash_at)
    watch(dying, steps)
    with pytest.raises(Crash):
        await create_on(dying, customer.id)

    async def reads_are_whole() -> None:
        now = untorn(await survivor.operations.stats(t.StatsQuery()))
        theirs = untorn(await survivor.operations.stats(t.StatsQuery(customer_id=customer.id)))
        assert now in (everyone, everyone + 1) and theirs in (before, before + 1)
        shown = await survivor.customers.get(t.GetCustomer(customer_id=customer.id))
        assert shown.statistics.total_tickets == theirs

    await reads_are_whole()
    await survivor.operations.rebuild_counts(Empty())
    await reads_are_whole()
    await survivor.outbox.replay()
    assert await kept_scopes(env.database) == await recounted_scopes(env.database)
    # And again: neither a second rebuild nor a second sweep counts anything twice.
    await survivor.operations.rebuild_counts(Empty())
    await survivor.outbox.replay()
    assert await kept_scopes(env.database) == await recounted_scopes(env.database)
    stored = await env.database["tickets"].count_documents({"customerId": customer.id})
    shown = await survivor.customers.get(t.GetCustomer(customer_id=customer.id))
    assert shown.statistics.total_tickets == stored
