"""What the config service says, cached: rendered instructions and tools, categories, wording.

Every replica drops the whole cache on `config.updated` (its own exclusive queue), so a change
reaches the next model call and the next tool call without a restart; the TTL is only a safety
net for a missed event. When the config service cannot be reached the last value it gave is used
(and the built-in wording when it never answered), so tool outputs are always produced.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ai_tools_service.messages import DEFAULT_TERMINOLOGY, Language, Messages
from uts_shared.contracts import config
from uts_shared.contracts.base import Empty
from uts_shared.messaging import RpcClient

log = logging.getLogger(__name__)

T = TypeVar("T")


class ConfigCache:
    def __init__(
        self,
        rpc: RpcClient,
        *,
        ttl: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rpc = rpc
        self._ttl = ttl
        self._monotonic = monotonic
        self._fresh: dict[str, tuple[float, Any]] = {}
        self._last_good: dict[str, Any] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._generation = 0
        self._changed = asyncio.Condition()

    @property
    def generation(self) -> int:
        """How many times the cache was dropped (tests wait on it)."""
        return self._generation

    async def invalidate(self, keys: list[str] | None = None) -> None:
        """Drop everything: any key may change the rendering (categories, wording, template)."""
        self._fresh.clear()
        self._generation += 1
        log.debug("config cache dropped (keys %s)", keys)
        async with self._changed:
            self._changed.notify_all()

    async def wait_generation(self, at_least: int, timeout: float) -> None:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: self._generation >= at_least)

    async def _get(self, key: str, fetch: Callable[[], Awaitable[T]]) -> T:
        entry = self._fresh.get(key)
        if entry is not None and self._monotonic() - entry[0] < self._ttl:
            return entry[1]  # type: ignore[no-any-return]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            entry = self._fresh.get(key)
            if entry is not None and self._monotonic() - entry[0] < self._ttl:
                return entry[1]  # type: ignore[no-any-return]
            generation = self._generation
            value = await fetch()
            if generation == self._generation:  # not dropped while we asked
                self._fresh[key] = (self._monotonic(), value)
            self._last_good[key] = value
            return value

    async def _get_or_last(self, key: str, fetch: Callable[[], Awaitable[T]]) -> T | None:
        try:
            return await self._get(key, fetch)
        except Exception as exc:
            log.warning("config service: %s unavailable (%s); using the last known value", key, exc)
            last: T | None = self._last_good.get(key)
            return last

    async def rendering(self) -> config.RenderedAssistant:
        """The instructions and tools for the next model call (raises if never available)."""
        try:
            return await self._get("rendering", self._fetch_rendering)
        except Exception:
            last: config.RenderedAssistant | None = self._last_good.get("rendering")
            if last is None:
                raise
            log.warning("config service unavailable: using the last rendering")
            return last

    async def _fetch_rendering(self) -> config.RenderedAssistant:
        return await self._rpc.call(config.RENDER_ASSISTANT, Empty())

    async def category_ids(self) -> list[str]:
        """The configured category ids (raises when never available: a ticket can't be filed)."""
        return [c.id for c in await self._categories()]

    async def fallback_category(self) -> str:
        """Where a report that fits no configured category goes: the marked fallback (the
        first category, should a configuration stored before the rule have none)."""
        categories = await self._categories()
        return config.fallback_category(categories) or categories[0].id

    async def _categories(self) -> list[config.Category]:
        try:
            return await self._get("categories", self._fetch_categories)
        except Exception:
            last: list[config.Category] | None = self._last_good.get("categories")
            if last is None:
                raise
            return last

    async def _fetch_categories(self) -> list[config.Category]:
        return (await self._rpc.call(config.GET_CATEGORIES, Empty())).categories

    async def messages(self) -> Messages:
        terminology = await self._get_or_last("terminology", self._fetch_terminology)
        language = await self._get_or_last("language", self._fetch_language)
        return Messages(terminology or DEFAULT_TERMINOLOGY, language or "es")

    async def _fetch_terminology(self) -> config.Terminology:
        return (await self._rpc.call(config.GET_TERMINOLOGY, Empty())).terminology

    async def _fetch_language(self) -> Language:
        return (await self._rpc.call(config.GET_ASSISTANT, Empty())).config.language
