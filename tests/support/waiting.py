"""Waiting for something that happens in the background, without fixed sleeps."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable


async def poll_until(
    check: Callable[[], bool | Awaitable[bool]],
    *,
    what: str,
    timeout: float = 5.0,
    interval: float = 0.05,
) -> None:
    """Until `check()` is true; AssertionError naming `what` after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g}s")
        await asyncio.sleep(interval)
