"""`uts-admin dead-letters …` on the real broker: messages a consumer dead-lettered are listed
without being taken, and replayed to where they were first published."""

from __future__ import annotations

import contextlib
import itertools
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel

from tests.support.admin_cli import CLOSED_PORT_URL, admin, one_line_error
from tests.support.broker import queue_state
from tests.support.config_helpers import config_harness
from tests.support.waiting import poll_until
from uts_shared.contracts import config as contracts
from uts_shared.contracts.base import DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE, EVENTS_EXCHANGE
from uts_shared.messaging import declare_topology, make_broker, rpc_queue, work_queue

pytestmark = pytest.mark.usefixtures("fresh_store")


async def _dead_letters(url: str) -> int:
    return (await queue_state(url, DEAD_LETTER_QUEUE)).ready


@contextlib.asynccontextmanager
async def _channel(url: str) -> AsyncIterator[AbstractChannel]:
    """The test's own channel, on a vhost with the topology every service declares."""
    broker = make_broker(url, app_id="dead-letter-tests")
    await broker.connect()
    try:
        await declare_topology(broker)
    finally:
        await broker.stop()
    connection = await aio_pika.connect(url)
    try:
        yield await connection.channel()
    finally:
        await connection.close()


async def _declare(channel: AbstractChannel, name: str, binding: str | None = None) -> None:
    """A service's queue: dead-lettered to `uts.dlx` (an RPC queue, or a work queue on the
    events exchange when `binding` is given)."""
    spec = rpc_queue(name) if binding is None else work_queue(name, binding)
    queue = await channel.declare_queue(name, durable=True, arguments=spec.arguments)
    if binding is not None:
        await queue.bind(EVENTS_EXCHANGE, routing_key=binding)


async def _refused(channel: AbstractChannel, queue: str) -> None:
    """What a consumer does with a message it cannot use: reject it without requeueing."""
    message = await (await channel.get_queue(queue, ensure=False)).get(timeout=5)
    assert message is not None
    await message.reject(requeue=False)


async def _publish(
    channel: AbstractChannel, body: bytes, routing_key: str, *, exchange: str = "", **props: str
) -> None:
    target = (
        channel.default_exchange
        if exchange == ""
        else await channel.get_exchange(exchange, ensure=False)
    )
    await target.publish(aio_pika.Message(body, **props), routing_key=routing_key)


async def _wait_for_one(url: str) -> bool:
    return await _dead_letters(url) == 1


async def test_list_shows_what_a_service_dead_lettered_without_taking_it(
    fresh_vhost: str, mongo_url: str | None
) -> None:
    marker = uuid.uuid4().hex
    async with config_harness(fresh_vhost, mongo_url) as h:
        await h.broker.publish(
            b'{"agentId": "' + marker.encode() + b'", "categories": [',
            routing_key=contracts.UPDATE_CATEGORIES.queue,
        )
        await poll_until(
            lambda: _wait_for_one(fresh_vhost), what="the malformed request dead-lettered"
        )

        result = await admin("dead-letters", "list", RABBITMQ_URL=fresh_vhost)
        again = await admin("dead-letters", "list", "--limit", "1", RABBITMQ_URL=fresh_vhost)

    assert result.exit_code == 0, result.output
    assert "1 dead letters in uts.dead-letters, 1 shown" in result.stdout
    [line] = [line for line in result.stdout.splitlines() if marker[:20] in line]
    assert contracts.UPDATE_CATEGORIES.queue in line
    assert "rejected" in line and "x1" in line
    assert again.stdout == result.stdout
    assert await _dead_letters(fresh_vhost) == 1


async def test_replay_by_id_puts_one_message_back_in_its_queue_and_leaves_the_others(
    fresh_vhost: str,
) -> None:
    async with _channel(fresh_vhost) as channel:
        await _declare(channel, "test.orders")
        for n in (1, 2):
            await _publish(
                channel,
                f'{{"order": {n}}}'.encode(),
                "test.orders",
                message_id=f"order-{n}",
                content_type="application/json",
                headers={"x-request-id": f"request-{n}"},
            )
            await _refused(channel, "test.orders")
        listed = await admin("dead-letters", "list", RABBITMQ_URL=fresh_vhost)

        result = await admin("dead-letters", "replay", "--id", "order-2", RABBITMQ_URL=fresh_vhost)

        assert result.exit_code == 0, result.output
        assert "replayed order-2 to (default exchange) / test.orders" in result.stdout
        back = await (await channel.get_queue("test.orders", ensure=False)).get(timeout=5)
        assert back is not None
        assert (back.body, back.message_id, back.content_type) == (
            b'{"order": 2}',
            "order-2",
            "application/json",
        )
        assert back.headers == {"x-request-id": "request-2"}
    assert listed.stdout.count("test.orders") == 2
    assert await _dead_letters(fresh_vhost) == 1
    still = await admin("dead-letters", "list", RABBITMQ_URL=fresh_vhost)
    assert "order-1" in still.stdout and "order-2" not in still.stdout


async def test_replay_all_republishes_requests_and_events_where_they_were_first_published(
    fresh_vhost: str,
) -> None:
    async with _channel(fresh_vhost) as channel:
        await _declare(channel, "test.orders")
        await _declare(channel, "test.order-events", binding="order.placed")
        await _publish(channel, b"request", "test.orders")
        await _refused(channel, "test.orders")
        await _publish(channel, b"event", "order.placed", exchange=EVENTS_EXCHANGE)
        await _refused(channel, "test.order-events")

        result = await admin("dead-letters", "replay", "--all", RABBITMQ_URL=fresh_vhost)

        assert result.exit_code == 0, result.output
        assert f"to {EVENTS_EXCHANGE} / order.placed" in result.stdout
        assert "replayed 2 dead letter(s)" in result.stdout
        request = await (await channel.get_queue("test.orders", ensure=False)).get(timeout=5)
        event = await (await channel.get_queue("test.order-events", ensure=False)).get(timeout=5)
        assert (request and request.body, event and event.body) == (b"request", b"event")
    assert await _dead_letters(fresh_vhost) == 0


async def test_a_message_with_nowhere_to_go_stays_a_dead_letter(fresh_vhost: str) -> None:
    async with _channel(fresh_vhost) as channel:
        await _declare(channel, "test.gone")
        await _publish(channel, b"orphan", "test.gone", message_id="orphan-1")
        await _refused(channel, "test.gone")
        await channel.queue_delete("test.gone")

    result = await admin("dead-letters", "replay", "--all", RABBITMQ_URL=fresh_vhost)

    assert result.exit_code == 1
    error = one_line_error(result)
    assert "orphan-1" in error and "no queue is bound" in error
    assert await _dead_letters(fresh_vhost) == 1


async def test_replay_of_an_unknown_id_is_exit_1(fresh_vhost: str) -> None:
    async with _channel(fresh_vhost) as channel:
        await _declare(channel, "test.orders")
        await _publish(channel, b"kept", "test.orders", message_id="kept-1")
        await _refused(channel, "test.orders")

    result = await admin("dead-letters", "replay", "--id", "no-such-id", RABBITMQ_URL=fresh_vhost)

    assert result.exit_code == 1
    assert "no dead letter with the id 'no-such-id'" in one_line_error(result)
    assert await _dead_letters(fresh_vhost) == 1


async def test_a_broker_without_dead_letters_says_so(fresh_vhost: str) -> None:
    result = await admin("dead-letters", "list", RABBITMQ_URL=fresh_vhost)

    assert result.exit_code == 0
    assert "no dead letters" in result.stdout


async def test_a_broker_that_is_down_is_exit_2_naming_rabbitmq_url() -> None:
    for args in (("list",), ("replay", "--all")):
        result = await admin("dead-letters", *args, RABBITMQ_URL=CLOSED_PORT_URL)

        assert result.exit_code == 2
        assert "RABBITMQ_URL=amqp://guest:***@127.0.0.1:1/" in one_line_error(result)


async def test_a_dead_letter_whose_exchange_is_gone_stays_and_the_others_are_replayed(
    fresh_vhost: str,
) -> None:
    async with _channel(fresh_vhost) as channel:
        await _declare(channel, "test.orders")
        dead_letters = await channel.get_exchange(DEAD_LETTER_EXCHANGE, ensure=False)
        death = {
            "queue": "test.legacy",
            "reason": "rejected",
            "exchange": "test.retired-exchange",
            "routing-keys": ["legacy.thing"],
            "time": datetime(2026, 3, 14, 9, 30, tzinfo=UTC),
            "count": 1,
        }
        await dead_letters.publish(
            aio_pika.Message(b"legacy", message_id="legacy-1", headers={"x-death": [death]}),
            routing_key="test.legacy",
        )
        await _publish(channel, b"current", "test.orders", message_id="current-1")
        await _refused(channel, "test.orders")

        listed = await admin("dead-letters", "list", RABBITMQ_URL=fresh_vhost)
        result = await admin("dead-letters", "replay", "--all", RABBITMQ_URL=fresh_vhost)

        [legacy] = [line for line in listed.stdout.splitlines() if line.startswith("legacy-1 ")]
        assert re.split(r"  +", legacy)[:4] == [
            "legacy-1",
            "legacy.thing (test.legacy)",
            "rejected",
            "2026-03-14 09:30:00Z",
        ]
        assert result.exit_code == 1
        assert "replayed current-1 to (default exchange) / test.orders" in result.stdout
        error = one_line_error(result)
        assert "legacy-1" in error and "'test.retired-exchange' does not exist" in error
        back = await (await channel.get_queue("test.orders", ensure=False)).get(timeout=5)
        assert back is not None and back.body == b"current"
    assert await _dead_letters(fresh_vhost) == 1


async def test_list_shows_dead_letters_in_aligned_columns(fresh_vhost: str) -> None:
    async with _channel(fresh_vhost) as channel:
        await _declare(channel, "test.orders")
        await _declare(channel, "test.order-events", binding="order.placed.in.a.long.key")
        await _publish(channel, b"request\tone", "test.orders", message_id="r-1")
        await _refused(channel, "test.orders")
        await _publish(
            channel,
            b"event",
            "order.placed.in.a.long.key",
            exchange=EVENTS_EXCHANGE,
            message_id="event-with-a-longer-id",
        )
        await _refused(channel, "test.order-events")

    result = await admin("dead-letters", "list", RABBITMQ_URL=fresh_vhost)

    assert result.exit_code == 0, result.output
    _, header, *rows = result.stdout.splitlines()
    columns = ["ID", "ROUTING KEY (QUEUE)", "REASON", "FIRST DEATH", "TIMES", "BODY"]
    starts = [header.index(name) for name in columns]
    assert starts == sorted(starts)
    assert len(rows) == 2
    for row in rows:
        cells = [row[a:b].strip() for a, b in itertools.pairwise([*starts, len(row)])]
        assert all(cells), row  # every cell starts where its column does
        assert all(row[start - 2 : start] == "  " for start in starts[1:]), row
        assert cells[2:5][0] == "rejected" and cells[4] == "x1", row
    by_id = {row.split()[0]: row for row in rows}
    assert "order.placed.in.a.long.key (test.order-events)" in by_id["event-with-a-longer-id"]
    assert by_id["r-1"].endswith("request\\tone")  # a tab would shift the columns: escaped
