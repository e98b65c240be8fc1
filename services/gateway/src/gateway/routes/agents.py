"""Agents: the directory every signed-in agent reads; creation and management by admins.

A deactivated agent's tokens stop working at once on every gateway replica (and it can be
assigned nothing); so do an agent's tokens after its role changes or an admin resets its
password (it signs in again).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import ConfigDict

from gateway.agents import AgentChanges, AgentProfile, AgentsDep, NewAgent, NewPassword
from gateway.auth import AdminAgent, CurrentAgent, Role, admin_agent, current_agent
from gateway.proxies import ClientAddress
from gateway.ratelimit import LoginLimiterDep
from gateway.routes.envelope import Ok
from uts_shared.contracts.base import ID_MAX, WireModel
from uts_shared.errors import NotFound, ValidationFailed

router = APIRouter(prefix="/agents", tags=["agents"], dependencies=[Depends(current_agent)])


class AgentCreated(Ok):
    agent: AgentProfile


class AgentOut(AgentCreated):
    """One agent after a change."""


AgentId = Annotated[str, Path(min_length=1, max_length=ID_MAX)]
ADMIN_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"description": "Admins only"},
    404: {"description": "No such agent"},
}
LAST_ADMIN: dict[int | str, dict[str, Any]] = {409: {"description": "It is the last active admin"}}


class DirectoryEntry(WireModel):
    """An agent as colleagues see it: the email only for admins (left out otherwise)."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=False)  # email omitted

    id: str
    first_name: str
    last_name: str
    role: Role
    active: bool
    email: str | None = None


class AgentDirectory(Ok):
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


@router.patch(
    "/{agent_id}",
    dependencies=[Depends(admin_agent)],
    responses={**ADMIN_ONLY, **LAST_ADMIN},
)
async def edit_agent(
    agent_id: AgentId, body: AgentChanges, admin: AdminAgent, agents: AgentsDep
) -> AgentOut:
    """Change an agent's name and/or role (admin only). A new role ends its sessions."""
    return AgentOut(agent=await agents.edit(agent_id, body, by=admin.id))


@router.post(
    "/{agent_id}/deactivate",
    dependencies=[Depends(admin_agent)],
    responses={**ADMIN_ONLY, **LAST_ADMIN},
)
async def deactivate_agent(agent_id: AgentId, admin: AdminAgent, agents: AgentsDep) -> AgentOut:
    """The agent can no longer sign in or be assigned, and its tokens stop working at once."""
    return AgentOut(agent=await agents.set_active(agent_id, False, by=admin.id))


@router.post("/{agent_id}/reactivate", dependencies=[Depends(admin_agent)], responses=ADMIN_ONLY)
async def reactivate_agent(agent_id: AgentId, admin: AdminAgent, agents: AgentsDep) -> AgentOut:
    """The agent signs in again (tokens from before its deactivation stay refused)."""
    return AgentOut(agent=await agents.set_active(agent_id, True, by=admin.id))


@router.post(
    "/{agent_id}/password",
    dependencies=[Depends(admin_agent)],
    responses={
        **ADMIN_ONLY,
        422: {"description": "Not acceptable, or your own without the right `currentPassword`"},
        429: {"description": "Too many wrong current passwords: `Retry-After`"},
    },
)
async def reset_password(
    agent_id: AgentId,
    body: NewPassword,
    admin: AdminAgent,
    agents: AgentsDep,
    *,
    limiter: LoginLimiterDep,
    ip: ClientAddress,
) -> AgentOut:
    """Set a new password for an agent (admin only); its current sessions end. An admin's own
    password needs the current one (`currentPassword`), as `POST /auth/password` does: a stolen
    token must not become a permanent takeover."""
    if agent_id != admin.id:
        return AgentOut(agent=await agents.reset_password(agent_id, body.password, by=admin.id))
    if body.current_password is None:
        raise ValidationFailed.on("currentPassword", "is required to change your own password")
    await limiter.attempt(email=admin.email, ip=ip)
    await agents.change_password(admin.id, body.current_password, body.password)
    await limiter.succeeded(email=admin.email, ip=ip)
    profile = await agents.get(admin.id)
    if profile is None:
        raise NotFound(f"Agent '{agent_id}' not found")
    return AgentOut(agent=profile)
