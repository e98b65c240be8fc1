"""Conversation operations: the WhatsApp (or other channel) threads tickets are opened from."""

from __future__ import annotations

from collections.abc import Callable

from tickets_service.domain.errors import KeyTaken
from tickets_service.store import TicketStore
from uts_shared.clock import Clock, new_id
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import Pagination
from uts_shared.errors import Conflict, NotFound


class ConversationOperations:
    def __init__(
        self, *, store: TicketStore, clock: Clock, ids: Callable[[], str] = new_id
    ) -> None:
        self._store = store
        self._clock = clock
        self._ids = ids

    async def create(self, req: t.CreateConversation) -> t.Conversation:
        if await self._store.get_customer(req.customer_id) is None:
            raise NotFound(f"Customer '{req.customer_id}' not found")
        now = self._clock.now()
        conversation = t.Conversation(
            id=self._ids(),
            customer_id=req.customer_id,
            channel=req.channel,
            status=req.status,
            assigned_agent=req.assigned_agent,
            created_at=now,
            updated_at=now,
        )
        await self._store.insert_conversation(conversation)
        return conversation

    async def open(self, req: t.OpenConversation) -> t.OpenedConversation:
        """The customer's open conversation on the channel, else a new open one; two requests
        at once open one (the second gets the first's)."""
        if await self._store.get_customer(req.customer_id) is None:
            raise NotFound(
                f"Customer '{req.customer_id}' not found", context={"customerId": req.customer_id}
            )
        existing = await self._store.open_conversation(req.customer_id, req.channel)
        if existing is not None:
            return t.OpenedConversation(conversation=existing, created=False)
        now = self._clock.now()
        conversation = t.Conversation(
            id=self._ids(),
            customer_id=req.customer_id,
            channel=req.channel,
            status=t.ConversationStatus.OPEN,
            created_at=now,
            updated_at=now,
        )
        key = f"{req.customer_id}:{req.channel.value}"
        try:
            await self._store.insert_conversation(conversation, open_key=key)
        except KeyTaken:
            twin = await self._store.conversation_by_open_key(key)
            if twin is None:
                raise Conflict(  # opened and closed meanwhile by others
                    "The customer's conversation on this channel is changing; try again"
                ) from None
            return t.OpenedConversation(conversation=twin, created=False)
        return t.OpenedConversation(conversation=conversation, created=True)

    async def get(self, req: t.GetConversation) -> t.Conversation:
        conversation = await self._store.get_conversation(req.conversation_id)
        if conversation is None:
            raise NotFound(f"Conversation '{req.conversation_id}' not found")
        return conversation

    async def list(self, req: t.ListConversations) -> t.ConversationPage:
        conversations, total = await self._store.list_conversations(
            customer_id=req.customer_id,
            status=req.status,
            handled_by=req.handled_by,
            waiting=req.waiting,
            skip=(req.page - 1) * req.limit,
            limit=req.limit,
        )
        return t.ConversationPage(
            conversations=conversations, pagination=Pagination.of(req.page, req.limit, total)
        )

    async def find_active(self, req: t.FindActiveConversation) -> t.ActiveConversation:
        return t.ActiveConversation(
            conversation=await self._store.active_conversation(req.customer_id)
        )

    async def update_status(self, req: t.UpdateConversationStatus) -> t.Conversation:
        changes: dict[str, object] = {"status": req.status, "updatedAt": self._clock.now()}
        if req.assigned_agent is not None:
            changes["assignedAgent"] = req.assigned_agent
        conversation = await self._store.update_conversation(req.conversation_id, changes)
        if conversation is None:
            raise NotFound(f"Conversation '{req.conversation_id}' not found")
        return conversation
