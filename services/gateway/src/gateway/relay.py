"""Ticket events from the broker to this replica's Socket.IO clients (plan §2.4 names).

Each gateway replica consumes through its own exclusive, auto-delete queue bound to `ticket.#`,
so every replica's clients see every event. Deliveries are at-least-once (the tickets service's
outbox may publish an event twice), hence the bounded de-duplication by `eventId`.

Who gets what (one emission per event, python-socketio sends it once per socket even when the
socket is in several of the target rooms):
- every event -> `agents` (all signed-in agents) and `ticket:{ticketId}` (clients that joined it);
- `ticket_assigned` / `ticket_escalated` -> also `agent:{assignee}` (one's own assignments);
- an internal note (`note.isInternal`) -> `agents` only: never a ticket room, which is the one
  kind of room a non-agent socket could ever be in.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any

from faststream.rabbit import RabbitBroker, RabbitMessage
from pydantic import BaseModel

from gateway.realtime import AGENTS_ROOM, Realtime, agent_room, ticket_room
from uts_shared.contracts import tickets
from uts_shared.contracts.base import Event
from uts_shared.messaging import (
    MalformedMessage,
    declare_topology,
    excerpt,
    instance_queue,
    subscribe_events,
)

log = logging.getLogger(__name__)

BINDING = "ticket.#"

# Routing key -> (envelope model to validate against, Socket.IO event name).
_EVENTS: dict[str, tuple[type[Event[Any]], str]] = {
    kind.routing_key: (kind.envelope, tickets.SOCKET_EVENT_NAMES[kind.routing_key])
    for kind in tickets.EVENTS
}


_ABOUT_ONE_TICKET = (
    tickets.TicketUpdated,
    tickets.TicketAssigned,
    tickets.TicketNoteAdded,
    tickets.TicketResolved,
    tickets.TicketEscalated,
)


class SeenEvents:
    """The last `capacity` event ids (least recently seen forgotten first)."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def add(self, event_id: str) -> bool:
        """Remember `event_id`; False if it was already there (a duplicate delivery)."""
        if event_id in self._ids:
            self._ids.move_to_end(event_id)
            return False
        self._ids[event_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
        return True


def audience(data: BaseModel) -> list[str]:
    """The rooms an event's payload goes to (see the module docstring)."""
    if isinstance(data, tickets.TicketNoteAdded) and data.note.is_internal:
        return [AGENTS_ROOM]
    if isinstance(data, tickets.TicketCreated):
        return [AGENTS_ROOM, ticket_room(data.ticket.ticket_id)]
    assert isinstance(data, _ABOUT_ONE_TICKET)
    rooms = [AGENTS_ROOM, ticket_room(data.ticket_id)]
    if isinstance(data, tickets.TicketAssigned):
        rooms.append(agent_room(data.agent_id))
    elif isinstance(data, tickets.TicketEscalated):
        rooms.append(agent_room(data.to_agent))
    return rooms


class TicketRelay:
    """Consumes `ticket.#` for one gateway replica and emits each event once to its sockets."""

    def __init__(
        self,
        broker: RabbitBroker,
        realtime: Realtime,
        *,
        instance_id: str,
        remember: int = 10_000,
    ) -> None:
        self._broker = broker
        self._realtime = realtime
        self._seen = SeenEvents(remember)
        self.queue = instance_queue(f"gateway.relay.{instance_id}", BINDING)
        # Registered now: subscribers must exist before the broker starts.
        subscribe_events(broker, self.queue, self.handle)

    async def start(self) -> None:
        """Call once the broker is connected: the dead-letter exchange rejects go to must exist."""
        await declare_topology(self._broker)

    async def handle(self, routing_key: str, body: bytes, message: RabbitMessage) -> None:
        """Validate, de-duplicate, emit; a malformed event is dead-lettered (`subscribe_events`)."""
        known = _EVENTS.get(routing_key)
        if known is None:
            raise MalformedMessage("unknown routing key")
        model, name = known
        try:
            raw = json.loads(body)
            event = model.model_validate(raw)
        except ValueError as exc:  # not JSON, or pydantic's ValidationError
            raise MalformedMessage.of(exc) from None
        if event.type != routing_key:
            raise MalformedMessage(f"an event of type {excerpt(event.type, 80)!r}")
        if not self._seen.add(event.event_id):
            log.debug("duplicate event %s (%s) dropped", event.event_id, routing_key)
            return
        # The payload as published (already validated): no re-serialisation.
        payload: dict[str, Any] = {
            **raw["data"],
            "eventId": event.event_id,
            "occurredAt": raw.get("occurredAt"),
        }
        rooms = audience(event.data)
        log.debug("relaying %s %s to %s", name, event.event_id, rooms)
        await self._realtime.emit(name, payload, room=rooms)
