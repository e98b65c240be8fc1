"""Agents as the ticket routes need them: display names and who may be assigned.

Writes to the tickets service carry the names of the agents they name (the acting agent, an
assignee), so tickets, lists and events show names without a lookup per ticket. Names are
remembered here and kept current by `agent.updated` (this replica's or another's).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.agents import AgentStore
from gateway.auth import Agent
from uts_shared.contracts.agents import display_name
from uts_shared.errors import FieldError, NotFound

NAMES_REMEMBERED = 10_000


class Directory:
    def __init__(self, store: AgentStore) -> None:
        self._store = store
        self._names: dict[str, str] = {}

    async def name_of(self, agent: Agent) -> str:
        """The acting agent's current name (its token's, when this replica's database does not
        hold it: each replica on a database of its own)."""
        known = self._names.get(agent.id)
        if known is not None:
            return known
        doc = await self._store.by_id(agent.id)
        if doc is None:
            return display_name(agent.first_name, agent.last_name)
        return self._remember(agent.id, display_name(doc["firstName"], doc["lastName"]))

    async def assignable(self, agent_id: str, *, field: str) -> str:
        """The name of an active agent tickets may be given to; NotFound naming `field` when
        there is no such agent or it is deactivated (never sent on to be stored)."""
        doc = await self._store.by_id(agent_id)
        if doc is None or not doc.get("active", True):
            raise NotFound(
                f"{field}: no active agent '{agent_id}'",
                details=[FieldError(field=field, reason="no such active agent")],
                context={field: agent_id},
            )
        return self._remember(agent_id, display_name(doc["firstName"], doc["lastName"]))

    def renamed(self, agent_id: str, name: str) -> None:
        """An agent's name changed (here or on another replica)."""
        self._remember(agent_id, name)

    def _remember(self, agent_id: str, name: str) -> str:
        if agent_id not in self._names and len(self._names) >= NAMES_REMEMBERED:
            self._names.pop(next(iter(self._names)))
        self._names[agent_id] = name
        return name


async def get_directory(request: Request) -> Directory:
    directory: Directory = request.app.state.directory
    return directory


DirectoryDep = Annotated[Directory, Depends(get_directory)]
