"""A service declares every request queue before it consumes any: a request sent while it is
still starting (a caller that already saw another operation answered) waits in its queue; and
while it prepares, it hears the answers of the services it asks, and nothing else."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

import aio_pika

from tests.support.tickets_helpers import ConfigStub, settings_for
from tickets_service.main import TicketsService
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import Empty, Rpc, health_rpc
from uts_shared.contracts.sla import BusinessCalendar, SlaPolicy
from uts_shared.messaging import RpcClient, declare_topology, make_broker
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


async def test_what_a_service_asks_while_preparing_is_answered_and_other_messages_wait(
    rabbit_url: str,
) -> None:
    """Preparing, the tickets service asks the configuration for the SLA calendar's zone (its
    report rollups are kept in it): the answer comes in, where before the service's consumers
    started it timed out and the built-in policy was used. A request sent meanwhile waits
    until the service is prepared, then is answered."""
    config = ConfigStub(rabbit_url)
    config.sla = SlaPolicy(calendar=BusinessCalendar(time_zone="America/Bogota"))
    await config.broker.start()
    service = TicketsService(settings_for(rabbit_url, None, "uts_tickets_prepared"))
    preparing = asyncio.Event()
    finish = asyncio.Event()
    real_prepare = service.prepare

    async def slow_prepare() -> None:
        await real_prepare()
        preparing.set()
        await finish.wait()

    service.prepare = slow_prepare  # type: ignore[method-assign]
    caller = make_broker(rabbit_url, app_id="startup-caller")
    rpc = RpcClient(caller, timeout=10.0, name="startup-caller")
    await caller.start()
    starting = asyncio.create_task(service.start())
    try:
        await asyncio.wait_for(preparing.wait(), 30)
        assert config.calls >= 1
        assert service.report_facts.rollups is not None
        assert service.report_facts.rollups.zone == ZoneInfo("America/Bogota")
        health = asyncio.create_task(rpc.call(health_rpc("tickets"), Empty()))
        await asyncio.sleep(0.5)
        assert not health.done()
        finish.set()
        await starting
        assert (await health).service == "tickets"
    finally:
        finish.set()
        await starting
        await service.stop()
        await caller.stop()
        await config.broker.stop()
