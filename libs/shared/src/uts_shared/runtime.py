"""Run a service process until SIGINT/SIGTERM, then stop it cleanly."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Callable
from typing import Protocol

from uts_shared.metrics import serve_metrics

log = logging.getLogger(__name__)

GC_GEN0_THRESHOLD = 20_000


class Service(Protocol):
    """What every service's composition root exposes (tests start several per process)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def tune_gc() -> None:
    """Fewer young collections: each message makes many short-lived objects, and the process
    may hold a large heap (the in-process engine's documents). Measured: +15 % creates/s and
    half the p99 of the create path."""
    gc.set_threshold(GC_GEN0_THRESHOLD, 20, 20)


def freeze_startup_objects() -> None:
    """Objects made at start-up live as long as the process: keep them out of collections."""
    gc.freeze()


async def serve_until_stopped(services: list[Service]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    for service in services:
        await service.start()
    freeze_startup_objects()
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        for service in services:
            await service.stop()


def run(
    factory: Callable[[], Service], instances: int = 1, metrics_port: int | None = None
) -> None:
    """Entry point of a service process: uvloop when available, clean stop on a signal.

    `instances` > 1 runs that many replicas in this one process, each with its own broker
    connection and consumers: the way replicas share the in-process MongoDB engine.
    """
    tune_gc()
    serve_metrics(metrics_port)
    services = [factory() for _ in range(max(1, instances))]
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        asyncio.run(serve_until_stopped(services))
    else:
        uvloop.run(serve_until_stopped(services))
