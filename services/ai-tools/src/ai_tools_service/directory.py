"""The tickets service over the broker, as the tools see it (`tools.Directory`)."""

from __future__ import annotations

from uts_shared.contracts import messages, tickets
from uts_shared.errors import NotFound
from uts_shared.messaging import RpcClient


class TicketsDirectory:
    def __init__(self, rpc: RpcClient) -> None:
        self._rpc = rpc

    async def customer_by_phone(self, phone: str) -> tickets.Customer | None:
        try:
            return await self._rpc.call(
                tickets.GET_CUSTOMER_BY_PHONE, tickets.GetCustomerByPhone(phone_number=phone)
            )
        except NotFound:
            return None

    async def active_conversation(self, customer_id: str) -> str | None:
        found = await self._rpc.call(
            tickets.FIND_ACTIVE_CONVERSATION,
            tickets.FindActiveConversation(customer_id=customer_id),
        )
        return found.conversation.id if found.conversation else None

    async def create_for_caller(self, request: tickets.CreateForCaller) -> tickets.CallerTicket:
        return await self._rpc.call(tickets.CREATE_FOR_CALLER, request)

    async def ticket_for_customer(
        self, ticket_id: str, customer_id: str
    ) -> tickets.CustomerTicketView | None:
        try:
            return await self._rpc.call(
                tickets.GET_FOR_CUSTOMER,
                tickets.GetForCustomer(ticket_id=ticket_id, customer_id=customer_id),
            )
        except NotFound:
            return None

    async def recent_tickets(
        self, customer_id: str, limit: int
    ) -> list[tickets.CustomerTicketSummary]:
        page = await self._rpc.call(
            tickets.LIST_FOR_CUSTOMER,
            tickets.ListByCustomer(
                customer_id=customer_id, limit=limit, sort_by="createdAt", sort_order="desc"
            ),
        )
        return page.tickets

    async def hand_off(self, request: messages.HandOff) -> None:
        await self._rpc.call(messages.HAND_OFF, request)

    async def add_note(self, request: tickets.AddNote) -> None:
        await self._rpc.call(tickets.ADD_NOTE, request)

    async def submit_feedback(self, request: tickets.SubmitFeedback) -> None:
        await self._rpc.call(tickets.SUBMIT_FEEDBACK, request)

    async def conversation(self, conversation_id: str) -> tickets.Conversation | None:
        try:
            return await self._rpc.call(
                tickets.GET_CONVERSATION, tickets.GetConversation(conversation_id=conversation_id)
            )
        except NotFound:
            return None

    async def active(self, customer_id: str) -> tickets.Conversation | None:
        found = await self._rpc.call(
            tickets.FIND_ACTIVE_CONVERSATION,
            tickets.FindActiveConversation(customer_id=customer_id),
        )
        return found.conversation

    async def post_message(self, request: messages.PostMessage) -> messages.Message:
        return await self._rpc.call(messages.POST_MESSAGE, request)

    async def open_tickets(self, conversation_id: str) -> list[tickets.TicketSummary]:
        page = await self._rpc.call(
            tickets.LIST_BY_CONVERSATION,
            tickets.ListByConversation(conversation_id=conversation_id, limit=100),
        )
        done = (tickets.TicketStatus.RESOLVED, tickets.TicketStatus.CLOSED)
        return [ticket for ticket in page.tickets if ticket.status not in done]

    async def update_ticket(self, request: tickets.UpdateTicket) -> None:
        await self._rpc.call(tickets.UPDATE, request)
