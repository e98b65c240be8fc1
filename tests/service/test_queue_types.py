"""RABBITMQ_QUEUE_TYPE on the real broker: with `quorum` the request, work and dead-letter queues
are quorum queues (reply and relay queues stay exclusive classic ones); a service finding its
queues of another type serves on them and logs the queue and the command; `uts-admin queues
migrate` changes their type keeping their messages and bindings."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage

from tests.support.admin_cli import admin
from tests.support.broker import queue_state, queue_types, vhost_of
from tests.support.tickets_helpers import settings_for
from tickets_service.main import TicketsService
from uts_shared.contracts import tickets as t
from uts_shared.contracts.agents import AGENT_NAMES_QUEUE, AGENT_UPDATED
from uts_shared.contracts.base import DEAD_LETTER_QUEUE, EVENTS_EXCHANGE, Empty, health_rpc
from uts_shared.contracts.topology import SHARED_QUEUES
from uts_shared.messaging import QueueType, RpcClient, make_broker

pytestmark = pytest.mark.usefixtures("fresh_store")

TICKETS_QUEUES = {
    t.CREATE_FROM_AGENT.queue,
    health_rpc("tickets").queue,
    AGENT_NAMES_QUEUE,
    t.CUSTOMER_REPLIED_QUEUE,
    DEAD_LETTER_QUEUE,
}


@contextlib.asynccontextmanager
async def tickets_service(url: str, queue_type: QueueType) -> AsyncIterator[RpcClient]:
    """A tickets service declaring its queues as `queue_type`, and a client of its health."""
    service = TicketsService(
        settings_for(url, None, "uts_tickets_queue_types", rabbitmq_queue_type=queue_type)
    )
    client = make_broker(url, app_id="queue-types-test", queue_type=queue_type)
    rpc = RpcClient(client, timeout=10.0, name="queue-types-test")
    await service.start()
    await client.start()
    try:
        yield rpc
    finally:
        await client.stop()
        await service.stop()


async def publish_agent_updates(url: str, count: int) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EVENTS_EXCHANGE, ensure=False)
        for n in range(count):
            await exchange.publish(
                aio_pika.Message(b'{"not": "read"}', message_id=f"m{n}"),
                AGENT_UPDATED.routing_key,
            )


async def ready(url: str, name: str) -> int:
    """Messages waiting in `name` (its declare-ok: rabbitmqctl's quorum figures lag)."""
    return (await queue_state(url, name)).ready


async def test_with_quorum_the_request_work_and_dead_letter_queues_are_quorum_reply_ones_not(
    fresh_vhost: str,
) -> None:
    async with tickets_service(fresh_vhost, "quorum") as rpc:
        assert (await rpc.call(health_rpc("tickets"), Empty())).service == "tickets"
        types = await queue_types(vhost_of(fresh_vhost))

    assert set(types) >= TICKETS_QUEUES, types
    assert {name: types[name] for name in TICKETS_QUEUES} == dict.fromkeys(TICKETS_QUEUES, "quorum")
    shared = {q.name for q in SHARED_QUEUES}
    others = {name: kind for name, kind in types.items() if name not in shared}
    exclusive = {name for name, kind in others.items() if kind != "quorum"}
    assert exclusive, "no reply or relay queue was declared"
    assert all(types[name] == "classic (exclusive)" for name in exclusive), types


async def test_a_service_finding_its_queues_classic_logs_them_with_the_command_and_serves(
    fresh_vhost: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with tickets_service(fresh_vhost, "classic"):
        pass
    with caplog.at_level(logging.ERROR, logger="uts_shared.messaging"):
        async with tickets_service(fresh_vhost, "quorum") as rpc:
            assert (await rpc.call(health_rpc("tickets"), Empty())).service == "tickets"

    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    for name in (AGENT_NAMES_QUEUE, t.CREATE_FROM_AGENT.queue, DEAD_LETTER_QUEUE):
        named = [e for e in errors if f"queue '{name}'" in e]
        assert named, f"no error names {name}: {errors}"
        assert "uts-admin queues migrate --to quorum" in named[0]
    assert not any("PRECONDITION_FAILED" in e and "Traceback" in e for e in errors)
    assert (await queue_types(vhost_of(fresh_vhost)))[AGENT_NAMES_QUEUE] == "classic"


async def test_queues_migrate_changes_their_type_both_ways_keeping_messages_and_bindings(
    fresh_vhost: str,
) -> None:
    vhost = vhost_of(fresh_vhost)
    async with tickets_service(fresh_vhost, "classic"):
        pass
    await publish_agent_updates(fresh_vhost, 3)
    assert await ready(fresh_vhost, AGENT_NAMES_QUEUE) == 3

    result = await admin("queues", "migrate", "--to", "quorum", RABBITMQ_URL=fresh_vhost)

    assert result.exit_code == 0, result.output
    assert f"{AGENT_NAMES_QUEUE}: now quorum, 3 messages kept" in result.output
    types = await queue_types(vhost)
    assert {name: types[name] for name in TICKETS_QUEUES} == dict.fromkeys(TICKETS_QUEUES, "quorum")
    assert not [name for name in types if name.endswith(".migrating")], types
    assert await ready(fresh_vhost, AGENT_NAMES_QUEUE) == 3
    await publish_agent_updates(fresh_vhost, 1)  # still bound to agent.updated
    assert await ready(fresh_vhost, AGENT_NAMES_QUEUE) == 4

    again = await admin("queues", "migrate", "--to", "quorum", RABBITMQ_URL=fresh_vhost)
    assert again.exit_code == 0, again.output
    assert "0 queues migrated to quorum" in again.output

    back = await admin("queues", "migrate", "--to", "classic", RABBITMQ_URL=fresh_vhost)
    assert back.exit_code == 0, back.output
    assert f"{AGENT_NAMES_QUEUE}: now classic, 4 messages kept" in back.output
    assert (await queue_types(vhost))[AGENT_NAMES_QUEUE] == "classic"
    assert await ready(fresh_vhost, AGENT_NAMES_QUEUE) == 4


async def settle(message: AbstractIncomingMessage) -> None:
    await message.ack()


async def test_queues_migrate_leaves_a_queue_with_consumers_as_it_is(fresh_vhost: str) -> None:
    async with tickets_service(fresh_vhost, "classic"):
        pass
    connection = await aio_pika.connect(fresh_vhost)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(AGENT_NAMES_QUEUE, ensure=False)
        await queue.consume(settle, no_ack=False)

        result = await admin(
            "queues",
            "migrate",
            "--to",
            "quorum",
            "--queue",
            AGENT_NAMES_QUEUE,
            RABBITMQ_URL=fresh_vhost,
        )

    assert result.exit_code == 1, result.output
    assert f"{AGENT_NAMES_QUEUE}: left as it is, 1 consumers: stop the services first" in (
        result.stderr
    )
    assert (await queue_types(vhost_of(fresh_vhost)))[AGENT_NAMES_QUEUE] == "classic"


async def test_queues_migrate_refuses_a_queue_the_system_does_not_have(fresh_vhost: str) -> None:
    result = await admin("queues", "migrate", "--queue", "no.such.queue", RABBITMQ_URL=fresh_vhost)
    assert result.exit_code == 1
    assert "--queue: not a durable queue of the system: no.such.queue" in result.stderr
