"""Tickets service over the real broker: two in-process instances sharing one store.

Driven only through `RpcClient` with the contracts; events observed on `uts.events`.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from tests.support.factories import unique_phone
from tests.support.tickets_helpers import TicketsEnv, tickets_env
from tests.support.waiting import poll_until
from tickets_service.store import TicketFilter
from uts_shared.contracts import tickets as t
from uts_shared.contracts.agents import AGENT_UPDATED, AgentUpdated
from uts_shared.contracts.base import Empty, WireModel
from uts_shared.errors import Conflict, NotFound, ValidationFailed
from uts_shared.messaging import EventPublisher, encode, make_event


@pytest_asyncio.fixture(scope="module")
async def env(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[TicketsEnv]:
    async with tickets_env(rabbit_url, mongo_url, instances=2) as running:
        yield running


class Raw(WireModel):
    """Any JSON body, sent as is (what a careless caller could put on the queue)."""

    model_config = {"extra": "allow"}


# --- creation ---------------------------------------------------------------------------------


async def test_agent_creates_an_open_ticket_with_sla_and_a_created_event(env: TicketsEnv) -> None:
    customer = await env.customer()
    result = await env.rpc.call(
        t.CREATE_FROM_AGENT,
        t.CreateFromAgent(
            subject="Poste sin luz",
            description="El poste 14 de la calle Juárez no enciende",
            category="light_malfunction",
            priority=t.Priority.URGENT,
            customer_id=customer.id,
            agent_id="agent-7",
            tags=["poste", "poste", "noche"],
            location=t.Location(
                address="Juárez 14", coordinates=t.Coordinates(latitude=19.4, longitude=-99.1)
            ),
        ),
    )
    ticket = result.ticket
    assert result.created
    assert ticket.ticket_id.startswith("LUX-")
    assert ticket.status is t.TicketStatus.OPEN
    assert ticket.source is t.TicketSource.AGENT
    assert ticket.assigned_agent is None
    assert ticket.tags == ["poste", "noche"]
    assert ticket.sla.first_response_target == 15 * 60_000
    assert ticket.sla.resolution_target == 4 * 3_600_000
    assert ticket.version == 1

    [event] = await env.recorder.wait_one("ticket.created", ticket.ticket_id)
    assert len(event.event_id) == 32
    assert event.body["type"] == "ticket.created"
    assert event.body["occurredAt"]
    assert event.data["customerId"] == customer.id
    assert event.data["createdBy"] == "agent-7"
    assert event.data["ticket"]["ticketId"] == ticket.ticket_id
    assert event.data["ticket"]["location"]["coordinates"]["latitude"] == 19.4

    fetched = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket.ticket_id))
    read_time = {"sla": {"remaining_ms"}}  # business time left, as of each read
    assert fetched.model_dump(exclude=read_time) == ticket.model_dump(exclude=read_time)
    assert ticket.sla.remaining_ms is not None and fetched.sla.remaining_ms is not None
    assert 0 < fetched.sla.remaining_ms <= ticket.sla.remaining_ms <= 15 * 60_000


async def test_assign_to_self_assigns_the_creating_agent(env: TicketsEnv) -> None:
    customer = await env.customer()
    ticket = await env.ticket(customer, agent="agent-3", assign_to_self=True)
    assert ticket.assigned_agent == "agent-3"
    assert ticket.assigned_at == ticket.created_at


async def test_ai_creates_a_new_ticket_from_the_assistant(env: TicketsEnv) -> None:
    customer = await env.customer()
    conversation = await env.rpc.call(
        t.CREATE_CONVERSATION, t.CreateConversation(customer_id=customer.id)
    )
    result = await env.rpc.call(
        t.CREATE_FROM_AI,
        t.CreateFromAi(
            subject="Factura duplicada",
            description="Me cobraron dos veces",
            category="billing",
            customer_id=customer.id,
            conversation_id=conversation.id,
            idempotency_key="call_abc123",
        ),
    )
    ticket = result.ticket
    assert (ticket.status, ticket.source) == (t.TicketStatus.NEW, t.TicketSource.AI)
    assert ticket.conversation_id == conversation.id
    assert ticket.priority is t.Priority.MEDIUM
    [event] = await env.recorder.wait_one("ticket.created", ticket.ticket_id)
    assert event.data["conversationId"] == conversation.id
    assert event.data["createdBy"] is None


async def test_the_assistants_report_for_a_caller_finds_them_by_phone_in_one_call(
    env: TicketsEnv,
) -> None:
    customer = await env.customer()
    closed = await env.rpc.call(
        t.CREATE_CONVERSATION,
        t.CreateConversation(customer_id=customer.id, status=t.ConversationStatus.CLOSED),
    )
    active = await env.rpc.call(
        t.CREATE_CONVERSATION, t.CreateConversation(customer_id=customer.id)
    )
    report = t.CreateForCaller(
        phone_number=customer.phone_number.removeprefix("+"),  # as WhatsApp sends it
        subject="Poste sin luz",
        description="El poste de la esquina no enciende",
        category="light_malfunction",
        priority=t.Priority.HIGH,
        idempotency_key="call_caller_1",
    )
    answer = await env.rpc.call(t.CREATE_FOR_CALLER, report)
    assert answer.customer_id == customer.id
    assert answer.created is not None and answer.created.created
    ticket = answer.created.ticket
    assert (ticket.status, ticket.source) == (t.TicketStatus.NEW, t.TicketSource.AI)
    assert (ticket.customer_id, ticket.priority) == (customer.id, t.Priority.HIGH)
    assert ticket.conversation_id == active.id  # the active one, not the closed one
    [event] = await env.recorder.wait_one("ticket.created", ticket.ticket_id)
    assert event.data["conversationId"] == active.id

    again = await env.rpc.call(t.CREATE_FOR_CALLER, report)  # the tool call redelivered
    assert again.created is not None and not again.created.created
    assert again.created.ticket.ticket_id == ticket.ticket_id

    given = report.model_copy(update={"conversation_id": closed.id, "idempotency_key": "c2"})
    filed = await env.rpc.call(t.CREATE_FOR_CALLER, given)
    assert filed.created is not None
    assert filed.created.ticket.conversation_id == closed.id  # the one the caller named


async def test_the_assistants_report_for_an_unknown_caller_creates_nothing(
    env: TicketsEnv,
) -> None:
    report = t.CreateForCaller(
        phone_number=unique_phone(),
        subject="Poste sin luz",
        description="El poste de la esquina no enciende",
        category="light_malfunction",
        idempotency_key="call_unknown_caller",
    )
    answer = await env.rpc.call(t.CREATE_FOR_CALLER, report)
    assert answer == t.CallerTicket()
    with pytest.raises(ValidationFailed):
        await env.rpc.call(t.CREATE_FOR_CALLER, report.model_copy(update={"phone_number": "000"}))


async def test_same_idempotency_key_returns_the_first_ticket_and_creates_no_second(
    env: TicketsEnv,
) -> None:
    customer = await env.customer()
    request = t.CreateFromAi(
        subject="Luz intermitente",
        description="Parpadea toda la noche",
        category="light_malfunction",
        customer_id=customer.id,
        idempotency_key="tool-call-42",
    )
    first = await env.rpc.call(t.CREATE_FROM_AI, request)
    again = await env.rpc.call(t.CREATE_FROM_AI, request)
    assert first.created and not again.created
    assert again.ticket.ticket_id == first.ticket.ticket_id
    page = await env.rpc.call(t.LIST_BY_CUSTOMER, t.ListByCustomer(customer_id=customer.id))
    assert page.pagination.total == 1
    refreshed = await env.rpc.call(t.GET_CUSTOMER, t.GetCustomer(customer_id=customer.id))
    assert refreshed.statistics.total_tickets == 1


async def test_concurrent_creates_with_one_key_make_one_ticket(env: TicketsEnv) -> None:
    customer = await env.customer()
    request = t.CreateFromAgent(
        subject="Doble clic",
        description="El agente envió dos veces",
        category="other",
        customer_id=customer.id,
        agent_id="agent-1",
        idempotency_key=f"key-{customer.id}",
    )
    results = await asyncio.gather(*(env.rpc.call(t.CREATE_FROM_AGENT, request) for _ in range(8)))
    assert len({r.ticket.ticket_id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    page = await env.rpc.call(t.LIST_BY_CUSTOMER, t.ListByCustomer(customer_id=customer.id))
    assert page.pagination.total == 1


async def test_unknown_category_is_a_validation_error_naming_the_valid_ids(
    env: TicketsEnv,
) -> None:
    customer = await env.customer()
    with pytest.raises(ValidationFailed) as caught:
        await env.ticket(customer, category="plumbing")
    err = caught.value
    assert err.http_status == 422
    assert "plumbing" in err.message
    for valid in ("solar_installation", "light_malfunction", "billing", "other"):
        assert valid in err.message
    assert err.details[0].field == "category"
    assert "maintenance" in err.context["validCategories"]


async def test_creation_needs_an_existing_customer_and_their_own_conversation(
    env: TicketsEnv,
) -> None:
    with pytest.raises(NotFound):
        await env.rpc.call(
            t.CREATE_FROM_AGENT,
            t.CreateFromAgent(
                subject="x", description="y", category="other", customer_id="nobody", agent_id="a"
            ),
        )
    owner, other = await env.customer(), await env.customer()
    conversation = await env.rpc.call(
        t.CREATE_CONVERSATION, t.CreateConversation(customer_id=owner.id)
    )
    with pytest.raises(ValidationFailed) as caught:
        await env.ticket(other, conversation_id=conversation.id)
    assert caught.value.details[0].field == "conversationId"


async def test_subject_longer_than_200_is_rejected(env: TicketsEnv) -> None:
    customer = await env.customer()
    too_long = t.CreateFromAgent.model_construct(
        subject="x" * 201, description="d", category="other", customer_id=customer.id, agent_id="a"
    )
    with pytest.raises(ValidationFailed) as caught:
        await env.rpc.call(t.CREATE_FROM_AGENT, too_long)
    assert caught.value.details[0].field == "subject"


async def test_every_ticket_counts_in_the_customers_statistics(env: TicketsEnv) -> None:
    customer = await env.customer()
    for _ in range(3):
        await env.ticket(customer)
    refreshed = await env.rpc.call(t.GET_CUSTOMER, t.GetCustomer(customer_id=customer.id))
    assert refreshed.statistics.total_tickets == 3


# --- customer isolation -----------------------------------------------------------------------


async def test_another_customers_ticket_is_not_found(env: TicketsEnv) -> None:
    owner, stranger = await env.customer(), await env.customer()
    ticket = await env.ticket(owner)
    mine = await env.rpc.call(
        t.GET_FOR_CUSTOMER, t.GetForCustomer(ticket_id=ticket.ticket_id, customer_id=owner.id)
    )
    assert mine.ticket_id == ticket.ticket_id
    with pytest.raises(NotFound) as theirs:
        await env.rpc.call(
            t.GET_FOR_CUSTOMER,
            t.GetForCustomer(ticket_id=ticket.ticket_id, customer_id=stranger.id),
        )
    with pytest.raises(NotFound) as missing:
        await env.rpc.call(
            t.GET_FOR_CUSTOMER, t.GetForCustomer(ticket_id="LUX-1999-000001", customer_id=owner.id)
        )
    # Same words either way: nothing tells a stranger the ticket exists.
    assert theirs.value.message.replace(ticket.ticket_id, "X") == missing.value.message.replace(
        "LUX-1999-000001", "X"
    )


async def test_internal_notes_never_reach_a_customer_view(env: TicketsEnv) -> None:
    customer = await env.customer()
    ticket = await env.ticket(customer)
    internal = await env.rpc.call(
        t.ADD_NOTE, t.AddNote(ticket_id=ticket.ticket_id, content="cliente difícil", by="a1")
    )
    public = await env.rpc.call(
        t.ADD_NOTE,
        t.AddNote(
            ticket_id=ticket.ticket_id, content="Técnico en camino", is_internal=False, by="a1"
        ),
    )
    assert internal.note.is_internal and not public.note.is_internal
    assert [n.content for n in public.ticket.notes] == ["cliente difícil", "Técnico en camino"]

    view = await env.rpc.call(
        t.GET_FOR_CUSTOMER, t.GetForCustomer(ticket_id=ticket.ticket_id, customer_id=customer.id)
    )
    assert [n.content for n in view.notes] == ["Técnico en camino"]
    page = await env.rpc.call(t.LIST_FOR_CUSTOMER, t.ListByCustomer(customer_id=customer.id))
    raw = page.model_dump_json() + view.model_dump_json()
    assert "cliente difícil" not in raw
    assert "sla" not in json.loads(page.model_dump_json())["tickets"][0]

    events = await env.recorder.wait_one("ticket.note_added", ticket.ticket_id, count=2)
    flags = {e.data["note"]["content"]: e.data["note"]["isInternal"] for e in events}
    assert flags == {"cliente difícil": True, "Técnico en camino": False}
    assert all(e.data["customerId"] == customer.id for e in events)


# --- lists, pagination, search, stats ---------------------------------------------------------


async def test_pagination_bounds_are_validated(env: TicketsEnv) -> None:
    for bad in ({"limit": 0}, {"limit": 101}, {"page": 0}):
        with pytest.raises(ValidationFailed):
            await env.rpc.call(t.LIST, t.ListTickets.model_construct(**bad))


async def test_unknown_or_operator_filters_are_rejected(env: TicketsEnv) -> None:
    # Raw bodies a careless gateway might forward: extra keys and operator objects.
    for body in ({"status": {"$ne": "closed"}}, {"customerId": {"$gt": ""}}, {"where": "1"}):
        with pytest.raises(ValidationFailed):
            await env.rpc.call(t.LIST, Raw(**body))  # type: ignore[arg-type]


async def test_pages_have_exact_totals_and_do_not_overlap(env: TicketsEnv) -> None:
    customer = await env.customer()
    created = [(await env.ticket(customer, subject=f"Ticket {i}")).ticket_id for i in range(7)]
    seen: list[str] = []
    for page_no in (1, 2, 3):
        page = await env.rpc.call(
            t.LIST, t.ListTickets(customer_id=customer.id, page=page_no, limit=3)
        )
        assert page.pagination == t.Pagination(page=page_no, limit=3, total=7, pages=3)
        seen += [s.ticket_id for s in page.tickets]
    assert seen == list(reversed(created))  # newest first by default
    beyond = await env.rpc.call(t.LIST, t.ListTickets(customer_id=customer.id, page=4, limit=3))
    assert beyond.tickets == [] and beyond.pagination.total == 7


async def test_filters_by_status_category_priority_tag_and_agent(env: TicketsEnv) -> None:
    customer = await env.customer()
    a = await env.ticket(customer, category="billing", priority=t.Priority.HIGH, tags=["vip"])
    b = await env.ticket(customer, category="maintenance", assign_to_self=True, agent="ag-9")
    await env.rpc.call(
        t.CHANGE_STATUS,
        t.ChangeStatus(ticket_id=b.ticket_id, status=t.TicketStatus.IN_PROGRESS, by="ag-9"),
    )

    async def ids(**filters: object) -> set[str]:
        page = await env.rpc.call(t.LIST, t.ListTickets(customer_id=customer.id, **filters))
        return {s.ticket_id for s in page.tickets}

    assert await ids(category="billing") == {a.ticket_id}
    assert await ids(priority=t.Priority.HIGH) == {a.ticket_id}
    assert await ids(tag="vip") == {a.ticket_id}
    assert await ids(status=t.TicketStatus.IN_PROGRESS) == {b.ticket_id}
    assert await ids(assigned_agent="ag-9") == {b.ticket_id}
    assert await ids() == {a.ticket_id, b.ticket_id}


async def test_search_finds_tickets_holding_every_word_ignoring_accents_and_case(
    env: TicketsEnv,
) -> None:
    customer = await env.customer()
    one = await env.ticket(customer, subject="Iluminación pública", description="Sin detalles")
    two = await env.ticket(
        customer, subject="Falla de ILUMINACION", description="Poste caído en la avenida"
    )
    three = await env.ticket(
        customer, subject="Poste oxidado", description="La iluminación del poste y la avenida"
    )
    await env.ticket(customer, subject="Factura", description="Cobro doble")

    async def search(q: str, **extra: object) -> list[t.TicketSummary]:
        page = await env.rpc.call(t.LIST, t.ListTickets(customer_id=customer.id, q=q, **extra))
        assert page.pagination.total == len(page.tickets)
        return page.tickets

    found = await search("iluminacion")
    assert {s.ticket_id for s in found} == {one.ticket_id, two.ticket_id, three.ticket_id}
    assert {s.ticket_id for s in await search("ILUMINACIÓN")} == {s.ticket_id for s in found}

    every = await search("iluminación poste avenida")
    assert [s.ticket_id for s in every] == [three.ticket_id, two.ticket_id]  # newest first
    assert [s.score for s in every] == [3, 3]
    assert await search("iluminacion factura") == []

    by_id = await search(two.ticket_id)
    assert [s.ticket_id for s in by_id] == [two.ticket_id]
    assert await search("de la") == []
    assert [s.ticket_id for s in await search("poste", category="light_malfunction")] == [
        three.ticket_id,
        two.ticket_id,
    ]


async def test_search_finds_a_phrase_a_number_a_phone_a_name_and_an_address(
    env: TicketsEnv,
) -> None:
    customer = await env.customer()  # no name yet: the assistant learns it later
    other = await env.customer()
    lamp = await env.ticket(
        customer,
        subject="Poste 14 apagado",
        description="Frente a la escuela",
        location=t.Location(address="Calle Tulipanes 300"),
    )
    await env.ticket(other, subject="Apagado el 14", description="Poste de la plaza")

    async def search(q: str) -> list[str]:
        page = await env.rpc.call(t.LIST, t.ListTickets(q=q, limit=100))
        assert page.pagination.total == len(page.tickets)
        return [s.ticket_id for s in page.tickets]

    assert await search('"poste 14" apagado') == [lamp.ticket_id]
    number = lamp.ticket_id.rsplit("-", 1)[1].lstrip("0")
    assert lamp.ticket_id in await search(number)
    digits = "".join(ch for ch in customer.phone_number if ch.isdigit())
    assert await search(digits[-4:] + " tulipanes") == [lamp.ticket_id]
    assert await search(customer.phone_number) == [lamp.ticket_id]
    assert await search("tulipanes escuela") == [lamp.ticket_id]
    assert await search("quintanilla") == []

    named = t.UpsertCustomerByPhone(
        phone_number=customer.phone_number, first_name="Marisol", last_name="Quintanilla"
    )
    await env.rpc.call(t.UPSERT_CUSTOMER_BY_PHONE, named)
    assert await search("QUINTANILLA marisol") == [lamp.ticket_id]
    assert await search('"marisol quintanilla" poste') == [lamp.ticket_id]


async def test_search_filters_on_the_indexed_search_terms(env: TicketsEnv) -> None:
    """No `$text`, no regex scan: the match is an `$all` on `searchTerms`, the first field of an
    index that also orders each word's tickets newest first (a page walks it); an index on the
    terms alone, as earlier versions made, is dropped as redundant.

    (On a real server `explain` shows an IXSCAN: test_tickets_query_plans.py.)
    """
    query = TicketFilter(terms=("iluminacion", "poste")).query()
    assert query == {"searchTerms": {"$all": ["iluminacion", "poste"]}}
    store = env.service.store
    await store.tickets.create_index([("searchTerms", 1)], name="searchTerms")
    await store.ensure_indexes()
    indexes = await store.tickets.index_information()
    keys = [[k for k, _ in spec["key"]] for spec in indexes.values()]
    assert ["searchTerms", "createdAt", "_id"] in keys, keys
    assert ["searchTerms"] not in keys, keys


async def test_agent_queue_is_urgent_first_then_newest(env: TicketsEnv) -> None:
    customer = await env.customer()
    agent = f"queue-{customer.id[:6]}"
    made = {}
    for name, priority in [
        ("low", t.Priority.LOW),
        ("urgent-old", t.Priority.URGENT),
        ("medium", t.Priority.MEDIUM),
        ("high", t.Priority.HIGH),
        ("urgent-new", t.Priority.URGENT),
    ]:
        made[name] = (
            await env.ticket(
                customer, subject=name, priority=priority, agent=agent, assign_to_self=True
            )
        ).ticket_id
    page = await env.rpc.call(t.LIST_BY_AGENT, t.ListByAgent(agent_id=agent))
    order = [s.subject for s in page.tickets]
    assert order == ["urgent-new", "urgent-old", "high", "medium", "low"]
    by_priority = await env.rpc.call(
        t.LIST, t.ListTickets(customer_id=customer.id, sort_by="priority", sort_order="asc")
    )
    assert by_priority.tickets[0].subject == "low"


async def test_lists_by_customer_and_conversation(env: TicketsEnv) -> None:
    customer = await env.customer()
    conversation = await env.rpc.call(
        t.CREATE_CONVERSATION, t.CreateConversation(customer_id=customer.id)
    )
    in_conv = await env.ticket(customer, conversation_id=conversation.id)
    await env.ticket(customer)
    page = await env.rpc.call(
        t.LIST_BY_CONVERSATION, t.ListByConversation(conversation_id=conversation.id)
    )
    assert [s.ticket_id for s in page.tickets] == [in_conv.ticket_id]
    mine = await env.rpc.call(t.LIST_BY_CUSTOMER, t.ListByCustomer(customer_id=customer.id))
    assert mine.pagination.total == 2


async def test_stats_count_by_status_priority_and_escalation(env: TicketsEnv) -> None:
    customer = await env.customer()
    a = await env.ticket(customer, priority=t.Priority.URGENT)
    await env.ticket(customer, priority=t.Priority.HIGH)
    await env.rpc.call(
        t.CREATE_FROM_AI,
        t.CreateFromAi(subject="s", description="d", category="other", customer_id=customer.id),
    )
    await env.rpc.call(
        t.ESCALATE,
        t.EscalateTicket(ticket_id=a.ticket_id, to_agent_id="boss-1", reason="VIP", by="a1"),
    )
    stats = await env.rpc.call(t.STATS, t.StatsQuery(customer_id=customer.id))
    assert stats.total == 3
    assert (stats.new, stats.open) == (1, 2)
    assert (stats.urgent, stats.high, stats.medium, stats.low) == (1, 1, 1, 0)
    assert stats.escalated == 1
    by_agent = await env.rpc.call(t.STATS, t.StatsQuery(agent_id="boss-1"))
    assert by_agent.total >= 1 and by_agent.escalated == by_agent.total
    assert json.loads(stats.model_dump_json())["inProgress"] == 0


# --- lifecycle through RPC --------------------------------------------------------------------


async def test_status_changes_follow_the_graph_and_record_real_history(env: TicketsEnv) -> None:
    customer = await env.customer()
    ticket = await env.ticket(customer)
    path = [
        t.TicketStatus.IN_PROGRESS,
        t.TicketStatus.PENDING_CUSTOMER,
        t.TicketStatus.IN_PROGRESS,
        t.TicketStatus.WAITING_INTERNAL,
        t.TicketStatus.IN_PROGRESS,
    ]
    for status in path:
        ticket = await env.rpc.call(
            t.CHANGE_STATUS,
            t.ChangeStatus(ticket_id=ticket.ticket_id, status=status, reason=status, by="a1"),
        )
    history = [(h.from_.value, h.to.value) for h in ticket.status_history]
    assert history == [
        ("open", "in_progress"),
        ("in_progress", "pending_customer"),
        ("pending_customer", "in_progress"),
        ("in_progress", "waiting_internal"),
        ("waiting_internal", "in_progress"),
    ]
    assert ticket.sla.first_response_at == ticket.status_history[0].timestamp
    assert ticket.sla.first_response_met is True
    assert ticket.version == 1 + len(path)

    with pytest.raises(Conflict) as caught:
        await env.rpc.call(
            t.CHANGE_STATUS,
            t.ChangeStatus(ticket_id=ticket.ticket_id, status=t.TicketStatus.NEW, by="a1"),
        )
    assert caught.value.http_status == 409
    allowed = ["pending_customer", "waiting_internal", "resolved", "closed"]
    assert caught.value.context["allowed"] == allowed
    assert ", ".join(allowed) in caught.value.message

    events = await env.recorder.wait_one("ticket.updated", ticket.ticket_id, count=len(path))
    assert [(e.data["oldStatus"], e.data["newStatus"]) for e in events] == history
    assert events[0].data["updatedBy"] == "a1" and events[0].data["reason"] == "in_progress"
    assert env.recorder.duplicates == 0  # with the broker up, each event goes out once


async def test_assign_opens_a_new_ticket_and_is_announced(env: TicketsEnv) -> None:
    customer = await env.customer()
    created = await env.rpc.call(
        t.CREATE_FROM_AI,
        t.CreateFromAi(subject="s", description="d", category="other", customer_id=customer.id),
    )
    ticket = await env.rpc.call(
        t.ASSIGN, t.AssignTicket(ticket_id=created.ticket.ticket_id, agent_id="ag-2", by="lead")
    )
    assert (ticket.status, ticket.assigned_agent) == (t.TicketStatus.OPEN, "ag-2")
    assert ticket.status_history[0].from_ is t.TicketStatus.NEW
    [assigned] = await env.recorder.wait_one("ticket.assigned", ticket.ticket_id)
    assert assigned.data == {
        "ticketId": ticket.ticket_id,
        "agentId": "ag-2",
        "agentName": None,  # this request named no one (the gateway always does)
        "customerId": customer.id,
        "assignedBy": "lead",
        "previousAgent": None,
        "version": 2,
    }
    [updated] = await env.recorder.wait_one("ticket.updated", ticket.ticket_id)
    assert (updated.data["oldStatus"], updated.data["newStatus"]) == ("new", "open")


async def test_resolve_close_feedback_and_reopen(env: TicketsEnv) -> None:
    customer = await env.customer()
    ticket = await env.ticket(customer)
    tid = ticket.ticket_id
    with pytest.raises(Conflict):
        await env.rpc.call(t.SUBMIT_FEEDBACK, t.SubmitFeedback(ticket_id=tid, rating=5))
    with pytest.raises(ValidationFailed):
        await env.rpc.call(
            t.RESOLVE, t.ResolveTicket.model_construct(ticket_id=tid, resolution_notes="", by="a")
        )
    resolved = await env.rpc.call(  # straight from open: any open state may be resolved
        t.RESOLVE, t.ResolveTicket(ticket_id=tid, resolution_notes="Foco cambiado", by="a5")
    )
    assert resolved.status is t.TicketStatus.RESOLVED
    assert (resolved.resolved_by, resolved.resolution_notes) == ("a5", "Foco cambiado")
    assert resolved.sla.resolution_met is True
    [event] = await env.recorder.wait_one("ticket.resolved", tid)
    assert event.data["resolvedBy"] == "a5" and event.data["resolutionNotes"] == "Foco cambiado"

    with pytest.raises(NotFound):  # someone else's feedback
        await env.rpc.call(
            t.SUBMIT_FEEDBACK, t.SubmitFeedback(ticket_id=tid, customer_id="other", rating=1)
        )
    rated = await env.rpc.call(
        t.SUBMIT_FEEDBACK,
        t.SubmitFeedback(ticket_id=tid, customer_id=customer.id, rating=5, comment="¡Rápido!"),
    )
    assert rated.customer_feedback is not None and rated.customer_feedback.rating == 5
    with pytest.raises(ValidationFailed):
        await env.rpc.call(
            t.SUBMIT_FEEDBACK, t.SubmitFeedback.model_construct(ticket_id=tid, rating=6)
        )

    reopened = await env.rpc.call(
        t.CHANGE_STATUS,
        t.ChangeStatus(ticket_id=tid, status=t.TicketStatus.OPEN, reason="volvió", by="a5"),
    )
    assert reopened.resolved_at is None
    assert reopened.status_history[-1].from_ is t.TicketStatus.RESOLVED
    assert reopened.allowed_next_statuses == [
        t.TicketStatus.IN_PROGRESS,
        t.TicketStatus.RESOLVED,
        t.TicketStatus.CLOSED,
    ]

    with pytest.raises(ValidationFailed) as refused:  # an unresolved ticket closes with a reason
        await env.rpc.call(
            t.CHANGE_STATUS, t.ChangeStatus(ticket_id=tid, status=t.TicketStatus.CLOSED, by="a5")
        )
    assert [d.field for d in refused.value.details] == ["reason"]
    closed = await env.rpc.call(
        t.CHANGE_STATUS,
        t.ChangeStatus(ticket_id=tid, status=t.TicketStatus.CLOSED, reason="duplicate", by="a5"),
    )
    assert (closed.close_reason, closed.allowed_next_statuses) == ("duplicate", [])
    with pytest.raises(Conflict):  # closed is final
        await env.rpc.call(t.RESOLVE, t.ResolveTicket(ticket_id=tid, resolution_notes="x", by="a"))


async def test_escalate_flags_reassigns_and_is_announced(env: TicketsEnv) -> None:
    customer = await env.customer()
    ticket = await env.ticket(customer, agent="a1", assign_to_self=True)
    escalated = await env.rpc.call(
        t.ESCALATE,
        t.EscalateTicket(ticket_id=ticket.ticket_id, to_agent_id="boss", reason="VIP", by="a1"),
    )
    assert escalated.is_escalated and escalated.assigned_agent == "boss"
    assert (escalated.escalated_to, escalated.escalation_reason) == ("boss", "VIP")
    [event] = await env.recorder.wait_one("ticket.escalated", ticket.ticket_id)
    assert {k: event.data[k] for k in ("fromAgent", "toAgent", "reason", "customerId")} == {
        "fromAgent": "a1",
        "toAgent": "boss",
        "reason": "VIP",
        "customerId": customer.id,
    }


async def test_general_update_changes_only_allowed_fields(env: TicketsEnv) -> None:
    customer = await env.customer()
    ticket = await env.ticket(customer, subject="Poste", description="apagado")
    updated = await env.rpc.call(
        t.UPDATE,
        t.UpdateTicket(
            ticket_id=ticket.ticket_id,
            changes=t.TicketChanges(
                subject="Poste caído",
                priority=t.Priority.URGENT,
                tags=["calle"],
                attachments=[t.Attachment(url="https://x/y.jpg", type="image")],
            ),
            by="a1",
        ),
    )
    assert updated.subject == "Poste caído"
    assert updated.sla.first_response_target == 15 * 60_000
    assert updated.version == 2 and updated.status is ticket.status
    [event] = await env.recorder.wait_one("ticket.updated", ticket.ticket_id)
    assert event.data["updates"]["subject"] == "Poste caído"
    assert event.data["updates"]["priority"] == "urgent"
    assert event.data["updatedBy"] == "a1" and event.data["oldStatus"] is None

    found = await env.rpc.call(t.LIST, t.ListTickets(customer_id=customer.id, q="caido"))
    assert [s.ticket_id for s in found.tickets] == [ticket.ticket_id]

    for forbidden in ("status", "notes", "ticketId", "customerId", "createdAt", "statusHistory"):
        body = Raw(ticketId=ticket.ticket_id, by="a1", changes={forbidden: "x"})
        with pytest.raises(ValidationFailed) as rejected:
            await env.rpc.call(t.UPDATE, body)  # type: ignore[arg-type]
        assert rejected.value.details[0].field == f"changes.{forbidden}"
    with pytest.raises(ValidationFailed):
        await env.rpc.call(
            t.UPDATE,
            t.UpdateTicket(
                ticket_id=ticket.ticket_id, changes=t.TicketChanges(category="nope"), by="a1"
            ),
        )
    with pytest.raises(Conflict) as stale:
        await env.rpc.call(
            t.UPDATE,
            t.UpdateTicket(
                ticket_id=ticket.ticket_id,
                changes=t.TicketChanges(subject="otra"),
                by="a2",
                expected_version=1,
            ),
        )
    assert stale.value.context == {"version": 2, "expectedVersion": 1}


async def test_unknown_ticket_is_not_found_everywhere(env: TicketsEnv) -> None:
    missing = "LUX-1900-000001"
    calls = [
        (t.GET, t.GetTicket(ticket_id=missing)),
        (t.ASSIGN, t.AssignTicket(ticket_id=missing, agent_id="a", by="a")),
        (t.ADD_NOTE, t.AddNote(ticket_id=missing, content="x", by="a")),
        (t.CHANGE_STATUS, t.ChangeStatus(ticket_id=missing, status=t.TicketStatus.OPEN, by="a")),
    ]
    for spec, request in calls:
        with pytest.raises(NotFound):
            await env.rpc.call(spec, request)  # type: ignore[arg-type]


async def test_a_raw_result_is_the_services_own_serialisation_to_pass_on(env: TicketsEnv) -> None:
    customer = await env.customer()
    ticket = await env.ticket(customer)
    request = t.ListByCustomer(customer_id=customer.id)
    raw = await env.rpc.call_raw(t.LIST_BY_CUSTOMER, request)
    assert raw == encode(await env.rpc.call(t.LIST_BY_CUSTOMER, request))
    assert t.TicketPage.model_validate_json(raw).tickets[0].ticket_id == ticket.ticket_id
    with pytest.raises(NotFound):
        await env.rpc.call_raw(t.GET, t.GetTicket(ticket_id="LUX-1900-000001"))


# --- customers and conversations --------------------------------------------------------------


async def test_customers_have_unique_e164_phone_numbers(env: TicketsEnv) -> None:
    customer = await env.customer(
        phone_number="55 8765 4321", first_name="Ana", email="Ana@Example.com"
    )
    assert customer.phone_number == "+525587654321"
    assert customer.email == "ana@example.com"
    assert customer.statistics.total_tickets == 0
    with pytest.raises(Conflict) as dup:
        await env.customer(phone_number="+52 1 55 8765 4321")
    assert dup.value.context["customerId"] == customer.id
    by_phone = await env.rpc.call(
        t.GET_CUSTOMER_BY_PHONE, t.GetCustomerByPhone(phone_number="5215587654321")
    )
    assert by_phone.id == customer.id
    with pytest.raises(ValidationFailed):
        await env.customer(phone_number="123")
    with pytest.raises(NotFound):
        await env.rpc.call(t.GET_CUSTOMER, t.GetCustomer(customer_id="nope"))
    page = await env.rpc.call(t.LIST_CUSTOMERS, t.ListCustomers(limit=1))
    assert len(page.customers) == 1 and page.pagination.total >= 1


async def test_conversations_find_the_most_recent_active_one(env: TicketsEnv) -> None:
    customer = await env.customer()
    none = await env.rpc.call(
        t.FIND_ACTIVE_CONVERSATION, t.FindActiveConversation(customer_id=customer.id)
    )
    assert none.conversation is None
    first = await env.rpc.call(t.CREATE_CONVERSATION, t.CreateConversation(customer_id=customer.id))
    second = await env.rpc.call(
        t.CREATE_CONVERSATION,
        t.CreateConversation(customer_id=customer.id, channel=t.Channel.WEB),
    )
    active = await env.rpc.call(
        t.FIND_ACTIVE_CONVERSATION, t.FindActiveConversation(customer_id=customer.id)
    )
    assert active.conversation is not None and active.conversation.id == second.id
    await env.rpc.call(
        t.UPDATE_CONVERSATION_STATUS,
        t.UpdateConversationStatus(conversation_id=second.id, status=t.ConversationStatus.CLOSED),
    )
    assigned = await env.rpc.call(
        t.UPDATE_CONVERSATION_STATUS,
        t.UpdateConversationStatus(
            conversation_id=first.id, status=t.ConversationStatus.ASSIGNED, assigned_agent="a1"
        ),
    )
    assert assigned.assigned_agent == "a1"
    active = await env.rpc.call(
        t.FIND_ACTIVE_CONVERSATION, t.FindActiveConversation(customer_id=customer.id)
    )
    assert active.conversation is not None and active.conversation.id == first.id
    closed = await env.rpc.call(
        t.LIST_CONVERSATIONS,
        t.ListConversations(customer_id=customer.id, status=t.ConversationStatus.CLOSED),
    )
    assert [c.id for c in closed.conversations] == [second.id]
    with pytest.raises(NotFound):
        await env.rpc.call(t.CREATE_CONVERSATION, t.CreateConversation(customer_id="nobody"))
    with pytest.raises(NotFound):
        await env.rpc.call(t.GET_CONVERSATION, t.GetConversation(conversation_id="nope"))


async def test_upsert_by_phone_gives_the_same_customer_for_the_same_phone(env: TicketsEnv) -> None:
    phone = "+5255" + str(uuid.uuid4().int)[:8]
    requests = [
        t.UpsertCustomerByPhone(phone_number=phone),
        t.UpsertCustomerByPhone(phone_number=phone.replace("+52", "+52 1 ")),
        t.UpsertCustomerByPhone(phone_number=phone, first_name="Rosa"),
    ]
    racing = await asyncio.gather(*(env.rpc.call(t.UPSERT_CUSTOMER_BY_PHONE, r) for r in requests))
    assert len({r.customer.id for r in racing}) == 1
    assert sum(r.created for r in racing) == 1
    customer = racing[0].customer
    assert customer.phone_number == phone

    ticket = await env.ticket(customer)
    named = await env.rpc.call(
        t.UPSERT_CUSTOMER_BY_PHONE,
        t.UpsertCustomerByPhone(phone_number=phone, first_name="Rosa", last_name="Cliente"),
    )
    assert (named.created, named.customer.first_name, named.customer.last_name) == (
        False,
        "Rosa",
        "Cliente",
    )
    again = await env.rpc.call(
        t.UPSERT_CUSTOMER_BY_PHONE,
        t.UpsertCustomerByPhone(phone_number=phone, first_name="Otra", last_name="Persona"),
    )
    assert (again.customer.first_name, again.customer.last_name) == ("Rosa", "Cliente")
    stored = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket.ticket_id))
    assert stored.customer is not None and stored.customer.name == "Rosa Cliente"
    assert stored.version == ticket.version
    with pytest.raises(ValidationFailed):
        await env.rpc.call(t.UPSERT_CUSTOMER_BY_PHONE, t.UpsertCustomerByPhone(phone_number="123"))


async def test_open_conversation_gives_the_open_one_on_a_channel_or_a_new_one(
    env: TicketsEnv,
) -> None:
    customer = await env.customer()
    ask = t.OpenConversation(customer_id=customer.id)
    racing = await asyncio.gather(*(env.rpc.call(t.OPEN_CONVERSATION, ask) for _ in range(4)))
    assert len({r.conversation.id for r in racing}) == 1
    assert sum(r.created for r in racing) == 1
    whatsapp = racing[0].conversation
    assert (whatsapp.channel, whatsapp.status) == (t.Channel.WHATSAPP, t.ConversationStatus.OPEN)

    web = await env.rpc.call(
        t.OPEN_CONVERSATION, t.OpenConversation(customer_id=customer.id, channel=t.Channel.WEB)
    )
    assert web.created and web.conversation.id != whatsapp.id
    await env.rpc.call(
        t.UPDATE_CONVERSATION_STATUS,
        t.UpdateConversationStatus(
            conversation_id=whatsapp.id, status=t.ConversationStatus.ASSIGNED, assigned_agent="a1"
        ),
    )
    still = await env.rpc.call(t.OPEN_CONVERSATION, ask)
    assert (still.conversation.id, still.created) == (whatsapp.id, False)  # assigned is open
    await env.rpc.call(
        t.UPDATE_CONVERSATION_STATUS,
        t.UpdateConversationStatus(conversation_id=whatsapp.id, status=t.ConversationStatus.CLOSED),
    )
    fresh = await env.rpc.call(t.OPEN_CONVERSATION, ask)
    assert fresh.created and fresh.conversation.id not in {whatsapp.id, web.conversation.id}
    with pytest.raises(NotFound):
        await env.rpc.call(t.OPEN_CONVERSATION, t.OpenConversation(customer_id="nobody"))


async def test_health_names_the_instance_and_store(env: TicketsEnv) -> None:
    status = await env.rpc.call(t.HEALTH, Empty())
    assert status.service == "tickets"
    assert status.instance in {s.instance for s in env.services}


# --- names beside ids -----------------------------------------------------------------------


async def test_names_are_stored_beside_the_ids_and_shown_in_views_lists_and_events(
    env: TicketsEnv,
) -> None:
    customer = await env.customer(first_name="Rosa", last_name="Cliente")
    created = await env.rpc.call(
        t.CREATE_FROM_AGENT,
        t.CreateFromAgent(
            subject="Poste sin luz",
            description="No enciende",
            category="light_malfunction",
            customer_id=customer.id,
            agent_id="ana",
            agent_name="Ana Ruiz",
            assign_to_self=True,
        ),
    )
    ticket = created.ticket
    assert (ticket.created_by, ticket.created_by_name) == ("ana", "Ana Ruiz")
    assert ticket.assigned_agent_name == "Ana Ruiz"
    assert ticket.customer == t.CustomerRef(
        id=customer.id, name="Rosa Cliente", phone_number=customer.phone_number
    )
    tid = ticket.ticket_id
    await env.rpc.call(
        t.ADD_NOTE, t.AddNote(ticket_id=tid, content="Revisado", by="ana", by_name="Ana Ruiz")
    )
    escalated = await env.rpc.call(
        t.ESCALATE,
        t.EscalateTicket(
            ticket_id=tid, to_agent_id="luis", to_agent_name="Luis Paz", reason="VIP", by="ana"
        ),
    )
    assert (escalated.assigned_agent_name, escalated.escalated_to_name) == ("Luis Paz", "Luis Paz")
    resolved = await env.rpc.call(
        t.RESOLVE,
        t.ResolveTicket(ticket_id=tid, resolution_notes="Foco", by="luis", by_name="Luis Paz"),
    )
    assert resolved.resolved_by_name == "Luis Paz"
    assert [n.agent_name for n in resolved.notes] == ["Ana Ruiz"]

    page = await env.rpc.call(t.LIST, t.ListTickets(customer_id=customer.id))
    [item] = page.tickets
    assert (item.assigned_agent_name, item.created_by_name, item.resolved_by_name) == (
        "Luis Paz",
        "Ana Ruiz",
        "Luis Paz",
    )
    assert item.customer is not None and item.customer.name == "Rosa Cliente"
    [note_added] = await env.recorder.wait_one("ticket.note_added", tid)
    assert note_added.data["note"]["agentName"] == "Ana Ruiz"
    [escalation] = await env.recorder.wait_one("ticket.escalated", tid)
    assert escalation.data["toAgentName"] == "Luis Paz"
    [resolution] = await env.recorder.wait_one("ticket.resolved", tid)
    assert resolution.data["resolvedByName"] == "Luis Paz"
    customer_view = await env.rpc.call(
        t.GET_FOR_CUSTOMER, t.GetForCustomer(ticket_id=tid, customer_id=customer.id)
    )
    assert customer_view.assigned_agent_name == "Luis Paz"


async def test_a_renamed_agent_is_renamed_on_every_ticket_without_a_new_version(
    env: TicketsEnv,
) -> None:
    customer = await env.customer()
    ticket = await env.ticket(customer, agent="marta", agent_name="Marta Gil", assign_to_self=True)
    noted = await env.rpc.call(
        t.ADD_NOTE,
        t.AddNote(ticket_id=ticket.ticket_id, content="Hola", by="marta", by_name="Marta Gil"),
    )
    other = await env.ticket(customer, agent="pepe", agent_name="Pepe Sol")
    renamed = AgentUpdated(
        agent_id="marta",
        first_name="Marta",
        last_name="Gil Ortega",
        role="agent",
        active=True,
        updated_at=datetime.now(UTC),
    )
    await EventPublisher(env.client).publish(make_event(AGENT_UPDATED, renamed))

    async def renamed_everywhere() -> bool:
        current = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket.ticket_id))
        return (
            current.assigned_agent_name,
            current.created_by_name,
            current.notes[0].agent_name,
        ) == ("Marta Gil Ortega",) * 3

    await poll_until(renamed_everywhere, what="the new name on the ticket")
    current = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket.ticket_id))
    assert current.version == noted.ticket.version  # a name is not a change of the ticket
    untouched = await env.rpc.call(t.GET, t.GetTicket(ticket_id=other.ticket_id))
    assert untouched.created_by_name == "Pepe Sol"
