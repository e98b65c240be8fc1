"""What the tickets service reads from the config service, cached briefly.

Values are asked for at the moment a ticket needs them, reused for `ttl` seconds, and dropped
as soon as a `config.updated` event names their key. If the config service does not answer,
tickets keep being created with the last known value (or the built-in defaults), a warning is
logged, and the service is not asked again for `retry_after` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from tickets_service.fallbacks import DEFAULT_CATEGORIES, DEFAULT_ID_FORMAT
from uts_shared.contracts import config as config_contracts
from uts_shared.contracts.base import Empty
from uts_shared.contracts.config import Category, SettingKey, TicketIdFormat
from uts_shared.contracts.sla import SlaPolicy
from uts_shared.errors import DomainError
from uts_shared.messaging import RpcClient

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class _Entry(Generic[T]):
    value: T
    expires: float
    from_service: bool


class _Cached(Generic[T]):
    """One configuration value: single-flight fetch, TTL, fallback, invalidation."""

    def __init__(
        self,
        key: str,
        fetch: Callable[[], Awaitable[T]],
        default: T,
        *,
        ttl: float,
        retry_after: float,
        monotonic: Callable[[], float],
    ) -> None:
        self.key = key
        self._fetch = fetch
        self._default = default
        self._ttl = ttl
        self._retry_after = retry_after
        self._monotonic = monotonic
        self._entry: _Entry[T] | None = None
        self._last_good: T | None = None
        self._generation = 0
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        self._generation += 1
        self._entry = None

    async def get(self) -> T:
        entry = self._entry
        if entry is not None and entry.expires > self._monotonic():
            return entry.value
        async with self._lock:  # one request to the config service, however many creations wait
            entry = self._entry
            if entry is not None and entry.expires > self._monotonic():
                return entry.value
            generation = self._generation
            try:
                value = await self._fetch()
            except (DomainError, OSError, RuntimeError) as exc:
                fallback = self._last_good if self._last_good is not None else self._default
                log.warning(
                    "config service did not answer for %s (%s); using the %s value for %gs",
                    self.key,
                    exc,
                    "last known" if self._last_good is not None else "built-in",
                    self._retry_after,
                )
                self._entry = _Entry(fallback, self._monotonic() + self._retry_after, False)
                return fallback
            self._last_good = value
            if generation == self._generation:  # not invalidated while we were asking
                self._entry = _Entry(value, self._monotonic() + self._ttl, True)
            return value


class ConfigCache:
    """Ticket categories, the ticket id format and the SLA policy, as the config service last
    said."""

    def __init__(
        self,
        rpc: RpcClient,
        *,
        ttl: float,
        timeout: float,
        retry_after: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rpc = rpc
        self._timeout = timeout
        self.invalidated = asyncio.Event()
        """Set after every invalidation (tests wait on it instead of sleeping)."""
        self._categories: _Cached[list[Category]] = _Cached(
            SettingKey.TICKET_CATEGORIES,
            self._fetch_categories,
            list(DEFAULT_CATEGORIES),
            ttl=ttl,
            retry_after=retry_after,
            monotonic=monotonic,
        )
        self._id_format: _Cached[TicketIdFormat] = _Cached(
            SettingKey.TICKET_ID_FORMAT,
            self._fetch_id_format,
            DEFAULT_ID_FORMAT,
            ttl=ttl,
            retry_after=retry_after,
            monotonic=monotonic,
        )

        self._sla: _Cached[SlaPolicy] = _Cached(
            SettingKey.SLA_POLICY,
            self._fetch_sla,
            SlaPolicy(),
            ttl=ttl,
            retry_after=retry_after,
            monotonic=monotonic,
        )

    async def _fetch_sla(self) -> SlaPolicy:
        result = await self._rpc.call(config_contracts.GET_SLA, Empty(), timeout=self._timeout)
        return result.policy

    async def _fetch_categories(self) -> list[Category]:
        result = await self._rpc.call(
            config_contracts.GET_CATEGORIES, Empty(), timeout=self._timeout
        )
        return result.categories

    async def _fetch_id_format(self) -> TicketIdFormat:
        result = await self._rpc.call(
            config_contracts.GET_ID_FORMAT, Empty(), timeout=self._timeout
        )
        return result.format

    async def categories(self) -> list[Category]:
        return await self._categories.get()

    async def id_format(self) -> TicketIdFormat:
        return await self._id_format.get()

    async def sla_policy(self) -> SlaPolicy:
        return await self._sla.get()

    def invalidate(self, keys: list[str]) -> None:
        """Drop the named keys (all of them when `keys` is empty)."""
        for cached in (self._categories, self._id_format, self._sla):
            if not keys or cached.key in keys:
                cached.invalidate()
        self.invalidated.set()

    async def on_change(self, keys: list[str] | None) -> None:
        """`config.updated` consumer (per-instance exclusive queue); None: unreadable event."""
        log.debug("config.updated %s: dropping cached values", keys)
        self.invalidate(keys or [])
