"""What ai-tools reads from the config service (`uts_shared.config_view`): the rendered
instructions and tools, the categories, the wording.

A change reaches the next model call and the next tool call without a restart. When the config
service cannot be reached the last value it gave is used (and the built-in wording when it never
answered), so tool outputs are always produced; the rendering and the categories have no
built-in value (nothing can be filed without them).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ai_tools_service.domain.messages import DEFAULT_TERMINOLOGY, Language, Messages
from uts_shared.config_view import ConfigView, Remembered
from uts_shared.contracts import config
from uts_shared.contracts.base import Empty
from uts_shared.contracts.config import SettingKey
from uts_shared.messaging import RpcClient


class ConfigCache(ConfigView):
    def __init__(
        self,
        rpc: RpcClient,
        *,
        ttl: float,
        retry_after: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(ttl=ttl, retry_after=retry_after, monotonic=monotonic)
        self._rpc = rpc
        # Any key may change the rendering (categories, wording, template, assistant).
        self._rendering = self.remember("rendering", self._fetch_rendering, keys=None)
        self._categories = self.remember(
            "categories", self._fetch_categories, keys=[SettingKey.TICKET_CATEGORIES]
        )
        self._terminology = self.remember(
            "terminology",
            self._fetch_terminology,
            keys=[SettingKey.TICKET_TERMINOLOGY],
            fallback=DEFAULT_TERMINOLOGY,
        )
        self._raises: Remembered[bool] = self.remember(
            "handoff priority",
            self._fetch_raises,
            keys=[SettingKey.HANDOFF_POLICY],
            fallback=False,
        )
        self._language: Remembered[Language] = self.remember(
            "language",
            self._fetch_language,
            keys=[SettingKey.ASSISTANT_CONFIGURATION],
            fallback="es",
        )

    async def rendering(self) -> config.RenderedAssistant:
        """The instructions and tools for the next model call (raises if never available)."""
        return await self._rendering.get()

    async def _fetch_rendering(self) -> config.RenderedAssistant:
        return await self._rpc.call(config.RENDER_ASSISTANT, Empty())

    async def category_ids(self) -> list[str]:
        """The configured category ids (raises when never available: a ticket can't be filed)."""
        return [c.id for c in await self._categories.get()]

    async def fallback_category(self) -> str:
        """Where a report that fits no configured category goes: the marked fallback (the
        first category, should a configuration stored before the rule have none)."""
        categories = await self._categories.get()
        return config.fallback_category(categories) or categories[0].id

    async def _fetch_categories(self) -> list[config.Category]:
        categories: list[config.Category] = (
            await self._rpc.call(config.GET_CATEGORIES, Empty())
        ).categories
        return categories

    async def messages(self) -> Messages:
        terminology = await self._terminology.get()
        return Messages(terminology, await self._language.get())

    async def _fetch_terminology(self) -> config.Terminology:
        terminology: config.Terminology = (
            await self._rpc.call(config.GET_TERMINOLOGY, Empty())
        ).terminology
        return terminology

    async def handoff_raises_priority(self) -> bool:
        return await self._raises.get()

    async def _fetch_raises(self) -> bool:
        policy: config.HandoffPolicy = (await self._rpc.call(config.GET_HANDOFF, Empty())).policy
        return policy.raise_priority

    async def _fetch_language(self) -> Language:
        assistant: config.AssistantConfig = (
            await self._rpc.call(config.GET_ASSISTANT, Empty())
        ).config
        return assistant.language
