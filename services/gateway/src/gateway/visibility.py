"""Which tickets an agent may see (seed 001 §2.2), as every ticket read and socket needs it.

The config service's `ticket_visibility` setting: `all` (everyone sees every ticket) or
`assigned_and_unassigned` (agents who are not admins see the tickets assigned to them and those
assigned to nobody; an API token, made by an admin for a whole system, sees every ticket). The
gateway passes the restriction on as `visibleTo` with each read; the tickets service applies
it. The setting is cached here, dropped on `config.updated`; when the config service is silent
the last value it gave is used (the default, `all`, before it ever answered).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from typing import Annotated

from fastapi import Depends, Request

from gateway.auth import Agent
from uts_shared.contracts import config
from uts_shared.contracts.base import Empty
from uts_shared.contracts.config import DEFAULT_VISIBILITY, TicketVisibility
from uts_shared.errors import DomainError
from uts_shared.messaging import RpcClient

log = logging.getLogger(__name__)

RESTRICTED: TicketVisibility = "assigned_and_unassigned"


def restricted_to(agent: Agent, setting: TicketVisibility) -> str | None:
    """The agent's id when it may see only its own and unassigned tickets; None when it sees
    every ticket (admins and API tokens always do)."""
    if agent.sees_every_ticket or setting != RESTRICTED:
        return None
    return agent.id


class Visibility:
    def __init__(
        self,
        rpc: RpcClient,
        *,
        ttl: float = 30.0,
        retry_after: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rpc = rpc
        self._ttl = ttl
        self._retry_after = retry_after
        self._monotonic = monotonic
        self._value: TicketVisibility = DEFAULT_VISIBILITY
        self._expires = 0.0
        self._generation = 0
        self._lock = asyncio.Lock()

    async def restricted_to(self, agent: Agent) -> str | None:
        """`visibleTo` for this agent's ticket reads (see `restricted_to`)."""
        if agent.sees_every_ticket:
            return None
        return restricted_to(agent, await self.setting())

    async def setting(self) -> TicketVisibility:
        if self._monotonic() < self._expires:
            return self._value
        async with self._lock:  # one request to the config service, however many wait
            if self._monotonic() < self._expires:
                return self._value
            generation = self._generation
            try:
                result = await self._rpc.call(config.GET_VISIBILITY, Empty(), timeout=2.0)
            except (DomainError, OSError) as exc:
                log.warning("ticket visibility unknown (%s); using %r for now", exc, self._value)
                self._expires = self._monotonic() + self._retry_after
                return self._value
            value: TicketVisibility = result.visibility
            if generation == self._generation:  # not changed while we asked
                self._value = value
                self._expires = self._monotonic() + self._ttl
            return value

    def changed(self, keys: Iterable[str]) -> None:
        """These configuration keys changed here: ask again if this one is among them."""
        if config.SettingKey.TICKET_VISIBILITY in keys:
            self.invalidate()

    def invalidate(self) -> None:
        """The setting changed (`config.updated`): ask again next time."""
        self._generation += 1
        self._expires = 0.0


async def get_visibility(request: Request) -> Visibility:
    visibility: Visibility = request.app.state.visibility
    return visibility


VisibilityDep = Annotated[Visibility, Depends(get_visibility)]
