"""What the tickets service reads from the config service (`uts_shared.config_view`).

Ticket creation needs the categories and the id format, every change the SLA policy; when the
config service does not answer, tickets keep being created with the last known values (or the
built-in ones).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from tickets_service.fallbacks import DEFAULT_CATEGORIES, DEFAULT_ID_FORMAT, DEFAULT_TERMINOLOGY
from uts_shared.config_view import ConfigView
from uts_shared.contracts import config as config_contracts
from uts_shared.contracts.base import Empty
from uts_shared.contracts.config import (
    Category,
    CustomerUpdates,
    SatisfactionSurvey,
    SettingKey,
    SimilarTickets,
    Terminology,
    TicketIdFormat,
)
from uts_shared.contracts.sla import SlaPolicy
from uts_shared.messaging import RpcClient


class ConfigCache(ConfigView):
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
        super().__init__(ttl=ttl, retry_after=retry_after, monotonic=monotonic)
        self._rpc = rpc
        self._timeout = timeout
        self._categories = self.remember(
            "categories",
            self._fetch_categories,
            keys=[SettingKey.TICKET_CATEGORIES],
            fallback=list(DEFAULT_CATEGORIES),
        )
        self._id_format = self.remember(
            "id format",
            self._fetch_id_format,
            keys=[SettingKey.TICKET_ID_FORMAT],
            fallback=DEFAULT_ID_FORMAT,
        )
        self._sla = self.remember(
            "SLA policy", self._fetch_sla, keys=[SettingKey.SLA_POLICY], fallback=SlaPolicy()
        )
        self._updates = self.remember(
            "customer updates",
            self._fetch_updates,
            keys=[SettingKey.CUSTOMER_UPDATES],
            fallback=CustomerUpdates(),
        )
        self._terminology = self.remember(
            "terminology",
            self._fetch_terminology,
            keys=[SettingKey.TICKET_TERMINOLOGY],
            fallback=DEFAULT_TERMINOLOGY,
        )
        self._similar = self.remember(
            "similar tickets",
            self._fetch_similar,
            keys=[SettingKey.SIMILAR_TICKETS],
            fallback=SimilarTickets(),
        )
        self._survey = self.remember(
            "satisfaction survey",
            self._fetch_survey,
            keys=[SettingKey.SATISFACTION_SURVEY],
            fallback=SatisfactionSurvey(),
        )
        self.on_updates_changed: Callable[[], Awaitable[None]] | None = None
        """Called when `config.updated` names the customer updates (or cannot be read)."""

    async def on_change(self, keys: list[str] | None) -> None:
        await super().on_change(keys)
        if self.on_updates_changed is not None and (
            not keys
            or SettingKey.CUSTOMER_UPDATES.value in keys
            or SettingKey.SATISFACTION_SURVEY.value in keys
        ):
            await self.on_updates_changed()

    async def _fetch_updates(self) -> CustomerUpdates:
        result = await self._rpc.call(
            config_contracts.GET_CUSTOMER_UPDATES, Empty(), timeout=self._timeout
        )
        updates: CustomerUpdates = result.updates
        return updates

    async def _fetch_terminology(self) -> Terminology:
        result = await self._rpc.call(
            config_contracts.GET_TERMINOLOGY, Empty(), timeout=self._timeout
        )
        terminology: Terminology = result.terminology
        return terminology

    async def _fetch_similar(self) -> SimilarTickets:
        result = await self._rpc.call(config_contracts.GET_SIMILAR, Empty(), timeout=self._timeout)
        similar: SimilarTickets = result.similar
        return similar

    async def similar(self) -> SimilarTickets:
        return await self._similar.get()

    async def _fetch_survey(self) -> SatisfactionSurvey:
        result = await self._rpc.call(config_contracts.GET_SURVEY, Empty(), timeout=self._timeout)
        survey: SatisfactionSurvey = result.survey
        return survey

    async def survey(self) -> SatisfactionSurvey:
        return await self._survey.get()

    async def customer_updates(self) -> CustomerUpdates:
        return await self._updates.get()

    async def terminology(self) -> Terminology:
        return await self._terminology.get()

    async def _fetch_categories(self) -> list[Category]:
        result = await self._rpc.call(
            config_contracts.GET_CATEGORIES, Empty(), timeout=self._timeout
        )
        categories: list[Category] = result.categories
        return categories

    async def _fetch_id_format(self) -> TicketIdFormat:
        result = await self._rpc.call(
            config_contracts.GET_ID_FORMAT, Empty(), timeout=self._timeout
        )
        id_format: TicketIdFormat = result.format
        return id_format

    async def _fetch_sla(self) -> SlaPolicy:
        result = await self._rpc.call(config_contracts.GET_SLA, Empty(), timeout=self._timeout)
        policy: SlaPolicy = result.policy
        return policy

    async def categories(self) -> list[Category]:
        return await self._categories.get()

    async def id_format(self) -> TicketIdFormat:
        return await self._id_format.get()

    async def sla_policy(self) -> SlaPolicy:
        return await self._sla.get()
