"""Agent directory events: the gateway owns the agents and tells everyone else what changed.

Every gateway replica consumes these through its own queue (its sessions and names stay
current); the tickets service consumes `agent.updated` to keep the agent names it stores beside
ticket ids current.

The gateway also owns the API tokens of integrating systems: `api_token.created` and
`api_token.revoked` reach every gateway replica through a queue of its own, so a token works on
replicas keeping a database of their own and a revoked one is refused on all of them at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

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


ApiTokenScope = Literal["tickets:read", "tickets:write", "customers:write", "ai:tools"]


class ApiTokenCreated(WireModel):
    """An admin created an API token. `secretHash` is the SHA-256 of the whole token, whose
    secret is 256 random bits: it verifies the token and cannot be turned back into it."""

    token_id: Id
    name: Name
    scopes: list[ApiTokenScope] = Field(min_length=1, max_length=4)
    secret_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    created_at: datetime
    created_by: Id


class ApiTokenRevoked(WireModel):
    """An API token is refused from `revokedAt` on, by every gateway replica."""

    token_id: Id
    revoked_at: datetime
    revoked_by: Id


API_TOKEN_CREATED = EventType(
    "api_token.created", ApiTokenCreated, "An admin created an API token for an integrating system"
)
API_TOKEN_REVOKED = EventType(
    "api_token.revoked", ApiTokenRevoked, "An API token stops working on every gateway replica"
)

API_TOKEN_EVENTS: tuple[EventType[Any], ...] = (API_TOKEN_CREATED, API_TOKEN_REVOKED)

AGENT_NAMES_QUEUE = "tickets.agent-names"
"""The tickets service's work queue for `agent.updated` (its replicas share it); the gateway
declares it too, so a rename made while the tickets service is down waits there."""
