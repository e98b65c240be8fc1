"""Directory changes, told to this replica at once and to everyone else over the broker.

A change made here updates this replica's sessions and names before the route answers, then
goes out as `agent.updated` / `agent.tokens_revoked`. Every replica consumes `agent.#` through
its own exclusive queue (like the ticket relay) and applies what other replicas changed;
applying an event twice changes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from faststream.rabbit import RabbitBroker, RabbitMessage

from gateway.agents import AgentProfile
from gateway.directory import Directory
from gateway.sessions import Sessions
from uts_shared.contracts import agents as contract
from uts_shared.contracts.agents import AgentTokensRevoked, AgentUpdated, RevocationReason
from uts_shared.contracts.base import EventType
from uts_shared.messaging import (
    EventPublisher,
    MalformedMessage,
    instance_queue,
    make_event,
    subscribe_events,
)

log = logging.getLogger(__name__)

BINDING = "agent.#"


def updated_payload(profile: AgentProfile, *, by: str) -> AgentUpdated:
    """`agent.updated` for an agent as it is now."""
    return AgentUpdated(
        agent_id=profile.id,
        first_name=profile.first_name,
        last_name=profile.last_name,
        role=profile.role.value,
        active=profile.active,
        updated_by=by,
        updated_at=profile.updated_at or profile.created_at,
    )


class AgentAnnouncer:
    """Tells every gateway replica and the tickets service about a directory change:
    `agent.updated` / `agent.tokens_revoked` on the events exchange, publisher-confirmed; raises
    when the broker does not take one. The `Announcer` of a process holding no sessions (the
    admin CLI); a gateway replica's is `AgentEvents`, which applies the change to itself first."""

    def __init__(self, broker: RabbitBroker) -> None:
        self._publisher = EventPublisher(broker)

    async def updated(self, profile: AgentProfile, *, by: str) -> None:
        await self.publish(contract.AGENT_UPDATED, updated_payload(profile, by=by))

    async def revoked(self, agent_id: str, at: datetime, *, reason: RevocationReason) -> None:
        payload = AgentTokensRevoked(agent_id=agent_id, revoked_at=at, reason=reason)
        await self.publish(contract.AGENT_TOKENS_REVOKED, payload)

    async def publish(self, kind: EventType[Any], payload: Any) -> None:
        await self._publisher.publish(make_event(kind, payload))


class AgentEvents:
    """The gateway's `Announcer`, and this replica's consumer of other replicas' changes."""

    def __init__(
        self,
        broker: RabbitBroker,
        sessions: Sessions,
        directory: Directory,
        *,
        instance_id: str,
    ) -> None:
        self._out = AgentAnnouncer(broker)
        self._sessions = sessions
        self._directory = directory
        self.queue = instance_queue(f"gateway.agents.{instance_id}", BINDING)
        # Registered now: subscribers must exist before the broker starts.
        subscribe_events(broker, self.queue, self.handle)

    async def updated(self, profile: AgentProfile, *, by: str) -> None:
        payload = updated_payload(profile, by=by)
        self._apply_update(payload)
        await self._publish(contract.AGENT_UPDATED, payload)

    async def revoked(self, agent_id: str, at: datetime, *, reason: RevocationReason) -> None:
        payload = AgentTokensRevoked(agent_id=agent_id, revoked_at=at, reason=reason)
        await self._apply_revocation(payload)
        await self._publish(contract.AGENT_TOKENS_REVOKED, payload)

    async def handle(self, routing_key: str, body: bytes, message: RabbitMessage) -> None:
        """Another replica's change (or this one's own, already applied)."""
        if routing_key == contract.AGENT_UPDATED.routing_key:
            self._apply_update(contract.AGENT_UPDATED.envelope.model_validate_json(body).data)
        elif routing_key == contract.AGENT_TOKENS_REVOKED.routing_key:
            event = contract.AGENT_TOKENS_REVOKED.envelope.model_validate_json(body)
            await self._apply_revocation(event.data)
        else:
            raise MalformedMessage("unknown routing key")

    def _apply_update(self, change: AgentUpdated) -> None:
        self._directory.renamed(change.agent_id, change.name)
        self._sessions.set_active(change.agent_id, change.active, as_of=change.updated_at)

    async def _apply_revocation(self, revocation: AgentTokensRevoked) -> None:
        await self._sessions.revoke(revocation.agent_id, revocation.revoked_at)

    async def _publish(self, kind: EventType[Any], payload: Any) -> None:
        try:
            await self._out.publish(kind, payload)
        except Exception as exc:
            # Stored and applied here; other replicas catch up from the shared database.
            log.error("could not publish %s for agent %s: %r", kind.routing_key, payload, exc)
