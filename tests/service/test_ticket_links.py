"""Merging, linking, problems and their incidents: the first write and its follow-up on the
other ticket, the customers told through their conversations (a module of its own: it runs a
tickets service of its own)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.tickets_helpers import TicketsEnv, tickets_env
from tests.support.waiting import poll_until
from uts_shared.contracts import messages as m
from uts_shared.contracts import tickets as t
from uts_shared.errors import Conflict

S = t.TicketStatus


async def _reporter(env: TicketsEnv, subject: str) -> tuple[t.TicketView, t.Conversation]:
    """A ticket of a customer of its own, in a conversation of its own."""
    customer = await env.customer()
    conversation = await env.rpc.call(
        t.CREATE_CONVERSATION, t.CreateConversation(customer_id=customer.id)
    )
    ticket = await env.ticket(customer, conversation_id=conversation.id, subject=subject)
    return ticket, conversation


async def _texts(env: TicketsEnv, conversation_id: str) -> list[str]:
    page = await env.rpc.call(m.LIST_MESSAGES, m.ListMessages(conversation_id=conversation_id))
    return [x.text for x in page.messages]


async def _get(env: TicketsEnv, ticket_id: str) -> t.TicketView:
    return await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket_id))


async def test_a_merge_moves_notes_and_files_to_the_survivor_and_tells_the_customer(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url) as env:
        survivor, _ = await _reporter(env, "Poste 14 sin luz")
        merged, conversation = await _reporter(env, "No hay luz en el poste 14")
        await env.rpc.call(
            t.ADD_NOTE, t.AddNote(ticket_id=merged.ticket_id, content="Foto recibida", by="a1")
        )
        attachment = t.Attachment(url="https://files.example/poste.jpg", type="image/jpeg")
        await env.rpc.call(
            t.ADD_ATTACHMENT,
            t.AddAttachment(ticket_id=merged.ticket_id, attachment=attachment, by="a1"),
        )

        answered = await env.rpc.call(
            t.MERGE, t.MergeTicket(ticket_id=merged.ticket_id, into=survivor.ticket_id, by="a1")
        )

        assert answered.ticket_id == survivor.ticket_id
        assert [n.content for n in answered.notes] == ["Foto recibida"]
        assert [a.url for a in answered.attachments] == [attachment.url]
        assert [x.ticket_id for x in answered.merged_from] == [merged.ticket_id]
        closed = await _get(env, merged.ticket_id)
        assert (closed.status, closed.close_reason, closed.merged_into) == (
            S.CLOSED,
            "merged",
            survivor.ticket_id,
        )
        with pytest.raises(Conflict) as refused:
            await env.rpc.call(
                t.ADD_NOTE, t.AddNote(ticket_id=merged.ticket_id, content="¿Sigue?", by="a1")
            )
        assert refused.value.reason == "merged"
        assert refused.value.context == {"mergedInto": survivor.ticket_id}
        expected = (
            f"Tu reporte {merged.ticket_id} se unió al reporte {survivor.ticket_id}, que "
            "atiende la misma falla; te avisaremos ahí cuando quede resuelta."
        )
        assert await _texts(env, conversation.id) == [expected]
        published = await env.recorder.wait_one("ticket.merged", merged.ticket_id)
        assert published[0].data["into"] == survivor.ticket_id


async def test_a_merge_interrupted_after_its_first_write_is_finished_from_its_event(
    rabbit_url: str, mongo_url: str | None, monkeypatch: Any
) -> None:
    async with tickets_env(rabbit_url, mongo_url) as env:
        survivor, _ = await _reporter(env, "Cable caído")
        merged, conversation = await _reporter(env, "Cable en el piso")
        ops = env.service.operations

        async def dies(payload: object) -> None:  # the service stops before the second write
            return None

        monkeypatch.setattr(ops, "_follow_up_inline", dies)
        await env.rpc.call(
            t.MERGE, t.MergeTicket(ticket_id=merged.ticket_id, into=survivor.ticket_id, by="a1")
        )

        async def absorbed() -> bool:
            return bool((await _get(env, survivor.ticket_id)).merged_from)

        await poll_until(absorbed, what="the survivor's follow-up from ticket.merged")
        await poll_until(
            lambda: _texts(env, conversation.id), what="the customer told from the event"
        )
        assert len(await _texts(env, conversation.id)) == 1


async def test_related_and_duplicate_links_show_on_both_tickets(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url) as env:
        a, _ = await _reporter(env, "Poste inclinado")
        b, _ = await _reporter(env, "Poste a punto de caer")
        c, _ = await _reporter(env, "Poste chueco")
        linked = await env.rpc.call(
            t.LINK, t.LinkTicket(ticket_id=a.ticket_id, other_ticket_id=b.ticket_id, by="a1")
        )
        assert [(x.ticket_id, x.type) for x in linked.links] == [(b.ticket_id, "related")]
        await env.rpc.call(
            t.LINK,
            t.LinkTicket(
                ticket_id=c.ticket_id, other_ticket_id=a.ticket_id, type="duplicate_of", by="a1"
            ),
        )
        seen = await _get(env, a.ticket_id)
        assert {(x.ticket_id, x.type) for x in seen.links} == {
            (b.ticket_id, t.LinkType.RELATED),
            (c.ticket_id, t.LinkType.DUPLICATED_BY),
        }
        assert [(x.ticket_id, x.type) for x in (await _get(env, b.ticket_id)).links] == [
            (a.ticket_id, t.LinkType.RELATED)
        ]
        await env.rpc.call(
            t.UNLINK, t.UnlinkTicket(ticket_id=b.ticket_id, other_ticket_id=a.ticket_id)
        )
        assert (await _get(env, b.ticket_id)).links == []
        assert [x.ticket_id for x in (await _get(env, a.ticket_id)).links] == [c.ticket_id]


async def test_resolving_a_problem_resolves_its_open_incidents_and_tells_each_customer_once(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url) as env:
        problem, problem_chat = await _reporter(env, "Apagón en la colonia Centro")
        reports = [await _reporter(env, f"Sin luz en la calle {n}") for n in range(3)]
        ids = [ticket.ticket_id for ticket, _ in reports]
        answered = await env.rpc.call(
            t.LINK_INCIDENTS, t.LinkIncidents(ticket_id=problem.ticket_id, ticket_ids=ids)
        )
        assert (answered.is_problem, answered.incident_count) == (True, 3)
        page = await env.rpc.call(t.LIST, t.ListTickets(q="colonia Centro"))
        assert [(x.ticket_id, x.incident_count) for x in page.tickets] == [(problem.ticket_id, 3)]

        with pytest.raises(Conflict) as alone:
            await env.rpc.call(
                t.RESOLVE, t.ResolveTicket(ticket_id=ids[0], resolution_notes="Ya", by="a1")
            )
        assert alone.value.reason == "incident_linked"
        await env.rpc.call(
            t.UNLINK, t.UnlinkTicket(ticket_id=ids[2], other_ticket_id=problem.ticket_id)
        )
        assert (await _get(env, problem.ticket_id)).incident_count == 2

        await env.rpc.call(
            t.RESOLVE,
            t.ResolveTicket(
                ticket_id=problem.ticket_id, resolution_notes="Transformador cambiado", by="a1"
            ),
        )

        for ticket_id in ids[:2]:
            incident = await _get(env, ticket_id)
            assert (incident.status, incident.resolution_notes) == (
                S.RESOLVED,
                "Transformador cambiado",
            )
        assert (await _get(env, ids[2])).status is S.OPEN  # unlinked: not the problem's
        for (ticket, chat), told in zip(reports, (True, True, False), strict=True):
            expected = (
                [f"Tu reporte {ticket.ticket_id} quedó resuelto: Transformador cambiado"]
                if told
                else []
            )
            assert await _texts(env, chat.id) == expected
        assert await _texts(env, problem_chat.id) == []  # the problem's own updates are config's
