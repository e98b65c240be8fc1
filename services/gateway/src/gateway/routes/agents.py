"""Agents: the directory every signed-in agent reads; creation by admins."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends

from gateway.agents import AgentProfile, AgentsDep, NewAgent
from gateway.auth import AdminAgent, CurrentAgent, Role, admin_agent, current_agent
from uts_shared.contracts.base import WireModel

router = APIRouter(prefix="/agents", tags=["agents"], dependencies=[Depends(current_agent)])


class AgentCreated(WireModel):
    success: Literal[True] = True
    agent: AgentProfile


class DirectoryEntry(WireModel):
    """An agent as colleagues see it: the email only for admins (left out otherwise)."""

    id: str
    first_name: str
    last_name: str
    role: Role
    active: bool
    email: str | None = None


class AgentDirectory(WireModel):
    success: Literal[True] = True
    agents: list[DirectoryEntry]


@router.post(
    "",
    status_code=201,
    dependencies=[Depends(admin_agent)],
    responses={403: {"description": "Admins only"}, 409: {"description": "Email already taken"}},
)
async def create_agent(body: NewAgent, admin: AdminAgent, agents: AgentsDep) -> AgentCreated:
    """Create an agent or admin (admin only); the email must be unused."""
    return AgentCreated(agent=await agents.create(body, by=admin.id))


@router.get("", response_model_exclude_none=True)
async def list_agents(agent: CurrentAgent, agents: AgentsDep) -> AgentDirectory:
    """Every agent, oldest first: id, name, role, active (and email, for admins only)."""
    entries = [
        DirectoryEntry(
            id=profile.id,
            first_name=profile.first_name,
            last_name=profile.last_name,
            role=profile.role,
            active=profile.active,
            email=profile.email if agent.is_admin else None,
        )
        for profile in await agents.list()
    ]
    return AgentDirectory(agents=entries)
