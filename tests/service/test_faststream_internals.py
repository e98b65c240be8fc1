"""The FastStream and aio-pika internals the services rely on are where `uts_shared.messaging`'s
adapter expects them: this fails first when an upgrade moves them."""

from __future__ import annotations

import inspect

import aio_pika
from aio_pika.robust_connection import RobustConnection

from uts_shared.messaging import FailoverConnection, events_channel, make_broker, on_reconnect


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
