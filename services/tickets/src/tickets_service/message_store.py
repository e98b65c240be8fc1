"""Every MongoDB call about a conversation's messages and its handler (database `uts_tickets`).

A message is one document (`_id` its id) holding its own outbox: storing it and its
`conversation.message_created` is one insert; a delivery report is one conditional update with
its `conversation.message_updated`; a handoff is one conditional update of the conversation with
its `conversation.handed_off`. `TicketStore` relays those outboxes with the tickets' own
(owner keys `message:<id>`, `conversation:<id>`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from tickets_service.domain.errors import KeyTaken
from tickets_service.events import OutboxEntry
from tickets_service.store import CONVERSATIONS, MESSAGES, _conversation, _plain
from uts_shared.contracts.messages import Delivery, Direction, Message
from uts_shared.contracts.tickets import Conversation, Handler
from uts_shared.mongo import Document
from uts_shared.store_types import Database

MESSAGE_OWNER = "message:"
CONVERSATION_OWNER = "conversation:"

_ORDER = [("createdAt", ASCENDING), ("_id", ASCENDING)]


def message_owner(message_id: str) -> str:
    return f"{MESSAGE_OWNER}{message_id}"


def conversation_owner(conversation_id: str) -> str:
    return f"{CONVERSATION_OWNER}{conversation_id}"


def _message(doc: Mapping[str, Any] | None) -> Message | None:
    if doc is None:
        return None
    data = {k: v for k, v in doc.items() if k not in {"_id", "outbox"}}
    return Message.model_validate({**data, "id": doc["_id"]})


class MessageStore:
    def __init__(self, database: Database) -> None:
        self.messages = database[MESSAGES]
        self.conversations = database[CONVERSATIONS]

    async def insert_message(self, message: Message, *, outbox: Sequence[OutboxEntry]) -> None:
        """KeyTaken when a message with this id is stored already (a replay)."""
        doc = _plain(message.model_dump(by_alias=True, exclude={"id"}))
        doc["_id"] = message.id
        doc["outbox"] = [entry.to_document() for entry in outbox]
        try:
            await self.messages.insert_one(doc)
        except DuplicateKeyError:
            raise KeyTaken(message.id) from None

    async def mark_last_message(self, message: Message) -> None:
        """The conversation's last message: waiting while the customer's has no answer, and
        moved up the lists (a message older than the last one known changes nothing)."""
        at = message.created_at
        await self.conversations.update_one(
            {
                "_id": message.conversation_id,
                "$or": [{"lastMessageAt": None}, {"lastMessageAt": {"$lte": at}}],
            },
            {
                "$set": {
                    "waiting": message.direction is Direction.INBOUND,
                    "lastMessageAt": at,
                    "updatedAt": at,
                }
            },
        )

    async def get_message(self, conversation_id: str, message_id: str) -> Message | None:
        return _message(
            await self.messages.find_one(
                {"_id": message_id, "conversationId": conversation_id}, {"outbox": 0}
            )
        )

    async def list_messages(
        self, conversation_id: str, *, skip: int, limit: int
    ) -> tuple[list[Message], int]:
        query: Document = {"conversationId": conversation_id}
        total = await self.messages.count_documents(query)
        docs = (
            await self.messages.find(query, {"outbox": 0})
            .sort(_ORDER)
            .skip(skip)
            .limit(limit)
            .to_list(None)
        )
        return [m for m in map(_message, docs) if m is not None], total

    async def set_delivery(
        self,
        message: Message,
        changes: Mapping[str, Any],
        *,
        outbox: Sequence[OutboxEntry],
    ) -> Message | None:
        """The message with `changes`, if its delivery is still the one read (else None)."""
        doc = await self.messages.find_one_and_update(
            {"_id": message.id, "delivery": Delivery(message.delivery).value},
            {
                "$set": _plain(dict(changes)),
                "$push": {"outbox": {"$each": [e.to_document() for e in outbox]}},
            },
            projection={"outbox": 0},
            return_document=ReturnDocument.AFTER,
        )
        return _message(doc)

    async def set_handler(
        self,
        conversation: Conversation,
        changes: Mapping[str, Any],
        *,
        outbox: Sequence[OutboxEntry],
    ) -> Conversation | None:
        """The conversation with `changes`, if it is still handled as read (else None)."""
        handled_by = Handler(conversation.handled_by).value
        query: Document = {"_id": conversation.id}
        # Stored before handoffs existed: no field means the assistant.
        query["handledBy"] = (
            handled_by if handled_by != "assistant" else {"$in": [None, handled_by]}
        )
        query["handlingAgent"] = conversation.handling_agent
        doc = await self.conversations.find_one_and_update(
            query,
            {
                "$set": _plain(dict(changes)),
                "$push": {"outbox": {"$each": [e.to_document() for e in outbox]}},
            },
            projection={"outbox": 0},
            return_document=ReturnDocument.AFTER,
        )
        return _conversation(doc)
