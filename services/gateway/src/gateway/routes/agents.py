"""Agents, managed by admins."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends

from gateway.agents import AgentProfile, AgentsDep, NewAgent
from gateway.auth import AdminAgent, admin_agent
from uts_shared.contracts.base import WireModel

router = APIRouter(prefix="/agents", tags=["agents"], dependencies=[Depends(admin_agent)])


class AgentCreated(WireModel):
    success: Literal[True] = True
    agent: AgentProfile


class AgentList(WireModel):
    success: Literal[True] = True
    agents: list[AgentProfile]


@router.post("", status_code=201, responses={409: {"description": "Email already taken"}})
async def create_agent(body: NewAgent, admin: AdminAgent, agents: AgentsDep) -> AgentCreated:
    """Create an agent or admin (admin only); the email must be unused."""
    return AgentCreated(agent=await agents.create(body, by=admin.id))


@router.get("")
async def list_agents(agents: AgentsDep) -> AgentList:
    """Every agent, oldest first (admin only)."""
    return AgentList(agents=await agents.list())
