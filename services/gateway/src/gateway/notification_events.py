"""Notifications: made from the ticket and conversation events, stored per agent, announced.

The gateway replicas share one durable queue, `gateway.notifications` (competing consumers):
an event reaches one replica, which stores the notifications it makes (`NotificationStore`,
one per event and agent, so a redelivery stores nothing twice) and publishes
`notification.created` for each new one; every replica's relay sends that to the agent's
sockets. The notifications live beside the agents, in the gateway's database: the agents are
the gateway's, and mentions resolve against them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from faststream.rabbit import RabbitBroker, RabbitMessage
from pydantic import BaseModel

from gateway.agents import AgentStore
from gateway.notification_store import NotificationStore
from gateway.notifications import (
    DirectoryAgent,
    Draft,
    is_customer_message,
    mention_drafts,
    reply_drafts,
    resolve_mentions,
    ticket_event_drafts,
)
from uts_shared import json_depth
from uts_shared.contracts import messages, tickets
from uts_shared.contracts import notifications as contract
from uts_shared.contracts.base import Event, EventType, Pagination
from uts_shared.contracts.notifications import Notification, NotificationCreated, NotificationsRead
from uts_shared.errors import NotFound
from uts_shared.messaging import (
    EventPublisher,
    MalformedMessage,
    RpcClient,
    declare_work_queue,
    make_event,
    subscribe_events,
    work_queue,
)

log = logging.getLogger(__name__)

LinkedTickets = Callable[[str], Awaitable[list[tickets.TicketSummary]]]
"""The tickets of a conversation."""
Publish = Callable[[EventType[Any], BaseModel], Awaitable[None]]

_SOURCES: dict[str, type[Event[Any]]] = {
    kind.routing_key: kind.envelope for kind in contract.SOURCES
}
AGENTS_REMEMBERED_FOR = 30.0
"""Seconds the active agents' directory is kept for resolving mentions."""
LINKED_TICKETS_MAX = 20


class MentionDirectory:
    """The active agents mentions resolve against, read at most every 30 s."""

    def __init__(self, store: AgentStore, clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._clock = clock
        self._agents: list[DirectoryAgent] = []
        self._read_at: float | None = None

    async def agents(self) -> list[DirectoryAgent]:
        now = self._clock()
        if self._read_at is None or now - self._read_at > AGENTS_REMEMBERED_FOR:
            self._agents = [
                DirectoryAgent(d["_id"], d["email"], d.get("firstName", ""), d.get("lastName", ""))
                for d in await self._store.list()
                if d.get("active", True)
            ]
            self._read_at = now
        return self._agents


def tickets_of_conversation(rpc: RpcClient) -> LinkedTickets:
    async def linked(conversation_id: str) -> list[tickets.TicketSummary]:
        request = tickets.ListByConversation(
            conversation_id=conversation_id, limit=LINKED_TICKETS_MAX
        )
        page = await rpc.call(tickets.LIST_BY_CONVERSATION, request)
        return list(page.tickets)

    return linked


def broker_publisher(broker: RabbitBroker) -> Publish:
    publisher = EventPublisher(broker)

    async def publish(kind: EventType[Any], payload: BaseModel) -> None:
        await publisher.publish(make_event(kind, payload))

    return publish


class Notifications:
    """Make, store, list and mark read; announce each change through `publish`."""

    def __init__(
        self,
        store: NotificationStore,
        *,
        directory: MentionDirectory,
        linked_tickets: LinkedTickets,
        publish: Publish,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self._directory = directory
        self._linked = linked_tickets
        self._publish = publish
        self._clock = clock

    async def drafts(self, routing_key: str, data: BaseModel) -> list[Draft]:
        if isinstance(data, tickets.TicketNoteAdded):
            if not data.note.is_internal or "@" not in data.note.content:
                return []
            agents = await self._directory.agents()
            return mention_drafts(data, resolve_mentions(data.note.content, agents))
        if isinstance(data, messages.MessageEvent):
            if not is_customer_message(data):
                return []
            linked = await self._linked(data.message.conversation_id)
            return reply_drafts(data.message, linked)
        return ticket_event_drafts(routing_key, data)

    async def on_event(self, routing_key: str, event: Event[Any]) -> list[Notification]:
        """Store the notifications `event` makes; the ones new (none for a redelivery)."""
        stored: list[Notification] = []
        for draft in dict.fromkeys(await self.drafts(routing_key, event.data)):
            notification = Notification(
                id=f"{event.event_id}:{draft.agent_id}",
                agent_id=draft.agent_id,
                kind=draft.kind,
                ticket_id=draft.ticket_id,
                created_at=event.occurred_at,
                by=draft.by,
                by_name=draft.by_name,
                excerpt=draft.excerpt,
                clock=draft.clock,
            )
            if not await self.store.insert(notification, event.event_id):
                log.debug("notification %s already stored", notification.id)
                continue
            stored.append(notification)
            unread = await self.store.unread(draft.agent_id)
            created = NotificationCreated(notification=notification, unread=unread)
            await self._publish(contract.NOTIFICATION_CREATED, created)
        return stored

    async def page(
        self, agent_id: str, *, page: int, limit: int, unread_only: bool
    ) -> tuple[list[Notification], Pagination, int, list[str]]:
        found, total = await self.store.page(
            agent_id, page=page, limit=limit, unread_only=unread_only
        )
        unread = await self.store.unread(agent_id)
        unread_tickets = await self.store.unread_tickets(agent_id) if unread else []
        return found, Pagination.of(page, limit, total), unread, unread_tickets

    async def mark_read(
        self,
        agent_id: str,
        *,
        notification_id: str | None = None,
        ticket_id: str | None = None,
    ) -> int:
        """Mark read (one, a ticket's, or all); the agent's unread count after it. An unknown
        notification id is NotFound; one already read changes nothing."""
        if notification_id is not None and not await self.store.exists(agent_id, notification_id):
            raise NotFound(
                f"Notification '{notification_id}' not found",
                context={"notificationId": notification_id},
            )
        changed = await self.store.mark_read(
            agent_id, self._clock(), notification_id=notification_id, ticket_id=ticket_id
        )
        unread = await self.store.unread(agent_id)
        if changed:
            ids = [notification_id] if notification_id is not None else None
            read = NotificationsRead(agent_id=agent_id, ids=ids, ticket_id=ticket_id, unread=unread)
            try:
                await self._publish(contract.NOTIFICATIONS_READ, read)
            except Exception as exc:  # stored: the agent's other tabs catch up at their next load
                log.warning("could not announce notifications read by %s: %r", agent_id, exc)
        return unread


class NotificationConsumer:
    """This replica's consumer of the shared `gateway.notifications` queue."""

    def __init__(self, broker: RabbitBroker, notifications: Notifications) -> None:
        self._broker = broker
        self._notifications = notifications
        self.queue = work_queue(contract.QUEUE, contract.BINDINGS[0])
        subscribe_events(broker, self.queue, self.handle)

    async def start(self) -> None:
        """Once connected: the queue exists and takes every source event."""
        for binding in contract.BINDINGS:
            await declare_work_queue(self._broker, contract.QUEUE, binding)

    async def handle(self, routing_key: str, body: bytes, message: RabbitMessage) -> None:
        envelope = _SOURCES.get(routing_key)
        if envelope is None:
            raise MalformedMessage("unknown routing key")
        try:
            event = envelope.model_validate(json_depth.loads(body))
        except ValueError as exc:
            raise MalformedMessage.of(exc) from None
        await self._notifications.on_event(routing_key, event)
