"""The FastStream and aio-pika internals the services rely on are where `uts_shared.messaging`'s
adapter expects them: this fails first when an upgrade moves them."""

from __future__ import annotations

import gc
import inspect
import uuid
from typing import Any

import aio_pika
from aio_pika.robust_connection import RobustConnection

from tests.support.waiting import poll_until
from uts_shared.contracts.base import Rpc, WireModel
from uts_shared.messaging import (
    EventPublisher,
    FailoverConnection,
    RpcClient,
    declare_topology,
    events_channel,
    instance_queue,
    make_broker,
    on_reconnect,
    serve,
    subscribe_events,
)


class Echo(WireModel):
    subject: str


ECHO = Rpc("internals-test.echo", Echo, Echo)


async def test_the_reconnect_hook_and_the_events_channel_are_reachable(rabbit_url: str) -> None:
    broker = make_broker(rabbit_url, app_id="internals-test")
    await broker.connect()
    try:
        assert on_reconnect(broker, lambda: None)
        channel = await events_channel(broker)
        assert not channel.is_closed
    finally:
        await broker.stop()


def test_the_connection_hooks_the_failover_relies_on_are_where_it_expects_them() -> None:
    # FastStream hands its connection keywords to aio_pika.connect_robust (which takes the
    # connection's class); aio-pika's robust connection (re)connects its transport in one method.
    broker = make_broker("amqp://a/,amqp://b/", app_id="internals-test")
    assert issubclass(broker._connection_kwargs["connection_class"], FailoverConnection)
    assert callable(getattr(RobustConnection, "_RobustConnection__connect_transport", None))
    assert "connection_class" in inspect.signature(aio_pika.connect_robust).parameters


async def test_handled_requests_replies_and_events_leave_no_reference_cycles(
    rabbit_url: str,
) -> None:
    # A message left in a cycle waits for the cyclic collector, whose pauses then grow with
    # the traffic: every request, reply and event must be freed as soon as it is handled.
    server = make_broker(rabbit_url, app_id="internals-test-server")
    client = make_broker(rabbit_url, app_id="internals-test-client")
    seen: list[str] = []

    async def echo(request: Echo) -> Echo:
        return request

    async def on_event(routing_key: str, body: bytes, _: Any) -> None:
        seen.append(routing_key)

    serve(server, ECHO, echo)
    queue = instance_queue(f"internals-test.{uuid.uuid4().hex[:8]}", "probe.#")
    subscribe_events(server, queue, on_event)
    rpc = RpcClient(client, timeout=10, name="internals-test")
    await server.start()
    await client.start()
    try:
        await declare_topology(client)
        publisher = EventPublisher(client)
        await rpc.call(ECHO, Echo(subject="warm-up"))
        gc.collect()
        gc.disable()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            for n in range(20):
                assert (await rpc.call(ECHO, Echo(subject=f"s{n}"))).subject == f"s{n}"
                await publisher.publish_raw("probe.sent", b"{}", uuid.uuid4().hex)
            await poll_until(lambda: len(seen) == 20, what="the events consumed")
            gc.collect()
            kinds = {type(found).__name__ for found in gc.garbage}
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()
        assert not kinds & {"RabbitMessage", "IncomingMessage"}, kinds
    finally:
        await client.stop()
        await server.stop()
