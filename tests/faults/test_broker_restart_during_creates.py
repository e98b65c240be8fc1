"""Nothing is lost when the broker restarts in the middle of ticket creation.

Config, tickets and a gateway run as OS processes on this module's vhost. Tickets are created
over HTTP without pause while the local RabbitMQ node is restarted (`rabbitmqctl stop_app`,
`start_app`); the tickets service is stalled (SIGSTOP) with a few creates in hand just before and
resumed once the broker is gone, so some tickets are written while no event can be published.
Some creates fail; afterwards every ticket the tickets service holds has exactly its one
`ticket.created` event in a durable queue bound before anything started, no event names a
ticket that does not exist, and the system serves creates again.
"""

from __future__ import annotations

import asyncio
import collections
import re
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from tests.support.broker import (
    Restart,
    declare_durable,
    durable_event_queue,
    ensure_local_node_started,
    local_node_in_use,
    node_stopped,
    rabbitmqctl,
    vhost_of,
    wait_unacked,
)
from tests.support.events import created_event_ids, observer, wait_created_events
from tests.support.factories import ticket_body, unique_phone
from tests.support.infra import Infra
from tests.support.system import System, open_system
from tests.support.tickets_helpers import ticket_ids_of, tickets_of
from tests.support.waiting import Arrivals, poll_until
from uts_shared.contracts import tickets as t

EVENTS_QUEUE = durable_event_queue("faults.ticket-events", t.TICKET_CREATED.routing_key)
WORKERS = 4
BEFORE = 30
"""Successful creates before the node is stopped."""
AFTER = 15
"""Successful creates after it answers again (the system serves again)."""
EVENTS_WITHIN = 45.0
"""Every event delivered within this after the creates stop (the outbox sweeps every 30 s)."""
RELAYED = re.compile(r"(?:relayed|published) (\d+) event")


@pytest.fixture(scope="module")
def local_node(infra_env: Infra, rabbit_url: str) -> Iterator[None]:
    """Skip unless the run's broker is the local node; make sure it runs again afterwards."""
    why = local_node_in_use(infra_env, rabbit_url)
    if why is not None:
        pytest.skip(f"restarts the local RabbitMQ node: {why}")
    yield
    ensure_local_node_started()


@dataclass
class Creates:
    """What the HTTP clients saw: tickets answered 201, failures by kind, when."""

    ok: dict[str, float] = field(default_factory=dict)
    """ticketId -> monotonic time of its 201"""
    failures: collections.Counter[str] = field(default_factory=collections.Counter)
    answered: Arrivals[float] = field(default_factory=lambda: Arrivals("201s"))
    """The monotonic time of each 201, as it arrives."""

    async def record(self, ticket_id: str | None, failure: str | None = None) -> None:
        if ticket_id is not None:
            self.ok[ticket_id] = time.monotonic()
            await self.answered.add(self.ok[ticket_id])
        else:
            self.failures[failure or "?"] += 1

    def since(self, moment: float) -> int:
        return sum(1 for at in self.ok.values() if at > moment)

    async def wait_ok_since(self, moment: float, count: int, timeout: float) -> None:
        try:
            await self.answered.wait_for(lambda at: at > moment, count=count, timeout=timeout)
        except AssertionError:
            raise AssertionError(
                f"only {self.since(moment)} of {count} creates succeeded within {timeout}s "
                f"(failures {dict(self.failures)})"
            ) from None


async def keep_creating(
    api: httpx.AsyncClient, customer_id: str, creates: Creates, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        # A subject of its own per request: the tickets it made can be counted afterwards.
        body = ticket_body(customer_id, subject=f"Poste sin luz {uuid.uuid4().hex[:12]}")
        try:
            r = await api.post("/tickets", json=body)
        except httpx.HTTPError as exc:
            failure: str | None = type(exc).__name__
        else:
            if r.status_code == 201:
                await creates.record(r.json()["ticket"]["ticketId"])
                continue
            failure = f"HTTP {r.status_code}"
        await creates.record(None, failure)
        await asyncio.sleep(0.05)  # back off a little while the system is down


@dataclass
class Desk:
    system: System
    api: httpx.AsyncClient
    """The admin's HTTP client on the gateway"""


@pytest.fixture(scope="module")
async def desk(local_node: None, rabbit_url: str, mongo_url: str | None) -> AsyncIterator[Desk]:
    """Config, tickets and a gateway (RPC timeout 3 s) of this module's own, signed in."""
    await declare_durable(rabbit_url, EVENTS_QUEUE)  # before any event can be published
    async with open_system(
        "faults-broker-restart", rabbit_url, mongo_url, log_level="WARNING"
    ) as system:
        system.start("config", "config")
        system.start("tickets", "tickets", LOG_LEVEL="INFO")  # to count the relay's passes
        url = await system.start_gateway(required=("config", "tickets"), RPC_TIMEOUT="3")
        async with system.api(await system.login(base=url), base=url) as api:
            yield Desk(system, api)


async def test_every_ticket_created_around_a_broker_restart_has_exactly_its_created_event(
    desk: Desk,
    rabbit_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    started = time.monotonic()
    r = await desk.api.post(
        "/customers", json={"phoneNumber": unique_phone(), "firstName": "Broker"}
    )
    assert r.status_code == 201, r.text
    customer_id = r.json()["customer"]["id"]

    creates = Creates()
    stop = asyncio.Event()
    workers = [
        asyncio.create_task(keep_creating(desk.api, customer_id, creates, stop))
        for _ in range(WORKERS)
    ]
    restart = Restart()
    try:
        await creates.wait_ok_since(0.0, BEFORE, timeout=15)
        # The tickets service stalls with creates in hand (delivered, not yet processed)...
        await desk.system.freeze("tickets")
        await wait_unacked(vhost_of(rabbit_url), t.CREATE_FROM_AGENT.queue, WORKERS)
        async with node_stopped() as restart:
            # ... and goes on once the broker is gone: it writes them but cannot publish.
            desk.system.thaw("tickets")
            ok_when_stopped = len(creates.ok)
        # The node answers again: the services reconnect and serve creates again.
        await creates.wait_ok_since(restart.started_at, AFTER, timeout=20)
        serving_again = min(at for at in creates.ok.values() if at > restart.started_at)
    finally:
        stop.set()
        await asyncio.gather(*workers, return_exceptions=True)

    # A fresh connection after the restart: the durable queue kept every event meanwhile.
    async with observer(rabbit_url, EVENTS_QUEUE, name="faults-broker-restart", timeout=10.0) as (
        rpc,
        recorder,
    ):
        # Until the tickets service holds exactly the tickets the events name (a create the
        # gateway gave up on may still land and be published a moment later). An event whose
        # publish the restart cut off may wait for the outbox's full sweep (30 s): see
        # test_publish_cut_off.py.
        deadline = time.monotonic() + EVENTS_WITHIN
        while True:
            stored = await ticket_ids_of(rpc, customer_id)
            await wait_created_events(recorder, stored, timeout=deadline - time.monotonic())
            if await ticket_ids_of(rpc, customer_id) == stored:
                break
        events = created_event_ids(recorder)
        subjects = await tickets_of(rpc, customer_id)
        complete = time.monotonic() - restart.started_at

    per_request = Counter(subjects.values())
    repeated = {subject: n for subject, n in per_request.items() if n > 1}
    assert not repeated, f"requests that made more than one ticket: {repeated}"
    assert set(creates.ok) <= stored, "a create answered 201 is not stored"
    assert set(events) == stored, f"events for tickets not stored: {set(events) - stored}"
    twice = {ticket: ids for ticket, ids in events.items() if len(ids) != 1}
    assert not twice, f"tickets with more than one ticket.created eventId: {twice}"
    assert creates.since(restart.started_at) >= AFTER
    unanswered = stored - set(creates.ok)

    relayed = sum(int(n) for n in RELAYED.findall(desk.system.log("tickets")))
    with capsys.disabled():
        print(
            f"\nbroker restart during creates: {len(stored)} tickets stored "
            f"({ok_when_stopped} answered before the stop, {len(creates.ok)} in all, "
            f"{len(unanswered)} stored but unanswered), failures "
            f"{dict(creates.failures)}, node down {restart.started_at - restart.stopped_at:.1f}s, "
            f"serving again {serving_again - restart.started_at:.1f}s after it answered, "
            f"{relayed} events published late from the outbox, all events in "
            f"{complete:.1f}s after it answered, {recorder.duplicates} duplicate deliveries, "
            f"total {time.monotonic() - started:.1f}s"
        )


async def test_while_its_broker_connection_is_down_the_gateway_never_answers_500(
    desk: Desk, rabbit_url: str
) -> None:
    r = await desk.api.post("/customers", json={"phoneNumber": unique_phone()})
    assert r.status_code == 201, r.text
    body = ticket_body(r.json()["customer"]["id"], subject="Sin conexion")
    # Only this module's vhost: every service reconnects 5 s later (aio-pika's interval).
    await rabbitmqctl("close_all_connections", "--vhost", vhost_of(rabbit_url), "faults test")
    statuses: collections.Counter[int] = collections.Counter()
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        statuses[(await desk.api.post("/tickets", json=body)).status_code] += 1
        await asyncio.sleep(0.1)

    async def created() -> bool:
        return (await desk.api.post("/tickets", json=body)).status_code == 201

    await poll_until(created, what="the gateway serving creates again", timeout=20, interval=0.2)

    # Each request either waited for the reconnect and succeeded, or was told 503/504: no 500.
    assert statuses, "no request completed while the connection was down"
    assert set(statuses) <= {201, 503, 504}, statuses
