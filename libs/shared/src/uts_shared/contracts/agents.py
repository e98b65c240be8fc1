"""Agent directory events: the gateway owns the agents and tells everyone else what changed.

Every gateway replica consumes these through its own queue (its sessions and names stay
current); the tickets service consumes `agent.updated` to keep the agent names it stores beside
ticket ids current.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from uts_shared.contracts.base import EventType, Id, Name, WireModel

AgentRole = Literal["admin", "agent"]
RevocationReason = Literal["deactivated", "role_changed", "password_reset"]


def display_name(first_name: str, last_name: str) -> str:
    """How an agent is named to colleagues and customers: "firstName lastName"."""
    return f"{first_name} {last_name}".strip()


class AgentUpdated(WireModel):
    """An agent as it is now, after an admin edited, deactivated or reactivated it."""

    agent_id: Id
    first_name: Name
    last_name: Name
    role: AgentRole
    active: bool
    updated_by: Id | None = None
    updated_at: datetime
    """When the change was made: a replica keeps the latest state it heard of."""

    @property
    def name(self) -> str:
        return display_name(self.first_name, self.last_name)


class AgentTokensRevoked(WireModel):
    """Every token of `agentId` issued at or before `revokedAt` is refused from now on."""

    agent_id: Id
    revoked_at: datetime
    reason: RevocationReason


AGENT_UPDATED = EventType("agent.updated", AgentUpdated, "An agent's name, role or state changed")
AGENT_TOKENS_REVOKED = EventType(
    "agent.tokens_revoked",
    AgentTokensRevoked,
    "An agent's tokens stop working (deactivated, role changed or password reset)",
)

EVENTS: tuple[EventType[Any], ...] = (AGENT_UPDATED, AGENT_TOKENS_REVOKED)

AGENT_NAMES_QUEUE = "tickets.agent-names"
"""The tickets service's work queue for `agent.updated` (its replicas share it); the gateway
declares it too, so a rename made while the tickets service is down waits there."""
