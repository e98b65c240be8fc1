"""Customer updates: a ticket received, taken in progress or resolved, told to the customer in
the conversation as the configuration words it, only for the statuses switched on (a module of
its own: it runs a tickets service of its own)."""

from __future__ import annotations

from tests.support.tickets_helpers import TicketsEnv, tickets_env
from tests.support.waiting import poll_until
from uts_shared.contracts import config as cfg
from uts_shared.contracts import messages as m
from uts_shared.contracts import tickets as t

S = t.TicketStatus


async def _conversation(env: TicketsEnv) -> t.Conversation:
    customer = await env.customer()
    return await env.rpc.call(t.CREATE_CONVERSATION, t.CreateConversation(customer_id=customer.id))


async def test_status_changes_are_told_to_the_customer_in_the_configured_words(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url) as env:
        env.config.updates = cfg.CustomerUpdates(
            received=cfg.CustomerUpdate(
                enabled=True, template="Recibimos tu {ticketSingular} {ticketId}: {subject}."
            ),
            resolved=cfg.CustomerUpdate(
                enabled=True, template="Resolvimos tu {ticketSingular} {ticketId}."
            ),
        )  # in progress left off
        env.config.terminology = env.config.terminology.model_copy(
            update={"ticket_singular": "caso"}
        )
        await env.config.announce(
            cfg.SettingKey.CUSTOMER_UPDATES, cfg.SettingKey.TICKET_TERMINOLOGY
        )
        await poll_until(lambda: env.service.customer_updates_bound, what="updates followed")

        conversation = await _conversation(env)
        customer = await env.rpc.call(
            t.GET_CUSTOMER, t.GetCustomer(customer_id=conversation.customer_id)
        )
        ticket = await env.ticket(customer, conversation_id=conversation.id, subject="Poste")
        tid = ticket.ticket_id
        await env.ticket(customer, subject="Sin conversación")  # nobody to tell
        await env.rpc.call(
            t.CHANGE_STATUS, t.ChangeStatus(ticket_id=tid, status=S.IN_PROGRESS, by="a1")
        )
        await env.rpc.call(
            t.RESOLVE, t.ResolveTicket(ticket_id=tid, resolution_notes="Foco nuevo", by="a1")
        )

        async def texts() -> list[str]:
            page = await env.rpc.call(
                m.LIST_MESSAGES, m.ListMessages(conversation_id=conversation.id)
            )
            return [x.text for x in page.messages]

        async def both() -> bool:
            return len(await texts()) >= 2

        await poll_until(both, what="two customer updates")
        assert await texts() == [f"Recibimos tu caso {tid}: Poste.", f"Resolvimos tu caso {tid}."]
        page = await env.rpc.call(m.LIST_MESSAGES, m.ListMessages(conversation_id=conversation.id))
        assert {(x.author, x.direction, x.delivery, x.ticket_id) for x in page.messages} == {
            (m.Author.ASSISTANT, m.Direction.OUTBOUND, m.Delivery.PENDING, tid)
        }

        env.config.updates = cfg.CustomerUpdates()  # all off again
        await env.config.announce(cfg.SettingKey.CUSTOMER_UPDATES)
        await poll_until(lambda: not env.service.customer_updates_bound, what="updates unbound")


async def test_a_resolved_ticket_asks_its_customer_for_a_rating_once_on_the_channels_chosen(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url) as env:
        env.config.survey = cfg.SatisfactionSurvey(
            enabled=True,
            channels=["whatsapp"],
            template="¿Qué tal te atendimos en tu {ticketSingular} {ticketId}? Del 1 al 5.",
        )
        env.config.terminology = env.config.terminology.model_copy(
            update={"ticket_singular": "caso"}
        )
        await env.config.announce(
            cfg.SettingKey.SATISFACTION_SURVEY, cfg.SettingKey.TICKET_TERMINOLOGY
        )
        await poll_until(lambda: env.service.customer_updates_bound, what="survey followed")

        conversation = await _conversation(env)
        customer = await env.rpc.call(
            t.GET_CUSTOMER, t.GetCustomer(customer_id=conversation.customer_id)
        )
        by_email = await env.rpc.call(
            t.CREATE_CONVERSATION,
            t.CreateConversation(customer_id=customer.id, channel=t.Channel.EMAIL),
        )
        ticket = await env.ticket(customer, conversation_id=conversation.id)
        other = await env.ticket(customer, conversation_id=by_email.id)
        tid = ticket.ticket_id
        for ticket_id in (tid, other.ticket_id):
            await env.rpc.call(
                t.RESOLVE, t.ResolveTicket(ticket_id=ticket_id, resolution_notes="Listo", by="a1")
            )
        [event] = await env.recorder.wait_one("ticket.survey_requested", tid)
        assert event.data["conversationId"] == conversation.id
        page = await env.rpc.call(m.LIST_MESSAGES, m.ListMessages(conversation_id=conversation.id))
        [asked] = page.messages
        assert asked.id == event.data["messageId"]
        assert asked.text == f"¿Qué tal te atendimos en tu caso {tid}? Del 1 al 5."
        assert (asked.direction, asked.ticket_id) == (m.Direction.OUTBOUND, tid)

        # Reopened and resolved again: not asked a second time.
        await env.rpc.call(t.CHANGE_STATUS, t.ChangeStatus(ticket_id=tid, status=S.OPEN, by="a1"))
        await env.rpc.call(
            t.RESOLVE, t.ResolveTicket(ticket_id=tid, resolution_notes="Otra vez", by="a1")
        )
        await env.recorder.wait_one("ticket.resolved", tid, count=2)
        email = await env.rpc.call(m.LIST_MESSAGES, m.ListMessages(conversation_id=by_email.id))
        assert email.messages == []  # e-mail is not a channel the survey was switched on for
        again = await env.rpc.call(m.LIST_MESSAGES, m.ListMessages(conversation_id=conversation.id))
        assert [x.id for x in again.messages] == [asked.id]
