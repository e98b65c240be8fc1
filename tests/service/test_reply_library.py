"""Canned replies and macros in the tickets service, over the real broker: personal and shared
ones and who may change them, variables rendered with the configuration's terminology, and a
macro applied as one command (one version, one event per change, all or nothing)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.support.tickets_helpers import TicketsEnv, tickets_env
from uts_shared.contracts import config as cfg
from uts_shared.contracts import messages as m
from uts_shared.contracts import replies as r
from uts_shared.contracts import tickets as t
from uts_shared.errors import Conflict, Forbidden, NotFound, ValidationFailed

S = t.TicketStatus
ANA = t.Principal(id="agent-ana", role="agent")
LUIS = t.Principal(id="agent-luis", role="agent")
ADMIN = t.Principal(id="admin-1", role="admin")
CASOS = cfg.Terminology(
    ticket_singular="caso",
    ticket_plural="casos",
    create_verb="abrir",
    customer_noun="comensal",
    agent_noun="mesero",
    resolve_verb="cerrar",
)


@pytest_asyncio.fixture(scope="module")
async def env(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[TicketsEnv]:
    async with tickets_env(rabbit_url, mongo_url) as running:
        running.config.terminology = CASOS
        await running.config.announce(cfg.SettingKey.TICKET_TERMINOLOGY)
        yield running


async def _reply(env: TicketsEnv, who: t.Principal, **fields: object) -> r.CannedReply:
    request = r.CreateCannedReply(principal=who, **fields)  # type: ignore[arg-type]
    return await env.rpc.call(r.REPLIES_CREATE, request)


async def _macro(env: TicketsEnv, who: t.Principal, actions: r.MacroActions, **fields: object):  # type: ignore[no-untyped-def]
    request = r.CreateMacro(principal=who, title="Macro", actions=actions, **fields)  # type: ignore[arg-type]
    return await env.rpc.call(r.MACROS_CREATE, request)


async def _visible(env: TicketsEnv, who: t.Principal) -> list[str]:
    found = await env.rpc.call(r.REPLIES_LIST, r.ListLibrary(principal=who))
    return [reply.title for reply in found.replies]


async def test_personal_replies_are_their_owners_and_shared_ones_are_admins(
    env: TicketsEnv,
) -> None:
    own = await _reply(env, ANA, title="Ana: saludo", body="Hola {customerName}", shortcut="Hola")
    assert own.owner_id == ANA.id and not own.shared and own.shortcut == "hola"
    with pytest.raises(Forbidden) as refused:
        await _reply(env, ANA, title="Para todos", body="Hola", shared=True)
    assert refused.value.reason == "shared_admins_only"
    shared = await _reply(env, ADMIN, title="Compartida: gracias", body="Gracias", shared=True)
    assert shared.shared and shared.owner_id is None

    assert {"Ana: saludo", "Compartida: gracias"} <= set(await _visible(env, ANA))
    luis_sees = await _visible(env, LUIS)
    assert "Compartida: gracias" in luis_sees and "Ana: saludo" not in luis_sees

    with pytest.raises(NotFound):  # another agent's personal reply does not exist for Luis
        await env.rpc.call(
            r.REPLIES_UPDATE, r.UpdateCannedReply(id=own.id, principal=LUIS, body="x")
        )
    with pytest.raises(Forbidden):
        await env.rpc.call(
            r.REPLIES_UPDATE, r.UpdateCannedReply(id=shared.id, principal=ANA, body="x")
        )
    with pytest.raises(Forbidden):
        await env.rpc.call(r.REPLIES_DELETE, r.LibraryItem(id=shared.id, principal=ANA))
    with pytest.raises(Forbidden):  # sharing one's own is an admin's call too
        await env.rpc.call(
            r.REPLIES_UPDATE, r.UpdateCannedReply(id=own.id, principal=ANA, shared=True)
        )

    edited = await env.rpc.call(
        r.REPLIES_UPDATE,
        r.UpdateCannedReply(id=own.id, principal=ANA, body="Buenas {customerName}"),
    )
    assert edited.body == "Buenas {customerName}" and edited.title == "Ana: saludo"
    assert edited.shortcut == "hola"  # not given: unchanged
    renamed = await env.rpc.call(
        r.REPLIES_UPDATE, r.UpdateCannedReply(id=shared.id, principal=ADMIN, title="Gracias")
    )
    assert renamed.title == "Gracias" and renamed.shared
    await env.rpc.call(r.REPLIES_DELETE, r.LibraryItem(id=own.id, principal=ANA))
    assert "Ana: saludo" not in await _visible(env, ANA)


async def test_a_reply_is_rendered_with_the_ticket_and_the_terminology(env: TicketsEnv) -> None:
    customer = await env.customer(first_name="Lucía", last_name="Hernández")
    ticket = await env.ticket(customer)
    reply = await _reply(
        env,
        ANA,
        title="Recibido",
        body="Hola {customerName}, su {ticketSingular} {ticketId} lo atiende {agentName}. {otro}",
    )
    request = r.RenderReply(
        id=reply.id, ticket_id=ticket.ticket_id, principal=ANA, agent_name="Ana Ruiz"
    )
    expected = f"Hola Lucía Hernández, su caso {ticket.ticket_id} lo atiende Ana Ruiz. {{otro}}"
    for _ in range(50):  # the terminology's change reaches the service's cache
        rendered = await env.rpc.call(r.REPLIES_RENDER, request)
        if rendered.text == expected:
            break
        await asyncio.sleep(0.1)
    assert rendered.text == expected
    with pytest.raises(NotFound):  # a ticket the agent may not see
        await env.rpc.call(
            r.REPLIES_RENDER,
            request.model_copy(update={"visible_to": ANA.id, "ticket_id": "LUX-2026-999999"}),
        )


async def _conversation_ticket(env: TicketsEnv) -> t.TicketView:
    customer = await env.customer(first_name="Marta", last_name="Gil")
    conversation = await env.rpc.call(
        t.CREATE_CONVERSATION, t.CreateConversation(customer_id=customer.id)
    )
    return await env.ticket(customer, conversation_id=conversation.id, tags=["poste", "viejo"])


async def test_a_macro_is_one_command_with_an_event_per_change(env: TicketsEnv) -> None:
    ticket = await _conversation_ticket(env)
    macro = await _macro(
        env,
        ADMIN,
        r.MacroActions(
            assignee="me",
            status=S.IN_PROGRESS,
            priority=t.Priority.URGENT,
            add_tags=["cuadrilla"],
            remove_tags=["viejo"],
            note="Cuadrilla avisada para {ticketId}",
            reply="Hola {customerName}, su {ticketSingular} {ticketId} está en camino.",
        ),
        shared=True,
    )
    command = t.ApplyMacro(
        ticket_id=ticket.ticket_id,
        macro_id=macro.id,
        by=LUIS.id,
        by_name="Luis Mora",
        principal=LUIS,
        request_key="macro-1",
        expected_version=ticket.version,
    )
    applied = await env.rpc.call(t.APPLY_MACRO, command)
    after = applied.ticket
    assert applied.changes == ["assignee", "status", "priority", "tags", "note", "reply"]
    assert after.version == ticket.version + 1
    assert after.assigned_agent == LUIS.id and after.assigned_agent_name == "Luis Mora"
    assert after.status is S.IN_PROGRESS and after.priority is t.Priority.URGENT
    assert after.tags == ["poste", "cuadrilla"]
    assert [(h.from_, h.to) for h in after.status_history] == [(S.OPEN, S.IN_PROGRESS)]
    note, reply = after.notes
    assert note.is_internal and note.content == f"Cuadrilla avisada para {ticket.ticket_id}"
    assert not reply.is_internal
    assert reply.content == f"Hola Marta Gil, su caso {ticket.ticket_id} está en camino."
    assert applied.reply is not None and applied.reply.id == reply.id

    def all_in(events: list[object]) -> bool:
        return len([e for e in env.recorder.events if e.ticket_id == ticket.ticket_id]) >= 7

    await env.recorder.wait_for(all_in)  # type: ignore[arg-type]
    mine = [e for e in env.recorder.events if e.ticket_id == ticket.ticket_id]
    kinds = sorted(e.routing_key for e in mine if e.routing_key != "ticket.created")
    assert kinds == [
        "ticket.assigned",
        "ticket.note_added",
        "ticket.note_added",
        "ticket.updated",
        "ticket.updated",
        "ticket.updated",
    ]
    assert {e.data["version"] for e in mine if e.routing_key != "ticket.created"} == {after.version}

    again = await env.rpc.call(t.APPLY_MACRO, command)  # redelivered: nothing applied twice
    assert again.ticket.version == after.version and again.changes == []
    page = await env.rpc.call(
        m.LIST_MESSAGES, m.ListMessages(conversation_id=ticket.conversation_id or "")
    )
    [sent] = page.messages
    assert sent.text == reply.content and sent.note_id == reply.id


async def test_a_macro_the_ticket_refuses_writes_nothing(env: TicketsEnv) -> None:
    ticket = await _conversation_ticket(env)
    macro = await _macro(
        env,
        ANA,
        r.MacroActions(
            priority=t.Priority.LOW,
            note="Esperando al cliente",
            status=S.PENDING_CUSTOMER,  # not allowed from open
        ),
    )
    command = t.ApplyMacro(ticket_id=ticket.ticket_id, macro_id=macro.id, by=ANA.id, principal=ANA)
    with pytest.raises(Conflict) as refused:
        await env.rpc.call(t.APPLY_MACRO, command)
    assert refused.value.context["allowed"] == ["in_progress", "resolved", "closed"]
    unchanged = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket.ticket_id))
    assert unchanged.version == ticket.version and unchanged.notes == []
    assert unchanged.priority is ticket.priority

    with pytest.raises(NotFound):  # Ana's personal macro is not Luis's to apply
        await env.rpc.call(
            t.APPLY_MACRO, command.model_copy(update={"by": LUIS.id, "principal": LUIS})
        )
    with pytest.raises(Conflict):  # a stale version
        await env.rpc.call(t.APPLY_MACRO, command.model_copy(update={"expected_version": 99}))


async def test_a_macro_with_a_reply_needs_a_conversation(env: TicketsEnv) -> None:
    customer = await env.customer()
    ticket = await env.ticket(customer)
    macro = await _macro(env, ANA, r.MacroActions(reply="Listo", status=S.IN_PROGRESS))
    with pytest.raises(ValidationFailed) as refused:
        await env.rpc.call(
            t.APPLY_MACRO,
            t.ApplyMacro(ticket_id=ticket.ticket_id, macro_id=macro.id, by=ANA.id, principal=ANA),
        )
    assert refused.value.details[0].field == "actions.reply"
    unchanged = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket.ticket_id))
    assert unchanged.status is S.OPEN and unchanged.version == ticket.version


def test_a_macro_that_does_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one action"):
        r.MacroActions()
