"""A conversation's messages and its handler: store, publish, resume the clocks of a reply.

Each command is one write of one document carrying its event in that document's outbox
(`message_store`); the event is published right after, and by the outbox relay if that fails.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pydantic import BaseModel

from tickets_service.domain.errors import KeyTaken
from tickets_service.events import outbox_entry
from tickets_service.message_store import MessageStore, conversation_owner, message_owner
from tickets_service.outbox import Outbox
from tickets_service.store import TicketStore
from uts_shared.clock import Clock, new_id
from uts_shared.contracts import messages as m
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import EventType, Pagination
from uts_shared.errors import Conflict, FieldError, NotFound

log = logging.getLogger(__name__)

MESSAGES = uuid.UUID("0b6d7c1e-52a4-4d0f-9a7e-2c55e1f0a9b3")
DELIVERY_RETRIES = 5

CustomerReplied = Callable[[t.CustomerReplied], Awaitable[t.CustomerRepliedResult]]


def message_id_for(conversation_id: str, key: str) -> str:
    """The id of the message a request stores: the same for every delivery of that request."""
    return uuid.uuid5(MESSAGES, f"{conversation_id}\n{key}").hex


def moves(current: m.Delivery, reported: m.Delivery) -> bool:
    """Whether a report moves a message on: never back, nothing after a failure, a failure
    only before delivery."""
    if current is m.Delivery.FAILED:
        return False
    if reported is m.Delivery.FAILED:
        return current in (m.Delivery.PENDING, m.Delivery.SENT)
    return m.DELIVERY_RANK[reported] > m.DELIVERY_RANK[current]


def _first_delivery(req: m.PostMessage) -> m.Delivery:
    """A customer's message has arrived; a reply waits for the channel system, unless its
    caller delivers it."""
    if req.direction is m.Direction.INBOUND:
        return m.Delivery.DELIVERED
    return m.Delivery.SENT if req.sent_by_caller else m.Delivery.PENDING


def _no_conversation(conversation_id: str) -> NotFound:
    return NotFound(
        f"Conversation '{conversation_id}' not found",
        details=[FieldError(field="conversationId", reason="no such conversation")],
    )


class MessageOperations:
    def __init__(
        self,
        *,
        store: TicketStore,
        messages: MessageStore,
        outbox: Outbox,
        clock: Clock,
        customer_replied: CustomerReplied,
        ids: Callable[[], str] = new_id,
    ) -> None:
        self._store = store
        self._messages = messages
        self._outbox = outbox
        self._clock = clock
        self._customer_replied = customer_replied
        self._ids = ids

    async def _conversation(self, conversation_id: str) -> t.Conversation:
        conversation = await self._store.get_conversation(conversation_id)
        if conversation is None:
            raise _no_conversation(conversation_id)
        return conversation

    async def post(
        self,
        req: m.PostMessage,
        also: Callable[[m.Message], Sequence[tuple[EventType[Any], BaseModel]]] | None = None,
    ) -> m.Message:
        """Store the message with its `conversation.message_created`; a customer's message
        resumes the conversation's tickets waiting on them. The same request key (or note)
        again answers the message stored the first time."""
        conversation = await self._conversation(req.conversation_id)
        if req.request_key is not None:
            message_id = message_id_for(conversation.id, req.request_key)
        elif req.note_id is not None:
            message_id = message_id_for(conversation.id, f"note:{req.note_id}")
        else:
            message_id = self._ids()
        now = self._clock.now()
        inbound = req.direction is m.Direction.INBOUND
        message = m.Message(
            id=message_id,
            conversation_id=conversation.id,
            customer_id=conversation.customer_id,
            direction=req.direction,
            author=req.author or m.Author.CUSTOMER,
            agent_id=req.agent_id,
            agent_name=req.agent_name,
            text=req.text,
            attachments=req.attachments,
            created_at=now,
            delivery=_first_delivery(req),
            ticket_id=req.ticket_id,
            note_id=req.note_id,
        )
        event = m.MessageEvent(message=message, customer_id=conversation.customer_id)
        entries = [
            outbox_entry(m.CONVERSATION_MESSAGE_CREATED, event, event_id=self._ids(), now=now)
        ]
        # Events the message is the occasion of (a survey's question): stored with it, once.
        for kind, payload in also(message) if also is not None else ():
            entries.append(outbox_entry(kind, payload, event_id=self._ids(), now=now))
        try:
            await self._messages.insert_message(message, outbox=entries)
        except KeyTaken:
            stored = await self._messages.get_message(conversation.id, message_id)
            if stored is None:
                raise
            log.debug("message %s was stored before: answered as a replay", message_id)
            return stored
        await self._outbox.send(message_owner(message_id), entries)
        await self._messages.mark_last_message(message)
        if inbound:
            await self._customer_replied(
                t.CustomerReplied(conversation_id=conversation.id, occurred_at=req.occurred_at)
            )
        return message

    async def list(self, req: m.ListMessages) -> m.MessagePage:
        await self._conversation(req.conversation_id)
        messages, total = await self._messages.list_messages(
            req.conversation_id, skip=(req.page - 1) * req.limit, limit=req.limit
        )
        return m.MessagePage(
            messages=messages, pagination=Pagination.of(req.page, req.limit, total)
        )

    async def report_delivery(self, req: m.ReportDelivery) -> m.Message:
        """Move an outbound message's delivery on (see `moves`), with its
        `conversation.message_updated`; a report that moves nothing answers it as it is."""
        await self._conversation(req.conversation_id)
        reported = m.Delivery(req.status)
        for _ in range(DELIVERY_RETRIES):
            message = await self._messages.get_message(req.conversation_id, req.message_id)
            if message is None:
                raise NotFound(
                    f"Message '{req.message_id}' not found in conversation '{req.conversation_id}'",
                    details=[FieldError(field="messageId", reason="no such message")],
                )
            if message.direction is not m.Direction.OUTBOUND:
                raise Conflict(
                    f"Message '{req.message_id}' is the customer's: only outbound messages "
                    "are delivered",
                    context={"direction": message.direction.value},
                )
            if not moves(message.delivery, reported):
                return message
            now = self._clock.now()
            after = message.model_copy(
                update={
                    "delivery": reported,
                    "delivery_reason": req.reason if reported is m.Delivery.FAILED else None,
                    "delivery_updated_at": req.occurred_at or now,
                }
            )
            event = m.MessageEvent(message=after, customer_id=message.customer_id)
            entries = [
                outbox_entry(m.CONVERSATION_MESSAGE_UPDATED, event, event_id=self._ids(), now=now)
            ]
            changes = {
                "delivery": after.delivery,
                "deliveryReason": after.delivery_reason,
                "deliveryUpdatedAt": after.delivery_updated_at,
            }
            saved = await self._messages.set_delivery(message, changes, outbox=entries)
            if saved is None:
                continue  # another report got there first: judge this one again
            await self._outbox.send(message_owner(message.id), entries)
            return saved
        raise Conflict(f"Message '{req.message_id}' is being changed by others; try again")

    async def hand_off(self, req: m.HandOff) -> m.HandedOff:
        """Give the conversation to the agents (or one of them) or back to the assistant, with
        its `conversation.handed_off`; already so: nothing changes, nothing is published."""
        for _ in range(DELIVERY_RETRIES):
            conversation = await self._conversation(req.conversation_id)
            agent = req.agent_id if req.to is t.Handler.AGENT else None
            if conversation.handled_by is req.to and conversation.handling_agent == agent:
                return m.HandedOff(conversation=conversation, changed=False)
            now = self._clock.now()
            event = m.ConversationHandedOff(
                conversation_id=conversation.id,
                customer_id=conversation.customer_id,
                handled_by=req.to,
                agent_id=agent,
                reason=req.reason,
                by=req.by,
            )
            entries = [
                outbox_entry(m.CONVERSATION_HANDED_OFF, event, event_id=self._ids(), now=now)
            ]
            changes = {"handledBy": req.to, "handlingAgent": agent, "updatedAt": now}
            saved = await self._messages.set_handler(conversation, changes, outbox=entries)
            if saved is None:
                continue
            await self._outbox.send(conversation_owner(conversation.id), entries)
            log.info("conversation %s handed to %s", conversation.id, req.to.value)
            return m.HandedOff(conversation=saved, changed=True)
        raise Conflict(f"Conversation '{req.conversation_id}' is being handed off by others")

    async def send_note(self, ticket: t.TicketView, note: t.Note) -> m.Message:
        """A public note of a ticket to its customer: an outbound message of the ticket's
        conversation, by the note's author (its id from the note's: sent once)."""
        assert ticket.conversation_id is not None  # the aggregate refused the note otherwise
        return await self.post(
            m.PostMessage(
                conversation_id=ticket.conversation_id,
                direction=m.Direction.OUTBOUND,
                author=m.Author.AGENT,
                agent_id=note.agent_id,
                agent_name=note.agent_name,
                text=note.content,
                ticket_id=ticket.ticket_id,
                note_id=note.id,
            )
        )

    async def tell(self, conversation_id: str, ticket_id: str, text: str, key: str) -> m.Message:
        """An outbound message to the customer about a ticket, by the assistant; sent once per
        `key` (its id comes from the key)."""
        return await self.post(
            m.PostMessage(
                conversation_id=conversation_id,
                direction=m.Direction.OUTBOUND,
                author=m.Author.ASSISTANT,
                text=text[: m.MESSAGE_TEXT_MAX],
                ticket_id=ticket_id,
                request_key=key,
            )
        )
