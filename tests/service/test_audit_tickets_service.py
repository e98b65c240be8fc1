"""Audit of issue 4 at the service level: what the tickets service tests left unasserted.

- A new year starts the sequence at 1 with no job (the service's clock crosses New Year).
- Ticket events go out persistent, with the event id as the AMQP message id.
- SLA targets follow the service's configured targets, not only the built-in ones.
- Search is served by an index on the search terms (the filter is on the indexed field).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import aio_pika

from tests.support.tickets_helpers import tickets_env
from tickets_service.main import TicketsService
from tickets_service.store import TicketFilter
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import EVENTS_EXCHANGE


class SteppedClock:
    """A clock the test moves by hand (the service reads time only through it)."""

    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


async def test_a_new_year_starts_the_sequence_at_one_without_any_job(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url) as env:
        clock = SteppedClock(datetime(2031, 12, 31, 23, 59, 58, tzinfo=UTC))
        await env.service.stop()
        service = TicketsService(env.service.settings, database=env.database, clock=clock)
        env.services[0] = service
        await service.start()
        customer = await env.customer()
        late = [(await env.ticket(customer)).ticket_id for _ in range(3)]
        clock.current += timedelta(seconds=3)  # 2032-01-01 00:00:01
        early = [(await env.ticket(customer)).ticket_id for _ in range(2)]
        assert late == ["LUX-2031-000001", "LUX-2031-000002", "LUX-2031-000003"]
        assert early == ["LUX-2032-000001", "LUX-2032-000002"]
        clock.current -= timedelta(seconds=3)  # a late writer still in the old year
        assert (await env.ticket(customer)).ticket_id == "LUX-2031-000004"


async def test_ticket_events_are_persistent_with_the_event_id_as_message_id(
    rabbit_url: str, mongo_url: str | None
) -> None:
    connection = await aio_pika.connect_robust(rabbit_url)
    try:
        channel = await connection.channel()
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key="ticket.#")
        async with tickets_env(rabbit_url, mongo_url) as env:
            customer = await env.customer()
            ticket = await env.ticket(customer)
            await env.rpc.call(
                t.ADD_NOTE, t.AddNote(ticket_id=ticket.ticket_id, content="n", by="a1")
            )
            seen: dict[str, aio_pika.abc.AbstractIncomingMessage] = {}

            async def collect() -> None:
                async with queue.iterator() as messages:
                    async for message in messages:
                        await message.ack()
                        body = json.loads(message.body)
                        if body["type"] in ("ticket.created", "ticket.note_added"):
                            seen[body["type"]] = message
                        if len(seen) == 2:
                            return

            await asyncio.wait_for(collect(), 10)
        for kind, message in seen.items():
            body = json.loads(message.body)
            assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT, kind
            assert message.message_id == body["eventId"], kind
            assert message.routing_key == kind
            assert set(body) >= {"eventId", "type", "occurredAt", "data"}
    finally:
        await connection.close()


async def test_sla_targets_come_from_the_services_configuration(
    rabbit_url: str, mongo_url: str | None
) -> None:
    targets = {"urgent": {"firstResponse": 60_000, "resolution": 120_000}}
    async with tickets_env(rabbit_url, mongo_url, sla_targets_ms=targets) as env:
        customer = await env.customer()
        urgent = await env.ticket(customer, priority=t.Priority.URGENT)
        low = await env.ticket(customer, priority=t.Priority.LOW)
        assert (urgent.sla.first_response_target, urgent.sla.resolution_target) == (
            60_000,
            120_000,
        )
        assert low.sla.resolution_target == 7 * 24 * 3_600_000  # untouched priorities keep theirs
        raised = await env.rpc.call(
            t.UPDATE,
            t.UpdateTicket(
                ticket_id=low.ticket_id,
                changes=t.TicketChanges(priority=t.Priority.URGENT),
                by="a1",
            ),
        )
        assert raised.sla.first_response_target == 60_000


async def test_search_filters_on_the_indexed_search_terms(
    rabbit_url: str, mongo_url: str | None
) -> None:
    """No `$text`, no regex scan: the match is an `$in` on `searchTerms`, which has an index.

    (On a real server `explain` would show an IXSCAN; this run may use the in-process engine,
    so the test checks the two halves that make it one.)
    """
    query = TicketFilter(terms=("iluminacion", "poste")).query()
    assert query == {"searchTerms": {"$in": ["iluminacion", "poste"]}}
    async with tickets_env(rabbit_url, mongo_url) as env:
        collection = env.service.store.tickets
        if hasattr(collection, "index_information"):  # a real server
            indexes = await collection.index_information()
        else:  # the in-process engine's facade: ask the mongomock collection under it
            indexes = collection._c.index_information()
        keys = [[k for k, _ in spec["key"]] for spec in indexes.values()]
        assert ["searchTerms"] in keys, keys
