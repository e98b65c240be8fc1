"""Run a service process until SIGINT/SIGTERM, then stop it cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)


class Service(Protocol):
    """What every service's composition root exposes (tests start several per process)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def serve_until_stopped(services: list[Service]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    for service in services:
        await service.start()
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        for service in services:
            await service.stop()


def run(factory: Callable[[], Service], instances: int = 1) -> None:
    """Entry point of a service process: uvloop when available, clean stop on a signal.

    `instances` > 1 runs that many replicas in this one process, each with its own broker
    connection and consumers: the way replicas share the in-process MongoDB engine.
    """
    services = [factory() for _ in range(max(1, instances))]
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        asyncio.run(serve_until_stopped(services))
    else:
        uvloop.run(serve_until_stopped(services))
