"""Ticket events from the broker to this replica's Socket.IO clients (plan §2.4 names).

Each gateway replica consumes through its own exclusive, auto-delete queue bound to `ticket.#`,
so every replica's clients see every event. Deliveries are at-least-once (the tickets service's
outbox may publish an event twice), hence the bounded de-duplication by `eventId`.

Who gets what (one emission per event, python-socketio sends it once per socket even when the
socket is in several of the target rooms), following the ticket-visibility setting:
- every event -> `all-tickets` (agents who see every ticket), `ticket:{ticketId}` (clients that
  joined it) and the ticket's own audience among restricted agents: `agent:{assignee}`, or
  `unassigned-tickets` for a ticket assigned to nobody;
- `ticket_assigned` / `ticket_escalated` -> also the previous audience (the previous assignee,
  or `unassigned-tickets`), so a console there can drop the ticket; restricted sockets that
  may no longer see it leave its ticket room first;
- an internal note (`note.isInternal`) -> never a ticket room, which is the one kind of room a
  non-agent socket could ever be in.

The conversation events (`conversation.message_created`, `conversation.message_updated`,
`conversation.handed_off`; bound one by one, the channel system's own `conversation.*` events
are not for sockets) go to every agent (`agents`): conversations are not scoped by ticket
visibility.

`notification.created` / `notification.read` (`notification.#`) go to the one agent they are
for (`agent:{agentId}`): all of its tabs, whichever replica they are connected to.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from faststream.rabbit import RabbitBroker, RabbitMessage
from pydantic import BaseModel

from gateway.realtime import (
    AGENTS_ROOM,
    ALL_TICKETS_ROOM,
    UNASSIGNED_ROOM,
    Realtime,
    agent_room,
    ticket_room,
)
from uts_shared import json_depth
from uts_shared.contracts import messages, notifications, tickets
from uts_shared.contracts.base import EVENTS_EXCHANGE, Event
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
    **{
        kind.routing_key: (kind.envelope, tickets.SOCKET_EVENT_NAMES[kind.routing_key])
        for kind in tickets.EVENTS
    },
    **{
        kind.routing_key: (kind.envelope, messages.SOCKET_EVENT_NAMES[kind.routing_key])
        for kind in messages.EVENTS
    },
    **{
        kind.routing_key: (kind.envelope, notifications.SOCKET_EVENT_NAMES[kind.routing_key])
        for kind in notifications.EVENTS
    },
}
CONVERSATION_BINDINGS = tuple(kind.routing_key for kind in messages.EVENTS)
NOTIFICATION_BINDING = "notification.#"
_CONVERSATION_PAYLOADS = (messages.MessageEvent, messages.ConversationHandedOff)


_ASSIGNEE_KNOWN = (
    tickets.TicketUpdated,
    tickets.TicketNoteAdded,
    tickets.TicketResolved,
    tickets.TicketSlaAlarm,
    tickets.TicketMerged,
    tickets.TicketLinked,
    tickets.TicketClusterDetected,
    tickets.TicketSurveyRequested,
)
"""Events about one ticket that say who it is assigned to (`assignedAgent`)."""


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


def viewers(assignee: str | None) -> str:
    """The room of the restricted agents who may see a ticket assigned to `assignee`."""
    return agent_room(assignee) if assignee else UNASSIGNED_ROOM


def audience(data: BaseModel) -> list[str]:
    """The rooms an event's payload goes to (see the module docstring)."""
    if isinstance(data, _CONVERSATION_PAYLOADS):
        return [AGENTS_ROOM]
    if isinstance(data, notifications.NotificationCreated):
        return [agent_room(data.notification.agent_id)]
    if isinstance(data, notifications.NotificationsRead):
        return [agent_room(data.agent_id)]
    if isinstance(data, tickets.TicketCreated):
        ticket = data.ticket
        rooms = [ALL_TICKETS_ROOM, ticket_room(ticket.ticket_id), viewers(ticket.assigned_agent)]
    elif isinstance(data, tickets.TicketAssigned):
        rooms = [ALL_TICKETS_ROOM, ticket_room(data.ticket_id), agent_room(data.agent_id)]
        rooms.append(viewers(data.previous_agent))
    elif isinstance(data, tickets.TicketEscalated):
        rooms = [ALL_TICKETS_ROOM, ticket_room(data.ticket_id), agent_room(data.to_agent)]
        rooms.append(viewers(data.previous_agent))
    else:
        assert isinstance(data, _ASSIGNEE_KNOWN)
        rooms = [ALL_TICKETS_ROOM, ticket_room(data.ticket_id), viewers(data.assigned_agent)]
        if isinstance(data, tickets.TicketNoteAdded) and data.note.is_internal:
            rooms.remove(ticket_room(data.ticket_id))
    return list(dict.fromkeys(rooms))


def new_assignee(data: BaseModel) -> tuple[str, str] | None:
    """(ticket id, new assignee) of an event that gives a ticket to someone."""
    if isinstance(data, tickets.TicketAssigned):
        return data.ticket_id, data.agent_id
    if isinstance(data, tickets.TicketEscalated):
        return data.ticket_id, data.to_agent
    return None


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
        """Call once the broker is connected: the dead-letter exchange rejects go to must exist;
        the queue takes the conversation and notification events too."""
        await declare_topology(self._broker)
        queue = await self._broker.declare_queue(self.queue)
        for binding in (*CONVERSATION_BINDINGS, NOTIFICATION_BINDING):
            await queue.bind(EVENTS_EXCHANGE, routing_key=binding)

    async def handle(self, routing_key: str, body: bytes, message: RabbitMessage) -> None:
        """Validate, de-duplicate, emit; a malformed event is dead-lettered (`subscribe_events`)."""
        known = _EVENTS.get(routing_key)
        if known is None:
            raise MalformedMessage("unknown routing key")
        model, name = known
        try:
            raw = json_depth.loads(body)
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
            "schemaVersion": event.schema_version,
            "occurredAt": raw.get("occurredAt"),
        }
        rooms = audience(event.data)
        moved = new_assignee(event.data)
        if moved is not None:
            await self._realtime.keep_out_of_ticket(*moved)
        log.debug("relaying %s %s to %s", name, event.event_id, rooms)
        await self._realtime.emit(name, payload, room=rooms)
