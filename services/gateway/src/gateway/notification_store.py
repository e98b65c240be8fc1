"""Every MongoDB call about notifications (the gateway's database, collection `notifications`).

Documents are camelCase; `_id` is `<eventId>:<agentId>`, so storing what a redelivered event
makes again is a duplicate key, not a second notification. Every query starts with the agent:
(agentId, read, createdAt) serves the pages, the unread count and the unread tickets;
(agentId, ticketId, read) serves marking a ticket's notifications read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from uts_shared.contracts.notifications import Notification
from uts_shared.store_types import Database

COLLECTION = "notifications"
UNREAD_TICKETS_MAX = 500
_STORAGE_ONLY = frozenset({"_id", "eventId", "readAt"})


def _document(notification: Notification, event_id: str) -> dict[str, Any]:
    doc = notification.model_dump(mode="python", by_alias=True, exclude_none=True)
    doc["_id"] = doc.pop("id")
    doc["eventId"] = event_id
    return doc


def _notification(doc: dict[str, Any]) -> Notification:
    fields = {k: v for k, v in doc.items() if k not in _STORAGE_ONLY}
    return Notification.model_validate({**fields, "id": doc["_id"]})


class NotificationStore:
    def __init__(self, database: Database) -> None:
        self._notifications = database[COLLECTION]

    async def ensure_indexes(self) -> None:
        await self._notifications.create_indexes(
            [
                IndexModel(
                    [("agentId", ASCENDING), ("read", ASCENDING), ("createdAt", DESCENDING)],
                    name="agent_read_created",
                ),
                IndexModel(
                    [("agentId", ASCENDING), ("createdAt", DESCENDING)], name="agent_created"
                ),
                IndexModel(
                    [("agentId", ASCENDING), ("ticketId", ASCENDING), ("read", ASCENDING)],
                    name="agent_ticket_read",
                ),
            ]
        )

    async def insert(self, notification: Notification, event_id: str) -> bool:
        """Store it; False when it is already stored (the same event delivered again)."""
        try:
            await self._notifications.insert_one(_document(notification, event_id))
        except DuplicateKeyError:
            return False
        return True

    async def page(
        self, agent_id: str, *, page: int, limit: int, unread_only: bool
    ) -> tuple[list[Notification], int]:
        """Newest first, and how many there are in all."""
        query: dict[str, Any] = {"agentId": agent_id}
        if unread_only:
            query["read"] = False
        cursor = (
            self._notifications.find(query)
            .sort("createdAt", DESCENDING)
            .skip((page - 1) * limit)
            .limit(limit)
        )
        docs = await cursor.to_list()
        total = int(await self._notifications.count_documents(query))
        return [_notification(doc) for doc in docs], total

    async def unread(self, agent_id: str) -> int:
        return int(await self._notifications.count_documents({"agentId": agent_id, "read": False}))

    async def unread_tickets(self, agent_id: str) -> list[str]:
        """The tickets of the agent's newest unread notifications (at most 500 notifications)."""
        cursor = (
            self._notifications.find({"agentId": agent_id, "read": False}, {"ticketId": 1})
            .sort("createdAt", DESCENDING)
            .limit(UNREAD_TICKETS_MAX)
        )
        return list(dict.fromkeys(doc["ticketId"] for doc in await cursor.to_list()))

    async def mark_read(
        self,
        agent_id: str,
        at: datetime,
        *,
        notification_id: str | None = None,
        ticket_id: str | None = None,
    ) -> int:
        """Mark one, a ticket's, or all of the agent's unread notifications read; how many."""
        query: dict[str, Any] = {"agentId": agent_id, "read": False}
        if notification_id is not None:
            query["_id"] = notification_id
        if ticket_id is not None:
            query["ticketId"] = ticket_id
        result = await self._notifications.update_many(
            query, {"$set": {"read": True, "readAt": at}}
        )
        return int(result.modified_count)

    async def exists(self, agent_id: str, notification_id: str) -> bool:
        doc = await self._notifications.find_one(
            {"_id": notification_id, "agentId": agent_id}, {"_id": 1}
        )
        return doc is not None
