"""Agents' notifications: what the gateway tells one agent about its tickets.

The gateway's notifications consumer reads the ticket and conversation events from its shared
queue `gateway.notifications`, stores one notification per agent it is for (by event id and
agent, so a redelivered event stores nothing twice) and publishes `notification.created`; every
gateway replica's relay sends that to the agent's sockets (`notification_created`). Marking read
publishes `notification.read` the same way, so the agent's other tabs drop their marks.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from uts_shared.contracts import messages, tickets
from uts_shared.contracts.base import EventType, WireModel, example


class NotificationKind(StrEnum):
    ASSIGNED = "assigned"
    """A ticket was given to the agent (assigned or escalated to it)."""
    REASSIGNED_AWAY = "reassigned_away"
    """A ticket of the agent's was given to someone else."""
    MENTIONED = "mentioned"
    """An internal note names the agent (`@ana`, `@ana.ruiz`, `@aruiz` for aruiz@...)."""
    CUSTOMER_REPLIED = "customer_replied"
    """The customer wrote in the conversation of a ticket of the agent's."""
    SLA_WARNING = "sla_warning"
    SLA_BREACHED = "sla_breached"


class Notification(WireModel):
    model_config = example(
        {
            "id": "3b6f0c8e9d2a4f1b8c7e6d5a4b3c2d1e:a7c1e3f5",
            "agentId": "a7c1e3f5",
            "kind": "assigned",
            "ticketId": "LUX-2026-000001",
            "read": False,
            "createdAt": "2026-11-30T10:15:01Z",
            "byName": "Ana Ruiz",
        }
    )

    id: str
    """`<eventId>:<agentId>`: one notification per event and agent."""
    agent_id: str
    kind: NotificationKind
    ticket_id: str
    read: bool = False
    created_at: datetime
    by: str | None = None
    """The agent (or customer) who caused it, when one did."""
    by_name: str | None = None
    excerpt: str | None = None
    """The start of the note or message (mentions, customer replies)."""
    clock: str | None = None
    """The SLA clock (`first_response`, `resolution`) of an SLA notification."""


class NotificationCreated(WireModel):
    notification: Notification
    unread: int
    """The agent's unread notifications after this one."""


class NotificationsRead(WireModel):
    agent_id: str
    ids: list[str] | None = None
    """The notifications marked read; absent: all of the agent's (or all of `ticketId`)."""
    ticket_id: str | None = None
    unread: int


NOTIFICATION_CREATED = EventType(
    "notification.created", NotificationCreated, "A notification for one agent was stored"
)
NOTIFICATIONS_READ = EventType(
    "notification.read", NotificationsRead, "An agent marked notifications read"
)
EVENTS: tuple[EventType[Any], ...] = (NOTIFICATION_CREATED, NOTIFICATIONS_READ)

SOCKET_EVENT_NAMES: dict[str, str] = {
    NOTIFICATION_CREATED.routing_key: "notification_created",
    NOTIFICATIONS_READ.routing_key: "notifications_read",
}

QUEUE = "gateway.notifications"
"""The gateway replicas' shared durable queue of the events notifications come from."""
SOURCES: tuple[EventType[Any], ...] = (
    tickets.TICKET_ASSIGNED,
    tickets.TICKET_ESCALATED,
    tickets.TICKET_NOTE_ADDED,
    tickets.TICKET_SLA_WARNING,
    tickets.TICKET_SLA_BREACHED,
    messages.CONVERSATION_MESSAGE_CREATED,
)
BINDINGS = tuple(kind.routing_key for kind in SOURCES)
