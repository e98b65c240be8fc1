"""Benchmark: classic vs quorum queues on the local RabbitMQ node (RABBITMQ_QUEUE_TYPE).

For each queue type, on a vhost of its own, through the system's own messaging code:
- request/reply: an endpoint served by `serve` on a request queue of that type, called by an
  `RpcClient` one call at a time (median and p95 round trip of 500 calls) and by 16 callers
  at once (calls per second over 2,000 calls);
- events: 2,000 persistent events published with publisher confirms by 16 publishers at once
  (`EventPublisher`) into a work queue of that type, and consumed (`subscribe_events`): events
  per second from the first publish to the last one consumed.
Prints one line per type and the ratio; the local default stays classic when quorum is slower
(one node gains nothing from replication).

    uv run python bench/queues.py   (make bench-queues)
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faststream.rabbit import RabbitMessage  # noqa: E402

from tests.support.infra import vhost  # noqa: E402
from uts_shared.contracts.base import Empty, EventType, HealthStatus, health_rpc  # noqa: E402
from uts_shared.messaging import (  # noqa: E402
    EventPublisher,
    QueueType,
    RpcClient,
    declare_topology,
    declare_work_queue,
    make_broker,
    make_event,
    serve,
    subscribe_events,
    work_queue,
)

BASE_URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
SEQUENTIAL = 500
CONCURRENT = 2_000
CALLERS = 16
EVENTS = 2_000
PUBLISHERS = 16
SPEC = health_rpc("bench-queues")
BENCH_EVENT = EventType("bench.queued", Empty, "a benchmark event")
EVENTS_QUEUE = "bench.queued-events"


async def measure(url: str, queue_type: QueueType) -> dict[str, float]:
    server = make_broker(url, app_id="bench-server", queue_type=queue_type)
    status = HealthStatus(service="bench", instance="1", mongo="none")

    async def answer(_: Empty) -> HealthStatus:
        return status

    serve(server, SPEC, answer)
    consumed = asyncio.Event()
    seen = 0

    async def on_event(_: str, __: bytes, ___: RabbitMessage) -> None:
        nonlocal seen
        seen += 1
        if seen == EVENTS:
            consumed.set()

    subscribe_events(server, work_queue(EVENTS_QUEUE, BENCH_EVENT.routing_key), on_event)
    client = make_broker(url, app_id="bench-client", queue_type=queue_type)
    rpc = RpcClient(client, timeout=30.0, name="bench-client")
    await server.connect()
    await declare_topology(server)
    await declare_work_queue(server, EVENTS_QUEUE, BENCH_EVENT.routing_key)
    await server.start()
    await client.start()
    try:
        for _ in range(50):  # warm up
            await rpc.call(SPEC, Empty())
        times = []
        for _ in range(SEQUENTIAL):
            started = time.perf_counter()
            await rpc.call(SPEC, Empty())
            times.append(time.perf_counter() - started)

        async def caller() -> None:
            for _ in range(CONCURRENT // CALLERS):
                await rpc.call(SPEC, Empty())

        started = time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(CALLERS)))
        calls_per_s = CONCURRENT / (time.perf_counter() - started)

        publisher = EventPublisher(client)

        async def publish() -> None:
            for _ in range(EVENTS // PUBLISHERS):
                await publisher.publish(make_event(BENCH_EVENT, Empty()))

        started = time.perf_counter()
        await asyncio.gather(*(publish() for _ in range(PUBLISHERS)))
        published = time.perf_counter() - started
        try:
            await asyncio.wait_for(consumed.wait(), 60)
        except TimeoutError:
            raise SystemExit(f"only {seen} of {EVENTS} events consumed within 60 s") from None
        events_per_s = EVENTS / (time.perf_counter() - started)
    finally:
        await client.stop()
        await server.stop()
    times.sort()
    return {
        "p50_ms": statistics.median(times) * 1000,
        "p95_ms": times[int(len(times) * 0.95)] * 1000,
        "calls_per_s": calls_per_s,
        "publish_per_s": EVENTS / published,
        "events_per_s": events_per_s,
    }


def main() -> None:
    results: dict[str, dict[str, float]] = {}
    for queue_type in ("classic", "quorum"):
        with vhost(BASE_URL) as (url, where):
            figures = asyncio.run(measure(url, queue_type))
        results[queue_type] = figures
        print(
            f"{queue_type:8} request/reply: p50 {figures['p50_ms']:.2f} ms, "
            f"p95 {figures['p95_ms']:.2f} ms one at a time, {figures['calls_per_s']:.0f} calls/s "
            f"with {CALLERS} callers; events: {figures['publish_per_s']:.0f}/s published "
            f"(confirmed), {figures['events_per_s']:.0f}/s published and consumed  [{where}]",
            flush=True,
        )
    classic, quorum = results["classic"], results["quorum"]
    print(
        f"quorum / classic: round trip x{quorum['p50_ms'] / classic['p50_ms']:.2f}, "
        f"calls/s x{quorum['calls_per_s'] / classic['calls_per_s']:.2f}, "
        f"events/s x{quorum['events_per_s'] / classic['events_per_s']:.2f}"
    )


if __name__ == "__main__":
    main()
