"""The signed-in agent's notifications: newest first, the unread count, marking read.

Made by `gateway.notification_events` from the ticket and conversation events; live over
Socket.IO as `notification_created` / `notifications_read` to the agent's own sockets.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from gateway.auth import CurrentAgent, current_agent
from gateway.notification_events import Notifications
from gateway.routes.envelope import Ok, unique_query_keys
from uts_shared.contracts.base import ID_MAX, Id, Page, Pagination, WireModel, example
from uts_shared.contracts.notifications import Notification
from uts_shared.contracts.tickets import Limit

router = APIRouter(
    prefix="/notifications", tags=["notifications"], dependencies=[Depends(current_agent)]
)


async def get_notifications(request: Request) -> Notifications:
    notifications: Notifications = request.app.state.notifications
    return notifications


NotificationsDep = Annotated[Notifications, Depends(get_notifications)]
NotificationId = Annotated[str, Path(min_length=1, max_length=2 * ID_MAX + 1)]


class NotificationQuery(WireModel):
    page: Page = 1
    limit: Limit = 20
    unread: bool = False
    """Only the unread ones."""


class NotificationPage(Ok):
    notifications: list[Notification]
    pagination: Pagination
    unread: int
    """The agent's unread notifications, all pages."""
    unread_ticket_ids: list[str]
    """The tickets those unread notifications are about (of the newest 500)."""


class UnreadCount(Ok):
    unread: int


class MarkRead(WireModel):
    """Body of `POST /notifications/read`: all of the agent's, or only one ticket's."""

    model_config = example({"ticketId": "LUX-2026-000001"})

    ticket_id: Id | None = None


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such notification"}}


@router.get("", dependencies=[Depends(unique_query_keys)])
async def list_notifications(
    query: Annotated[NotificationQuery, Query()],
    agent: CurrentAgent,
    notifications: NotificationsDep,
) -> NotificationPage:
    """The caller's notifications, newest first (`unread=true`: only the unread ones), with
    the unread count and the tickets they are about."""
    found, pagination, unread, tickets = await notifications.page(
        agent.id, page=query.page, limit=query.limit, unread_only=query.unread
    )
    return NotificationPage(
        notifications=found, pagination=pagination, unread=unread, unread_ticket_ids=tickets
    )


@router.post("/read")
async def mark_all_read(
    agent: CurrentAgent, notifications: NotificationsDep, body: MarkRead | None = None
) -> UnreadCount:
    """Mark every unread notification of the caller read (or only those of `ticketId`)."""
    ticket_id = body.ticket_id if body is not None else None
    return UnreadCount(unread=await notifications.mark_read(agent.id, ticket_id=ticket_id))


@router.post("/{notification_id}/read", responses=NOT_FOUND)
async def mark_read(
    notification_id: NotificationId, agent: CurrentAgent, notifications: NotificationsDep
) -> UnreadCount:
    """Mark one notification read (again: no change); the unread count after it."""
    unread = await notifications.mark_read(agent.id, notification_id=notification_id)
    return UnreadCount(unread=unread)
