"""Waiting for something that happens in the background, without fixed sleeps.

- `Arrivals`: what arrives on its own (broker events, Socket.IO events, dead letters), in order.
  Each arrival wakes the waiters: `await arrivals.wait_for(match)` returns as soon as it is there.
- `poll_until`: for state nobody announces (a queue's depth, an outbox emptied, a counter), ask
  again every `interval` until it holds.

Both fail with an `AssertionError` that says what was awaited.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


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


class Arrivals(Generic[T]):
    """Items arriving in the background, kept in order of arrival."""

    def __init__(self, what: str = "arrivals") -> None:
        self.what = what
        self.items: list[T] = []
        self._changed = asyncio.Condition()

    async def add(self, item: T) -> None:
        async with self._changed:
            self.items.append(item)
            self._changed.notify_all()

    def matching(self, match: Callable[[T], bool]) -> list[T]:
        return [item for item in self.items if match(item)]

    async def wait_until(
        self, holds: Callable[[list[T]], bool], *, timeout: float = 10.0, what: str | None = None
    ) -> list[T]:
        """Until `holds(everything arrived so far)`; every item so far."""
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: holds(self.items))
        except TimeoutError:
            last = self.items[-5:]
            raise AssertionError(
                f"{what or self.what}: not within {timeout:g}s ({len(self.items)} arrived, "
                f"last: {last})"
            ) from None
        return self.items

    async def wait_for(
        self,
        match: Callable[[T], bool],
        *,
        count: int = 1,
        timeout: float = 10.0,
        what: str | None = None,
    ) -> list[T]:
        """The items that `match` (already here or still to come), once there are `count`."""
        await self.wait_until(
            lambda items: sum(1 for item in items if match(item)) >= count,
            timeout=timeout,
            what=what,
        )
        return self.matching(match)

    async def first(
        self, match: Callable[[T], bool], *, timeout: float = 10.0, what: str | None = None
    ) -> T:
        """The first item that `match`es (already here or still to come)."""
        return (await self.wait_for(match, timeout=timeout, what=what))[0]


async def until_passes(
    check: Callable[[], Awaitable[None]], *, what: str, timeout: float = 5.0
) -> None:
    """Until the async assertion `check()` passes (with `poll_until`); after `timeout` its own
    failure is raised, so the message says what still differs."""

    async def passes() -> bool:
        try:
            await check()
        except AssertionError:
            return False
        return True

    try:
        await poll_until(passes, what=what, timeout=timeout)
    except AssertionError:
        await check()
        raise
