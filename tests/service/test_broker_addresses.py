"""Several broker addresses on the real broker: a broker connects to the first that answers and,
when the node it is connected to goes away, reconnects to another."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from tests.support.admin_cli import CLOSED_PORT_URL
from tests.support.broker import rabbitmqctl, vhost_of
from tests.support.waiting import poll_until
from uts_shared.contracts.base import Empty, HealthStatus, health_rpc
from uts_shared.messaging import RpcClient, broker_connection, make_broker, serve

SPEC = health_rpc("addresses")


def on_host(url: str, host: str) -> str:
    """`url` naming the same node through another host name."""
    parts = urlsplit(url)
    netloc = f"{parts.username}:{parts.password}@{host}:{parts.port or 5672}"
    return urlunsplit(parts._replace(netloc=netloc))


async def test_a_broker_connects_to_the_first_address_that_answers(fresh_vhost: str) -> None:
    vhost = urlsplit(fresh_vhost).path
    nobody = CLOSED_PORT_URL.rstrip("/") + vhost
    broker = make_broker(f"{nobody},{fresh_vhost}", app_id="addresses-test")
    status = HealthStatus(service="addresses", instance="1", mongo="none")

    async def answer(_: Empty) -> HealthStatus:
        return status

    serve(broker, SPEC, answer)
    rpc = RpcClient(broker, timeout=10.0, name="addresses-test")
    await broker.start()
    try:
        assert str(broker_connection(broker).url).startswith(fresh_vhost.rsplit("/", 1)[0])
        assert await rpc.call(SPEC, Empty()) == status
    finally:
        await broker.stop()


async def test_a_broker_whose_node_goes_away_reconnects_to_another_address(
    fresh_vhost: str,
) -> None:
    # Two addresses of the one local node: closing its connections stands for the node going
    # away (the cluster drill stops a real one).
    first, second = on_host(fresh_vhost, "127.0.0.1"), on_host(fresh_vhost, "localhost")
    broker = make_broker(f"{first},{second}", app_id="addresses-test")
    status = HealthStatus(service="addresses", instance="1", mongo="none")

    async def answer(_: Empty) -> HealthStatus:
        return status

    serve(broker, SPEC, answer)
    rpc = RpcClient(broker, timeout=10.0, name="addresses-test")
    await broker.start()
    try:
        connection = broker_connection(broker)
        assert connection.url.host == "127.0.0.1"
        await rabbitmqctl("close_all_connections", "--vhost", vhost_of(fresh_vhost), "node gone")

        async def elsewhere() -> bool:
            return connection.url.host == "localhost" and connection.connected.is_set()

        await poll_until(elsewhere, what="a connection to the other address", timeout=20)
        assert await rpc.call(SPEC, Empty()) == status
    finally:
        await broker.stop()
