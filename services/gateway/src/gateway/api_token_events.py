"""API tokens created and revoked, told to every gateway replica over the broker.

The replica where an admin acts applies the change before the route answers, then publishes
`api_token.created` / `api_token.revoked`. Every replica consumes `api_token.#` through its own
exclusive queue (like `agent.#`) and applies what it hears: a revoked token is refused there
from that moment, a created one is stored in its database if that lacks it. Applying an event
twice (or one's own) changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from faststream.rabbit import RabbitBroker, RabbitMessage

from gateway.api_tokens import ApiTokens
from uts_shared.contracts import agents as contract
from uts_shared.contracts.agents import ApiTokenCreated, ApiTokenRevoked
from uts_shared.contracts.base import EventType
from uts_shared.messaging import (
    EventPublisher,
    MalformedMessage,
    instance_queue,
    make_event,
    subscribe_events,
)

log = logging.getLogger(__name__)

BINDING = "api_token.#"


class ApiTokenEvents:
    """The API tokens' `Announcer`, and this replica's consumer of every replica's changes."""

    def __init__(self, broker: RabbitBroker, api_tokens: ApiTokens, *, instance_id: str) -> None:
        self._publisher = EventPublisher(broker)
        self._api_tokens = api_tokens
        self.queue = instance_queue(f"gateway.api-tokens.{instance_id}", BINDING)
        # Registered now: subscribers must exist before the broker starts.
        subscribe_events(broker, self.queue, self.handle)

    async def created(self, created: ApiTokenCreated) -> None:
        await self._publish(contract.API_TOKEN_CREATED, created, created.token_id)

    async def revoked(self, revoked: ApiTokenRevoked) -> None:
        await self._publish(contract.API_TOKEN_REVOKED, revoked, revoked.token_id)

    async def handle(self, routing_key: str, body: bytes, message: RabbitMessage) -> None:
        if routing_key == contract.API_TOKEN_REVOKED.routing_key:
            revoked = contract.API_TOKEN_REVOKED.envelope.model_validate_json(body).data
            await self._api_tokens.learn_revoked(revoked)
        elif routing_key == contract.API_TOKEN_CREATED.routing_key:
            created = contract.API_TOKEN_CREATED.envelope.model_validate_json(body).data
            await self._api_tokens.learn_created(created)
        else:
            raise MalformedMessage("unknown routing key")

    async def _publish(self, kind: EventType[Any], payload: Any, token_id: str) -> None:
        try:
            await self._publisher.publish(make_event(kind, payload))
        except Exception as exc:
            # Stored and applied here; replicas sharing the database catch up within their
            # cache's few seconds.
            log.error("could not publish %s for API token %s: %r", kind.routing_key, token_id, exc)
