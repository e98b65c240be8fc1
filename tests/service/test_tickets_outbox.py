"""Events are never lost: published persistent (the event id as the message id), kept in the
ticket's outbox when publishing fails, relayed later."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable

import aio_pika

from tests.support.tickets_helpers import (
    QUICK_RELAY,
    BrokerDown,
    UnconfirmedUntilReleased,
    tickets_env,
)
from tests.support.waiting import poll_until
from tickets_service.events import OutboxEntry
from tickets_service.message_store import conversation_owner, message_owner
from uts_shared.contracts import messages as m
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import EVENTS_EXCHANGE


async def test_broker_down_during_create_keeps_the_event_and_the_relay_delivers_it(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url, instances=2, **QUICK_RELAY) as env:
        customer = await env.customer()
        real = [s.outbox.publisher for s in env.services]
        down = BrokerDown()
        for service in env.services:
            service.outbox.publisher = down

        ticket = await env.ticket(customer, subject="Sin luz en la colonia")
        note = await env.rpc.call(
            t.ADD_NOTE, t.AddNote(ticket_id=ticket.ticket_id, content="n", by="a1")
        )
        assert note.ticket.version == 2  # the writes themselves succeeded

        stored = await env.service.store.outbox_of(ticket.ticket_id)
        assert [e.type for e in stored] == ["ticket.created", "ticket.note_added"]
        assert down.attempts >= 2
        assert env.recorder.of("ticket.created", ticket.ticket_id) == []

        for service, publisher in zip(env.services, real, strict=True):
            service.outbox.publisher = publisher  # the broker is back

        created = await env.recorder.wait_one("ticket.created", ticket.ticket_id)
        noted = await env.recorder.wait_one("ticket.note_added", ticket.ticket_id)
        assert [created[0].event_id, noted[0].event_id] == [e.event_id for e in stored]
        assert created[0].body == json.loads(stored[0].body)  # published as stored, not rebuilt
        assert created[0].data["ticket"]["subject"] == "Sin luz en la colonia"
        await poll_until(
            lambda: sum(s.outbox.relayed for s in env.services) >= 2,
            what="both events counted as relayed",
        )

        await poll_until(
            lambda: _empty(env.service.store.outbox_of(ticket.ticket_id)),
            what=f"the outbox of {ticket.ticket_id} emptied",  # in the relay's next ack write
        )


async def test_events_left_by_a_stopped_instance_go_out_when_one_starts(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url, outbox_grace=0.0) as env:
        customer = await env.customer()
        env.service.outbox.publisher = BrokerDown()
        ticket = await env.ticket(customer)
        [entry] = await env.service.store.outbox_of(ticket.ticket_id)
        assert isinstance(entry, OutboxEntry)

        # A new instance (e.g. after a restart) relays it right away on start.
        from tickets_service.main import TicketsService

        await env.service.stop()
        fresh = TicketsService(env.service.settings, database=env.database)
        env.services[0] = fresh
        await fresh.start()
        [event] = await env.recorder.wait_one("ticket.created", ticket.ticket_id)
        assert event.event_id == entry.event_id


async def test_message_and_handoff_events_wait_in_their_outbox_for_the_broker(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url, **QUICK_RELAY) as env:
        customer = await env.customer()
        conversation = await env.rpc.call(
            t.CREATE_CONVERSATION, t.CreateConversation(customer_id=customer.id)
        )
        real = env.service.outbox.publisher
        env.service.outbox.publisher = BrokerDown()
        message = await env.rpc.call(
            m.POST_MESSAGE,
            m.PostMessage(
                conversation_id=conversation.id,
                direction=m.Direction.OUTBOUND,
                agent_id="a1",
                text="Vamos mañana",
            ),
        )
        await env.rpc.call(
            m.HAND_OFF, m.HandOff(conversation_id=conversation.id, to=t.Handler.AGENT)
        )
        [created] = await env.service.store.outbox_of(message_owner(message.id))
        [handed] = await env.service.store.outbox_of(conversation_owner(conversation.id))
        assert (created.type, handed.type) == (
            "conversation.message_created",
            "conversation.handed_off",
        )

        env.service.outbox.publisher = real  # the broker is back
        await env.recorder.wait_for(
            lambda events: {created.event_id, handed.event_id} <= {e.event_id for e in events}
        )
        await poll_until(
            lambda: _empty(env.service.store.outbox_of(message_owner(message.id))),
            what="the message's outbox emptied",
        )
        await poll_until(
            lambda: _empty(env.service.store.outbox_of(conversation_owner(conversation.id))),
            what="the conversation's outbox emptied",
        )
        stored = await env.rpc.call(
            t.GET_CONVERSATION, t.GetConversation(conversation_id=conversation.id)
        )
        assert stored.handled_by is t.Handler.AGENT  # the outbox left the document readable


async def _empty(entries: Awaitable[list[OutboxEntry]]) -> bool:
    return not await entries


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


async def test_a_write_answers_before_the_broker_confirms_its_events(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url, publish_timeout=60.0) as env:
        customer = await env.customer()
        slow = UnconfirmedUntilReleased(env.service.outbox.publisher)
        env.service.outbox.publisher = slow

        async with asyncio.timeout(5):  # answered while their events wait for confirmation
            ticket = await env.ticket(customer, subject="Poste caido")
            changed = await env.rpc.call(
                t.CHANGE_STATUS,
                t.ChangeStatus(ticket_id=ticket.ticket_id, status="in_progress", by="a1"),
            )
        assert changed.status == t.TicketStatus.IN_PROGRESS
        # The counts are current when the writer replies; both events are still in the
        # outbox, and both publishes have begun.
        stats = await env.rpc.call(t.STATS, t.StatsQuery(customer_id=customer.id))
        assert (stats.total, stats.in_progress) == (1, 1)
        stored = [e.type for e in await env.service.store.outbox_of(ticket.ticket_id)]
        assert stored == ["ticket.created", "ticket.updated"]
        assert slow.begun == stored

        slow.released.set()
        for kind in stored:
            await env.recorder.wait_one(kind, ticket.ticket_id)
        await poll_until(
            lambda: _empty(env.service.store.outbox_of(ticket.ticket_id)),
            what=f"the outbox of {ticket.ticket_id} emptied once confirmed",
        )
