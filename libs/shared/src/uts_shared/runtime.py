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


async def serve_until_stopped(service: Service) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await service.start()
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        await service.stop()


def run(factory: Callable[[], Service]) -> None:
    """Entry point of a service process: uvloop when available, one service, clean stop."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        asyncio.run(serve_until_stopped(factory()))
    else:
        uvloop.run(serve_until_stopped(factory()))
