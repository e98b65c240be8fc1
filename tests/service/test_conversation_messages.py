"""A conversation's messages and handoff in the tickets service, over the real broker: stored,
paged newest last, published as `conversation.*` events, delivery reports, public notes sent to
the customer, a customer's message resuming the tickets waiting on them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.support.events import Recorded
from tests.support.tickets_helpers import TicketsEnv, tickets_env
from uts_shared.contracts import messages as m
from uts_shared.contracts import tickets as t
from uts_shared.errors import Conflict, NotFound, ValidationFailed

S = t.TicketStatus


@pytest_asyncio.fixture(scope="module")
async def env(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[TicketsEnv]:
    async with tickets_env(rabbit_url, mongo_url) as running:
        yield running


async def _conversation(env: TicketsEnv) -> t.Conversation:
    customer = await env.customer()
    return await env.rpc.call(t.CREATE_CONVERSATION, t.CreateConversation(customer_id=customer.id))


def _about(message_id: str, routing_key: str) -> object:
    def holds(events: list[Recorded]) -> bool:
        return any(
            e.routing_key == routing_key and e.data["message"]["id"] == message_id for e in events
        )

    return holds


async def _post(env: TicketsEnv, **fields: Any) -> m.Message:
    """A message posted over the broker (its fields as `PostMessage` names them)."""
    return await env.rpc.call(m.POST_MESSAGE, m.PostMessage(**fields))


async def _events_of(env: TicketsEnv, routing_key: str, message_id: str) -> list[Recorded]:
    await env.recorder.wait_for(_about(message_id, routing_key))  # type: ignore[arg-type]
    return [
        e for e in env.recorder.of(routing_key) if e.data.get("message", {}).get("id") == message_id
    ]


async def test_messages_are_stored_paged_newest_last_and_published(env: TicketsEnv) -> None:
    conversation = await _conversation(env)
    inbound = await _post(
        env,
        conversation_id=conversation.id,
        direction=m.Direction.INBOUND,
        text="El poste de mi calle no prende",
        attachments=[t.Attachment(url="https://media.example/poste.jpg", type="image/jpeg")],
    )
    assert inbound.author is m.Author.CUSTOMER
    assert inbound.delivery is m.Delivery.DELIVERED
    assert inbound.customer_id == conversation.customer_id
    reply = await _post(
        env,
        conversation_id=conversation.id,
        direction=m.Direction.OUTBOUND,
        agent_id="agent-1",
        agent_name="Ana López",
        text="La cuadrilla va mañana",
    )
    assert reply.author is m.Author.AGENT and reply.delivery is m.Delivery.PENDING
    third = await _post(
        env, conversation_id=conversation.id, direction=m.Direction.INBOUND, text="Gracias"
    )

    whole = await env.rpc.call(
        m.LIST_MESSAGES, m.ListMessages(conversation_id=conversation.id, limit=50)
    )
    assert [x.id for x in whole.messages] == [inbound.id, reply.id, third.id]
    assert whole.messages[0].attachments[0].url == "https://media.example/poste.jpg"
    second_page = await env.rpc.call(
        m.LIST_MESSAGES, m.ListMessages(conversation_id=conversation.id, page=2, limit=2)
    )
    assert [x.id for x in second_page.messages] == [third.id]
    assert second_page.pagination.total == 3 and second_page.pagination.pages == 2

    [created] = await _events_of(env, "conversation.message_created", reply.id)
    assert created.data["message"]["direction"] == "outbound"
    assert created.data["message"]["delivery"] == "pending"
    assert created.data["customerId"] == conversation.customer_id
    [seen] = await _events_of(env, "conversation.message_created", inbound.id)
    assert seen.data["message"]["author"] == "customer"


async def test_a_repeated_request_key_stores_one_message(env: TicketsEnv) -> None:
    conversation = await _conversation(env)
    request = m.PostMessage(
        conversation_id=conversation.id,
        direction=m.Direction.INBOUND,
        text="Hola",
        request_key="wamid.HBgLNTIx",
    )
    first = await env.rpc.call(m.POST_MESSAGE, request)
    again = await env.rpc.call(m.POST_MESSAGE, request)
    assert again.id == first.id
    page = await env.rpc.call(m.LIST_MESSAGES, m.ListMessages(conversation_id=conversation.id))
    assert page.pagination.total == 1


async def test_messages_of_an_unknown_conversation_are_a_404(env: TicketsEnv) -> None:
    with pytest.raises(NotFound):
        await env.rpc.call(
            m.POST_MESSAGE,
            m.PostMessage(conversation_id="nope", direction=m.Direction.INBOUND, text="Hola"),
        )
    with pytest.raises(NotFound):
        await env.rpc.call(m.LIST_MESSAGES, m.ListMessages(conversation_id="nope"))


def test_a_message_names_a_consistent_author() -> None:
    with pytest.raises(ValueError, match="agentId"):
        m.PostMessage(conversation_id="c", direction=m.Direction.OUTBOUND, text="Hola")
    with pytest.raises(ValueError, match="author"):
        m.PostMessage(
            conversation_id="c",
            direction=m.Direction.INBOUND,
            author=m.Author.ASSISTANT,
            text="Hola",
        )
    with pytest.raises(ValueError, match="text"):
        m.PostMessage(conversation_id="c", direction=m.Direction.INBOUND, text="  ")
    with pytest.raises(ValueError, match="reason"):
        m.ReportDelivery(conversation_id="c", message_id="x", status=m.Delivery.FAILED)


async def test_delivery_reports_move_forward_only_and_are_published(env: TicketsEnv) -> None:
    conversation = await _conversation(env)
    reply = await _post(
        env,
        conversation_id=conversation.id,
        direction=m.Direction.OUTBOUND,
        author=m.Author.ASSISTANT,
        text="Su reporte está en proceso",
    )

    def report(status: m.Delivery, reason: str | None = None) -> m.ReportDelivery:
        return m.ReportDelivery(
            conversation_id=conversation.id, message_id=reply.id, status=status, reason=reason
        )

    read = await env.rpc.call(m.REPORT_DELIVERY, report(m.Delivery.READ))
    assert read.delivery is m.Delivery.READ and read.delivery_updated_at is not None
    late = await env.rpc.call(m.REPORT_DELIVERY, report(m.Delivery.SENT))
    assert late.delivery is m.Delivery.READ  # a late report moves nothing back
    too_late = await env.rpc.call(m.REPORT_DELIVERY, report(m.Delivery.FAILED, "expired"))
    assert too_late.delivery is m.Delivery.READ

    [updated] = await _events_of(env, "conversation.message_updated", reply.id)
    assert updated.data["message"]["delivery"] == "read"


async def test_a_failed_delivery_keeps_its_reason(env: TicketsEnv) -> None:
    conversation = await _conversation(env)
    reply = await _post(
        env,
        conversation_id=conversation.id,
        direction=m.Direction.OUTBOUND,
        agent_id="agent-1",
        text="¿Sigue sin luz?",
    )
    failed = await env.rpc.call(
        m.REPORT_DELIVERY,
        m.ReportDelivery(
            conversation_id=conversation.id,
            message_id=reply.id,
            status=m.Delivery.FAILED,
            reason="The number is not on WhatsApp",
        ),
    )
    assert failed.delivery is m.Delivery.FAILED
    assert failed.delivery_reason == "The number is not on WhatsApp"
    page = await env.rpc.call(m.LIST_MESSAGES, m.ListMessages(conversation_id=conversation.id))
    assert page.messages[0].delivery_reason == "The number is not on WhatsApp"


async def test_delivery_of_a_customers_message_or_an_unknown_one_is_refused(
    env: TicketsEnv,
) -> None:
    conversation = await _conversation(env)
    inbound = await env.rpc.call(
        m.POST_MESSAGE,
        m.PostMessage(conversation_id=conversation.id, direction=m.Direction.INBOUND, text="Hola"),
    )
    with pytest.raises(Conflict):
        await env.rpc.call(
            m.REPORT_DELIVERY,
            m.ReportDelivery(
                conversation_id=conversation.id, message_id=inbound.id, status=m.Delivery.READ
            ),
        )
    with pytest.raises(NotFound) as caught:
        await env.rpc.call(
            m.REPORT_DELIVERY,
            m.ReportDelivery(
                conversation_id=conversation.id, message_id="nope", status=m.Delivery.SENT
            ),
        )
    assert caught.value.details[0].field == "messageId"


async def test_a_customers_message_resumes_the_tickets_waiting_on_them(env: TicketsEnv) -> None:
    conversation = await _conversation(env)
    customer = await env.rpc.call(
        t.GET_CUSTOMER, t.GetCustomer(customer_id=conversation.customer_id)
    )
    waiting = await env.ticket(customer, conversation_id=conversation.id)
    for status in (S.IN_PROGRESS, S.PENDING_CUSTOMER):
        await env.rpc.call(
            t.CHANGE_STATUS, t.ChangeStatus(ticket_id=waiting.ticket_id, status=status, by="a1")
        )
    await _post(
        env, conversation_id=conversation.id, direction=m.Direction.INBOUND, text="Sigue igual"
    )
    resumed = await env.rpc.call(t.GET, t.GetTicket(ticket_id=waiting.ticket_id))
    assert resumed.status is S.IN_PROGRESS
    assert resumed.status_history[-1].reason == "customer replied"


async def test_a_public_note_goes_to_the_customer_in_one_action(env: TicketsEnv) -> None:
    conversation = await _conversation(env)
    customer = await env.rpc.call(
        t.GET_CUSTOMER, t.GetCustomer(customer_id=conversation.customer_id)
    )
    ticket = await env.ticket(customer, conversation_id=conversation.id)
    note = t.AddNote(
        ticket_id=ticket.ticket_id,
        content="Cambiamos el foco mañana a las 9",
        is_internal=False,
        send_to_customer=True,
        by="agent-1",
        by_name="Ana López",
        request_key="note-1",
    )
    result = await env.rpc.call(t.ADD_NOTE, note)
    await env.rpc.call(t.ADD_NOTE, note)  # redelivered: still one message
    page = await env.rpc.call(m.LIST_MESSAGES, m.ListMessages(conversation_id=conversation.id))
    [sent] = page.messages
    assert sent.direction is m.Direction.OUTBOUND and sent.author is m.Author.AGENT
    assert sent.text == "Cambiamos el foco mañana a las 9"
    assert sent.agent_id == "agent-1" and sent.agent_name == "Ana López"
    assert sent.ticket_id == ticket.ticket_id and sent.note_id == result.note.id
    assert sent.delivery is m.Delivery.PENDING
    await _events_of(env, "conversation.message_created", sent.id)


async def test_an_internal_note_is_never_sent_to_the_customer(env: TicketsEnv) -> None:
    conversation = await _conversation(env)
    customer = await env.rpc.call(
        t.GET_CUSTOMER, t.GetCustomer(customer_id=conversation.customer_id)
    )
    ticket = await env.ticket(customer, conversation_id=conversation.id)
    with pytest.raises(ValidationFailed) as caught:
        await env.rpc.call(
            t.ADD_NOTE,
            t.AddNote(
                ticket_id=ticket.ticket_id,
                content="Cliente difícil",
                is_internal=True,
                send_to_customer=True,
                by="agent-1",
            ),
        )
    assert caught.value.details[0].field == "sendToCustomer"
    without = await env.ticket(customer)
    with pytest.raises(ValidationFailed, match="no conversation"):
        await env.rpc.call(
            t.ADD_NOTE,
            t.AddNote(
                ticket_id=without.ticket_id,
                content="Listo",
                is_internal=False,
                send_to_customer=True,
                by="agent-1",
            ),
        )
    page = await env.rpc.call(m.LIST_MESSAGES, m.ListMessages(conversation_id=conversation.id))
    assert page.messages == []
    after = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket.ticket_id))
    assert after.notes == []


async def test_a_customers_note_is_public_and_only_on_their_own_ticket(env: TicketsEnv) -> None:
    conversation = await _conversation(env)
    customer = await env.rpc.call(
        t.GET_CUSTOMER, t.GetCustomer(customer_id=conversation.customer_id)
    )
    ticket = await env.ticket(customer, conversation_id=conversation.id)
    result = await env.rpc.call(
        t.ADD_NOTE,
        t.AddNote(
            ticket_id=ticket.ticket_id,
            content="Ahora también parpadea el de enfrente",
            is_internal=False,
            by=customer.id,
            by_customer=True,
        ),
    )
    assert result.note.by_customer and not result.note.is_internal
    stranger = await env.customer()
    with pytest.raises(NotFound):
        await env.rpc.call(
            t.ADD_NOTE,
            t.AddNote(
                ticket_id=ticket.ticket_id,
                content="No es mío",
                is_internal=False,
                by=stranger.id,
                by_customer=True,
            ),
        )


async def test_handoff_moves_the_conversation_and_is_published_once(env: TicketsEnv) -> None:
    conversation = await _conversation(env)
    assert conversation.handled_by is t.Handler.ASSISTANT
    to_agent = m.HandOff(
        conversation_id=conversation.id,
        to=t.Handler.AGENT,
        agent_id="agent-1",
        reason="Quiere hablar con una persona",
        by="assistant",
    )
    handed = await env.rpc.call(m.HAND_OFF, to_agent)
    assert handed.changed
    assert handed.conversation.handled_by is t.Handler.AGENT
    assert handed.conversation.handling_agent == "agent-1"
    again = await env.rpc.call(m.HAND_OFF, to_agent)
    assert not again.changed
    read = await env.rpc.call(
        t.GET_CONVERSATION, t.GetConversation(conversation_id=conversation.id)
    )
    assert read.handled_by is t.Handler.AGENT

    back = await env.rpc.call(
        m.HAND_OFF, m.HandOff(conversation_id=conversation.id, to=t.Handler.ASSISTANT, by="a1")
    )
    assert back.changed and back.conversation.handling_agent is None

    def both(events: list[Recorded]) -> bool:
        mine = [
            e
            for e in events
            if e.routing_key == "conversation.handed_off"
            and e.data["conversationId"] == conversation.id
        ]
        return len(mine) >= 2

    events = await env.recorder.wait_for(both)
    handoffs = [
        e.data
        for e in events
        if e.routing_key == "conversation.handed_off"
        and e.data["conversationId"] == conversation.id
    ]
    assert [h["handledBy"] for h in handoffs] == ["agent", "assistant"]
    assert handoffs[0]["reason"] == "Quiere hablar con una persona"
    assert handoffs[0]["agentId"] == "agent-1"
