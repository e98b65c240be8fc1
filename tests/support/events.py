"""Events on the broker as tests see them: recorded once per eventId, waited on as they arrive.

- `EventRecorder`: every event delivered to one of the test's queues (raw JSON), duplicates
  (an eventId seen before) counted and dropped, as every consumer should.
- `observer(...)`: the test's own broker connection: an `RpcClient` and a recorder of the
  events reaching a queue (e.g. a durable one bound before any service started).
- `created_event_ids` / `wait_created_events`: the `ticket.created` events per ticket.
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from faststream.rabbit import RabbitMessage, RabbitQueue

from tests.support.waiting import Arrivals
from uts_shared.contracts import tickets as t
from uts_shared.logs import REQUEST_ID_HEADER
from uts_shared.messaging import RpcClient, declare_topology, make_broker, subscribe_events


@dataclass
class Recorded:
    routing_key: str
    event_id: str
    body: dict[str, Any]
    request_id: str | None = None
    """The `x-request-id` header it was published with."""
    headers: dict[str, Any] = field(default_factory=dict)
    """Every header it was published with (e.g. `traceparent`)."""

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.body["data"]
        return data

    @property
    def ticket_id(self) -> str | None:
        """The ticket the event is about (`ticket.created` carries it inside `ticket`)."""
        if "ticketId" in self.data:
            return str(self.data["ticketId"])
        ticket = self.data.get("ticket")
        return str(ticket["ticketId"]) if isinstance(ticket, dict) else None


class EventRecorder:
    """Every event on the test's queue, once per eventId (raw JSON)."""

    def __init__(self) -> None:
        self.arrivals: Arrivals[Recorded] = Arrivals("events")
        self.duplicates = 0
        """Deliveries of an eventId already seen (dropped, as every consumer should)."""
        self._seen: set[str] = set()

    @property
    def events(self) -> list[Recorded]:
        return self.arrivals.items

    async def on_event(self, routing_key: str, body: bytes, message: RabbitMessage) -> None:
        parsed = json.loads(body)
        if parsed["eventId"] in self._seen:
            self.duplicates += 1
            return
        self._seen.add(parsed["eventId"])
        headers = dict(message.headers)
        recorded = Recorded(
            routing_key, parsed["eventId"], parsed, headers.get(REQUEST_ID_HEADER), headers
        )
        await self.arrivals.add(recorded)

    def of(self, routing_key: str, ticket_id: str | None = None) -> list[Recorded]:
        return self.arrivals.matching(_about(routing_key, ticket_id))

    async def wait_for(
        self, holds: Callable[[list[Recorded]], bool], timeout: float = 10.0
    ) -> list[Recorded]:
        """Until `holds(every event so far)`."""
        return await self.arrivals.wait_until(holds, timeout=timeout)

    async def wait_one(
        self, routing_key: str, ticket_id: str, timeout: float = 10.0, count: int = 1
    ) -> list[Recorded]:
        """Until `count` `routing_key` events about `ticket_id` arrived; all of them."""
        return await self.arrivals.wait_for(
            _about(routing_key, ticket_id),
            count=count,
            timeout=timeout,
            what=f"{count} {routing_key} of {ticket_id}",
        )


def _about(routing_key: str, ticket_id: str | None) -> Callable[[Recorded], bool]:
    return lambda e: (
        e.routing_key == routing_key and (ticket_id is None or e.ticket_id == ticket_id)
    )


@contextlib.asynccontextmanager
async def observer(
    rabbit_url: str, events: RabbitQueue, *, name: str, timeout: float
) -> AsyncIterator[tuple[RpcClient, EventRecorder]]:
    """The test's own connection: an RpcClient and a recorder of the events reaching `events`."""
    broker = make_broker(rabbit_url, app_id=name)
    rpc = RpcClient(broker, timeout=timeout, name=name)
    recorder = EventRecorder()
    subscribe_events(broker, events, recorder.on_event)
    await broker.connect()
    await declare_topology(broker)
    await broker.start()
    try:
        yield rpc, recorder
    finally:
        await broker.stop()


def created_event_ids(recorder: EventRecorder) -> dict[str, set[str]]:
    """ticketId -> the distinct eventIds of its `ticket.created` events."""
    by_ticket: dict[str, set[str]] = defaultdict(set)
    for event in recorder.of(t.TICKET_CREATED.routing_key):
        by_ticket[str(event.data["ticket"]["ticketId"])].add(event.event_id)
    return dict(by_ticket)


async def wait_created_events(
    recorder: EventRecorder, ticket_ids: set[str], timeout: float
) -> dict[str, set[str]]:
    """Until every ticket in `ticket_ids` has a `ticket.created` event (woken per arrival)."""

    def complete(_: list[Recorded]) -> bool:
        return ticket_ids <= created_event_ids(recorder).keys()

    try:
        await recorder.wait_for(complete, timeout)
    except AssertionError:
        missing = sorted(ticket_ids - created_event_ids(recorder).keys())
        raise AssertionError(
            f"{len(missing)} of {len(ticket_ids)} tickets have no ticket.created event after "
            f"{timeout}s: {missing[:20]}"
        ) from None
    return created_event_ids(recorder)
