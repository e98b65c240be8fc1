"""An assistant turn in the customer's conversation: the customer's message and the assistant's
answer recorded as the conversation's messages (the tickets service stores them), and who
handles the conversation (while an agent does, the assistant does not answer)."""

from __future__ import annotations

from ai_tools_service.directory import TicketsDirectory
from uts_shared.contracts import messages as m
from uts_shared.contracts.tickets import Conversation


class ConversationLog:
    def __init__(self, directory: TicketsDirectory) -> None:
        self._directory = directory

    async def find(self, phone: str, conversation_id: str | None) -> Conversation | None:
        """The turn's conversation: the one named, else the customer's active one (None for a
        phone no customer has, or a customer with no conversation going on)."""
        if conversation_id is not None:
            return await self._directory.conversation(conversation_id)
        customer = await self._directory.customer_by_phone(phone)
        if customer is None:
            return None
        return await self._directory.active(customer.id)

    async def customer_wrote(self, conversation_id: str, text: str) -> m.Message:
        """The customer's message (it resumes the tickets waiting on them)."""
        return await self._directory.post_message(
            m.PostMessage(
                conversation_id=conversation_id,
                direction=m.Direction.INBOUND,
                text=text[: m.MESSAGE_TEXT_MAX],
            )
        )

    async def assistant_answered(self, conversation_id: str, text: str) -> m.Message:
        """The assistant's answer, which the caller of the turn delivers itself."""
        return await self._directory.post_message(
            m.PostMessage(
                conversation_id=conversation_id,
                direction=m.Direction.OUTBOUND,
                author=m.Author.ASSISTANT,
                text=text[: m.MESSAGE_TEXT_MAX],
                sent_by_caller=True,
            )
        )
