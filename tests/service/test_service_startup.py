"""A service declares every request queue before it consumes any: a request sent while it is
still starting (a caller that already saw another operation answered) waits in its queue."""

from __future__ import annotations

import aio_pika

from tests.support.tickets_helpers import settings_for
from tickets_service.main import TicketsService
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import Rpc
from uts_shared.messaging import declare_topology
from uts_shared.runtime import instance_ids


async def test_every_request_queue_exists_before_any_consumer_starts(rabbit_url: str) -> None:
    service = TicketsService(settings_for(rabbit_url, None, "uts_tickets_startup"))
    queues = [spec.queue for spec in vars(t).values() if isinstance(spec, Rpc)]
    await service.broker.connect()
    try:
        await declare_topology(service.broker)
        connection = await aio_pika.connect(rabbit_url)
        async with connection:
            for name in queues:
                channel = await connection.channel()
                await channel.declare_queue(name, passive=True)  # raises if it does not exist
        assert len(queues) > 20
    finally:
        await service.broker.stop()


def test_a_process_runs_one_instance_under_its_own_id_and_several_numbered() -> None:
    assert instance_ids("7f3a9c2e", 1) == ["7f3a9c2e"]
    assert instance_ids("7f3a9c2e", 3) == ["7f3a9c2e-1", "7f3a9c2e-2", "7f3a9c2e-3"]


async def test_an_instance_given_its_id_shows_it_in_health_and_readiness(rabbit_url: str) -> None:
    service = TicketsService(
        settings_for(rabbit_url, None, "uts_tickets_startup"), instance="tickets-pod-1"
    )
    await service.start()
    try:
        health = await service.health()
        ready = await service.readiness()
    finally:
        await service.stop()
    not_ready = await service.readiness()

    assert health.instance == service.instance == "tickets-pod-1"
    assert ready == {"started": "ok", "broker": "ok", "store": "ok"}
    assert not_ready["started"] == "no" and not_ready["broker"] != "ok"
