"""`config.updated` from the broker to this replica's signed-in agents, as `config_updated`.

Consoles re-read the configuration when it arrives, so a category, term or language saved by
an admin relabels every open console without a reload. Own exclusive queue per replica (every
replica's clients get every change); duplicates are harmless (a second re-read), so no
de-duplication here.
"""

from __future__ import annotations

import logging

from faststream.rabbit import RabbitBroker, RabbitMessage

from gateway.realtime import AGENTS_ROOM, Realtime
from gateway.visibility import Visibility
from uts_shared.contracts.config import CONFIG_UPDATED, SettingKey
from uts_shared.messaging import instance_queue, subscribe_events

log = logging.getLogger(__name__)

SOCKET_EVENT = "config_updated"


class ConfigRelay:
    """Consumes `config.updated` for one gateway replica and tells its agents' sockets."""

    def __init__(
        self,
        broker: RabbitBroker,
        realtime: Realtime,
        *,
        instance_id: str,
        visibility: Visibility | None = None,
    ) -> None:
        self._realtime = realtime
        self._visibility = visibility
        self.queue = instance_queue(
            f"gateway.config-relay.{instance_id}", CONFIG_UPDATED.routing_key
        )
        # Registered now: subscribers must exist before the broker starts.
        subscribe_events(broker, self.queue, self.handle)

    async def handle(self, routing_key: str, body: bytes, message: RabbitMessage) -> None:
        # A malformed event raises: subscribe_events logs it once and dead-letters it.
        event = CONFIG_UPDATED.envelope.model_validate_json(body)
        payload = {
            "keys": event.data.keys,
            "updatedBy": event.data.updated_by,
            "eventId": event.event_id,
            "occurredAt": event.occurred_at.isoformat(),
        }
        await self._realtime.emit(SOCKET_EVENT, payload, room=AGENTS_ROOM)
        if self._visibility is not None and SettingKey.TICKET_VISIBILITY in event.data.keys:
            # Who sees which tickets changed: reads ask again, sockets move to their rooms.
            self._visibility.invalidate()
            await self._realtime.regroup()
