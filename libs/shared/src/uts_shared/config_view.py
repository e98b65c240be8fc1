"""What a service knows of the configuration: values read from the config service, remembered.

One way for every service that reads configuration (the config service itself reads its own
store). Each value is fetched once at a time however many callers wait, reused for `ttl`
seconds, and dropped as soon as a `config.updated` event names one of the keys it depends on
(every service instance listens on a queue of its own). When the config service does not
answer, the last value it gave is used, else the value's built-in fallback, and it is not asked
again for `retry_after` seconds; a value with neither raises the error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from faststream.rabbit import RabbitBroker

from uts_shared.errors import DomainError
from uts_shared.messaging import subscribe_config_updates
from uts_shared.metrics import CONFIG_READS

log = logging.getLogger(__name__)

T = TypeVar("T")

UNANSWERED = (DomainError, OSError, RuntimeError, TimeoutError)
"""What a config service that did not answer (or answered an error) raises to a reader."""


@dataclass
class _Entry(Generic[T]):
    value: T
    expires: float


class Remembered(Generic[T]):
    """One configuration value (see the module docstring)."""

    def __init__(
        self,
        name: str,
        fetch: Callable[[], Awaitable[T]],
        *,
        keys: Iterable[str] | None,
        fallback: T | None,
        ttl: float,
        retry_after: float,
        monotonic: Callable[[], float],
    ) -> None:
        self.name = name
        self.keys = None if keys is None else frozenset(keys)
        """The setting keys whose change drops this value (None: any change)."""
        self._fetch = fetch
        self._fallback = fallback
        self._ttl = ttl
        self._retry_after = retry_after
        self._monotonic = monotonic
        self._entry: _Entry[T] | None = None
        self._last_good: T | None = None
        self._generation = 0
        self._lock = asyncio.Lock()

    def depends_on(self, keys: list[str] | None) -> bool:
        return not keys or self.keys is None or not self.keys.isdisjoint(keys)

    def drop(self) -> None:
        self._generation += 1
        self._entry = None

    async def get(self) -> T:
        entry = self._entry
        if entry is not None and entry.expires > self._monotonic():
            CONFIG_READS.labels("cache").inc()
            return entry.value
        async with self._lock:  # one request to the config service, however many wait
            entry = self._entry
            if entry is not None and entry.expires > self._monotonic():
                CONFIG_READS.labels("cache").inc()
                return entry.value
            generation = self._generation
            try:
                value = await self._fetch()
            except UNANSWERED as exc:
                CONFIG_READS.labels("fallback").inc()
                return self._fall_back(exc)
            CONFIG_READS.labels("service").inc()
            self._last_good = value
            if generation == self._generation:  # not dropped while we were asking
                self._entry = _Entry(value, self._monotonic() + self._ttl)
            return value

    def _fall_back(self, exc: Exception) -> T:
        known = self._last_good is not None
        value = self._last_good if known else self._fallback
        if value is None:
            raise exc
        log.warning(
            "config service did not answer for %s (%s); using the %s value for %gs",
            self.name,
            exc,
            "last known" if known else "built-in",
            self._retry_after,
        )
        self._entry = _Entry(value, self._monotonic() + self._retry_after)
        return value


class ConfigView:
    """Base of a service's configuration view: declare values with `remember`, subscribe once."""

    def __init__(
        self,
        *,
        ttl: float,
        retry_after: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._retry_after = retry_after
        self._monotonic = monotonic
        self._values: list[Remembered[object]] = []
        self.generation = 0
        """How many `config.updated` events were applied (tests wait on it)."""
        self._changed = asyncio.Event()

    def remember(
        self,
        name: str,
        fetch: Callable[[], Awaitable[T]],
        *,
        keys: Iterable[str] | None,
        fallback: T | None = None,
    ) -> Remembered[T]:
        value: Remembered[T] = Remembered(
            name,
            fetch,
            keys=keys,
            fallback=fallback,
            ttl=self._ttl,
            retry_after=self._retry_after,
            monotonic=self._monotonic,
        )
        self._values.append(value)  # type: ignore[arg-type]
        return value

    def invalidate(self, keys: list[str] | None) -> None:
        """Drop the values depending on `keys` (all of them for None or an empty list)."""
        for value in self._values:
            if value.depends_on(keys):
                value.drop()
        self.generation += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def on_change(self, keys: list[str] | None) -> None:
        """`config.updated` consumer; None: an unreadable event (drop everything)."""
        log.debug("config.updated %s: dropping what depends on it", keys)
        self.invalidate(keys)

    def subscribe(self, broker: RabbitBroker, service: str, instance: str) -> None:
        """This instance's own queue for `config.updated` (register before the broker starts)."""
        subscribe_config_updates(broker, f"{service}.config-updates.{instance}", self.on_change)

    async def wait_generation(self, at_least: int, timeout: float) -> None:
        """Until `at_least` changes were applied."""
        async with asyncio.timeout(timeout):
            while self.generation < at_least:
                await self._changed.wait()
