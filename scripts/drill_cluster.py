"""The cluster drill (`make drill-cluster`): the system on a three-node RabbitMQ cluster of its
own keeps every ticket while the node it is connected to stops.

Three nodes start on this machine (`tests.support.cluster`: own names, ports, data under a
temporary directory, one Erlang cookie) and form a cluster; config, tickets and a gateway run as
processes with RABBITMQ_URL naming all three and RABBITMQ_QUEUE_TYPE=quorum. A durable quorum
queue bound to `ticket.created` records every event. 16 creates are sent at once (each retried
with its Idempotency-Key until answered 201) and the first node, the one every service connected
to, is stopped while they are in flight. Then: every create answered (0 lost), one ticket per
request (0 duplicated), one `ticket.created` per stored ticket (every event relayed). Only the
drill's own nodes are stopped. Prints the figures; exit 1 when one is off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from faststream.rabbit import QueueType, RabbitQueue  # noqa: E402

from tests.support.cluster import Cluster, cluster  # noqa: E402
from tests.support.events import EventRecorder, created_event_ids  # noqa: E402
from tests.support.factories import ticket_body, unique_phone  # noqa: E402
from tests.support.system import open_system  # noqa: E402
from tests.support.tickets_helpers import tickets_of  # noqa: E402
from uts_shared.contracts import tickets as t  # noqa: E402
from uts_shared.errors import RpcTimeout, Unavailable  # noqa: E402
from uts_shared.messaging import (  # noqa: E402
    RpcClient,
    declare_topology,
    make_broker,
    subscribe_events,
)

CREATES = 16
EVENTS_WITHIN = 60.0
"""Every event recorded within this after the creates end (the outbox sweeps every 30 s)."""
CREATE_WITHIN = 90.0
"""A create is retried until answered 201 within this."""
EVENTS_QUEUE = RabbitQueue(
    "drill.ticket-created",
    queue_type=QueueType.QUORUM,
    routing_key=t.TICKET_CREATED.routing_key,
)


@dataclass
class Figures:
    subjects: list[str]
    answered: dict[str, str] = field(default_factory=dict)
    """subject -> ticketId answered 201 (or 200: the same Idempotency-Key again)"""
    attempts: Counter[str] = field(default_factory=Counter)
    """failed attempts by kind (HTTP status or exception)"""
    stored: dict[str, str] = field(default_factory=dict)
    """ticketId -> subject, as the tickets service holds them afterwards"""
    events: dict[str, set[str]] = field(default_factory=dict)
    """ticketId -> its ticket.created eventIds"""
    duplicate_deliveries: int = 0
    stopped_in: float = 0.0
    answered_in: float = 0.0
    relayed_in: float = 0.0

    @property
    def lost(self) -> int:
        return len(set(self.subjects) - set(self.answered))

    @property
    def duplicated(self) -> int:
        return sum(n - 1 for n in Counter(self.stored.values()).values() if n > 1)

    @property
    def unstored(self) -> int:
        return len(set(self.answered.values()) - set(self.stored))

    @property
    def missing_events(self) -> int:
        return len(set(self.stored) - self.events.keys())

    @property
    def repeated_events(self) -> int:
        return sum(1 for ids in self.events.values() if len(ids) != 1)

    def ok(self) -> bool:
        wrong = (
            self.lost,
            self.duplicated,
            self.unstored,
            self.missing_events,
            self.repeated_events,
        )
        return not any(wrong) and len(self.stored) == len(self.subjects)

    def report(self, total: float) -> str:
        stored = len(self.stored)
        return (
            f"cluster drill: 3 nodes, {len(self.subjects)} concurrent creates held by the "
            f"tickets service while node 1 (every process's) stopped ({self.stopped_in:.1f}s "
            f"to stop)\n"
            f"  {self.lost} lost, {self.duplicated} duplicated, {self.unstored} answered but "
            f"not stored\n"
            f"  {stored} tickets stored, {stored - self.missing_events} with their "
            f"ticket.created event ({self.missing_events} missing, {self.repeated_events} with "
            f"more than one eventId, {self.duplicate_deliveries} duplicate deliveries)\n"
            f"  every create answered {self.answered_in:.1f}s after the stop began, every "
            f"event relayed {self.relayed_in:.1f}s after; failed attempts "
            f"{dict(self.attempts)}; total {total:.1f}s"
        )


async def create(api: httpx.AsyncClient, customer_id: str, subject: str, out: Figures) -> None:
    key = uuid.uuid4().hex
    deadline = time.monotonic() + CREATE_WITHIN
    while time.monotonic() < deadline:
        try:
            r = await api.post(
                "/tickets",
                json=ticket_body(customer_id, subject=subject),
                headers={"Idempotency-Key": key},
            )
        except httpx.HTTPError as exc:
            out.attempts[type(exc).__name__] += 1
        else:
            if r.status_code in (200, 201):
                out.answered[subject] = r.json()["ticket"]["ticketId"]
                return
            out.attempts[f"HTTP {r.status_code}"] += 1
        await asyncio.sleep(0.25)


async def stored_with_events(
    rpc: RpcClient, recorder: EventRecorder, customer_id: str
) -> tuple[dict[str, str], dict[str, set[str]]]:
    """The customer's tickets (id -> subject) and their `ticket.created` eventIds, once every
    stored ticket has its event (or EVENTS_WITHIN passed)."""
    deadline = time.monotonic() + EVENTS_WITHIN
    stored: dict[str, str] = {}
    while True:
        with contextlib.suppress(RpcTimeout, Unavailable):  # a node may still be settling
            stored = await tickets_of(rpc, customer_id)
        events = created_event_ids(recorder)
        if set(stored) <= events.keys() or time.monotonic() > deadline:
            return stored, events
        await asyncio.sleep(0.5)


async def creates_across_a_node_stop(
    nodes: Cluster, rpc: RpcClient, recorder: EventRecorder
) -> Figures:
    async with open_system(
        "drill-cluster", nodes.urls, None, log_level="WARNING", RABBITMQ_QUEUE_TYPE="quorum"
    ) as system:
        system.start("config", "config")
        system.start("tickets", "tickets")
        url = await system.start_gateway(required=("config", "tickets"), RPC_TIMEOUT="5")
        async with system.api(await system.login(base=url), base=url) as api:
            r = await api.post(
                "/customers", json={"phoneNumber": unique_phone(), "firstName": "Drill"}
            )
            r.raise_for_status()
            customer_id = r.json()["customer"]["id"]
            figures = Figures([f"Drill {n} {uuid.uuid4().hex[:8]}" for n in range(CREATES)])
            # The tickets service holds the creates (delivered, not yet done) while the node
            # every process is connected to goes away, then goes on.
            await system.freeze("tickets")
            creates = [
                asyncio.create_task(create(api, customer_id, subject, figures))
                for subject in figures.subjects
            ]
            await asyncio.sleep(1.0)
            stopping = time.monotonic()
            await nodes.stop(nodes.nodes[0])
            figures.stopped_in = time.monotonic() - stopping
            system.thaw("tickets")
            await asyncio.gather(*creates)
            figures.answered_in = time.monotonic() - stopping
            figures.stored, figures.events = await stored_with_events(rpc, recorder, customer_id)
            figures.relayed_in = time.monotonic() - stopping
            figures.duplicate_deliveries = recorder.duplicates
    return figures


async def drill(nodes: Cluster) -> int:
    started = time.monotonic()
    observer = make_broker(nodes.urls, app_id="drill-observer", queue_type="quorum")
    rpc = RpcClient(observer, timeout=10.0, name="drill-observer")
    recorder = EventRecorder()
    subscribe_events(observer, EVENTS_QUEUE, recorder.on_event)
    await observer.connect()
    await declare_topology(observer)
    await observer.start()
    try:
        figures = await creates_across_a_node_stop(nodes, rpc, recorder)
    finally:
        await observer.stop()
    print(figures.report(time.monotonic() - started))
    ok = figures.ok()
    print("cluster drill: " + ("passed" if ok else "FAILED"))
    return 0 if ok else 1


async def main() -> int:
    formed = time.monotonic()
    async with cluster(3) as nodes:
        print(
            f"cluster drill: {', '.join(n.name for n in nodes.nodes)} clustered in "
            f"{time.monotonic() - formed:.1f}s (AMQP ports "
            f"{', '.join(str(n.port) for n in nodes.nodes)})",
            flush=True,
        )
        return await drill(nodes)


if __name__ == "__main__":
    # The failover in a line each; the expected "connection closed" tracebacks left out.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("uts_shared.messaging").setLevel(logging.INFO)
    for noisy in ("aiormq", "aio_pika"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    sys.exit(asyncio.run(main()))
