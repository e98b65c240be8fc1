"""SLA clocks in the tickets service over the real broker: targets from the configured policy,
the monitor's warnings and breaches raised once by racing replicas and never again after a
restart, customer replies resuming clocks. Time is a fake clock shared by the replicas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest_asyncio

from tests.support.config_helpers import FakeClock
from tests.support.tickets_helpers import TicketsEnv, tickets_env
from tests.support.waiting import poll_until
from tickets_service.main import TicketsService
from uts_shared.contracts import config as cfg
from uts_shared.contracts import tickets as t
from uts_shared.contracts.sla import SlaPolicy, SlaTarget
from uts_shared.messaging import EventPublisher, make_event

S = t.TicketStatus


@pytest_asyncio.fixture
async def clocked(
    fresh_vhost: str, mongo_url: str | None
) -> AsyncIterator[tuple[TicketsEnv, FakeClock]]:
    clock = FakeClock()
    # The monitors' own loops look once at start and then rarely: the test makes the looks.
    async with tickets_env(
        fresh_vhost, mongo_url, instances=2, clock=clock, sla_check_interval=3600
    ) as env:
        yield env, clock


async def test_targets_come_from_the_configured_policy(
    clocked: tuple[TicketsEnv, FakeClock],
) -> None:
    env, _ = clocked
    env.config.sla = SlaPolicy(
        targets={t.Priority.URGENT: SlaTarget(first_response_ms=60_000, resolution_ms=120_000)}
    )
    await env.config.announce(cfg.SettingKey.SLA_POLICY)
    customer = await env.customer()

    async def urgent_targets_changed() -> bool:
        ticket = await env.ticket(customer, priority=t.Priority.URGENT)
        return (ticket.sla.first_response_target, ticket.sla.resolution_target) == (
            60_000,
            120_000,
        )

    await poll_until(urgent_targets_changed, what="the new policy's urgent targets")
    low = await env.ticket(customer, priority=t.Priority.LOW)
    assert low.sla.resolution_target == 7 * 24 * 3_600_000  # untouched priorities keep theirs
    raised = await env.rpc.call(
        t.UPDATE,
        t.UpdateTicket(
            ticket_id=low.ticket_id, changes=t.TicketChanges(priority=t.Priority.URGENT), by="a1"
        ),
    )
    assert raised.sla.first_response_target == 60_000


async def test_racing_monitors_raise_each_warning_and_breach_once(
    clocked: tuple[TicketsEnv, FakeClock], fresh_vhost: str, mongo_url: str | None
) -> None:
    env, clock = clocked
    customer = await env.customer()
    ticket = await env.ticket(customer, priority=t.Priority.URGENT)  # first response: 15 min
    monitors = [service.sla_monitor for service in env.services]

    async def race() -> None:
        await asyncio.gather(*(m.check() for m in monitors))

    clock.advance(12 * 60)
    await race()
    clock.advance(4 * 60)
    await race()
    await race()

    def alarms(kind: str) -> list[str]:
        return [e.data["clock"] for e in env.recorder.of(kind, ticket.ticket_id)]

    await env.recorder.wait_for(lambda _: alarms("ticket.sla_breached") == ["first_response"])
    assert alarms("ticket.sla_warning") == ["first_response"]
    seen = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket.ticket_id))
    assert seen.sla.state is t.SlaState.BREACHED
    assert seen.sla.remaining_ms == 15 * 60_000 - 16 * 60_000

    # A monitor started afresh reads the flags: nothing is raised again.
    again = TicketsService(env.service.settings, database=env.database, clock=clock)
    await again.start()
    try:
        assert await again.sla_monitor.check() == 0
    finally:
        await again.stop()
    listed = await env.rpc.call(
        t.LIST, t.ListTickets(customer_id=customer.id, sla_state=[t.SlaState.BREACHED])
    )
    assert [s.ticket_id for s in listed.tickets] == [ticket.ticket_id]
    assert len(env.recorder.of("ticket.sla_warning", ticket.ticket_id)) == 1


async def test_a_customer_reply_resumes_the_tickets_waiting_on_them(
    clocked: tuple[TicketsEnv, FakeClock],
) -> None:
    env, clock = clocked
    customer = await env.customer()
    conversation = await env.rpc.call(
        t.CREATE_CONVERSATION, t.CreateConversation(customer_id=customer.id)
    )
    waiting = await env.ticket(customer, conversation_id=conversation.id)
    other = await env.ticket(customer, conversation_id=conversation.id)
    for status in (S.IN_PROGRESS, S.PENDING_CUSTOMER):
        await env.rpc.call(
            t.CHANGE_STATUS,
            t.ChangeStatus(ticket_id=waiting.ticket_id, status=status, by="a1"),
        )
    clock.advance(3600)  # an hour waiting on the customer: not counted
    paused = await env.rpc.call(t.GET, t.GetTicket(ticket_id=waiting.ticket_id))
    assert paused.sla.paused and paused.sla.elapsed_ms == 0

    publisher = EventPublisher(env.client)
    reply = t.CustomerReplied(conversation_id=conversation.id)
    await publisher.publish(make_event(t.CONVERSATION_CUSTOMER_REPLIED, reply))

    async def read() -> t.TicketView:
        return await env.rpc.call(t.GET, t.GetTicket(ticket_id=waiting.ticket_id))

    async def back_in_progress() -> bool:
        return (await read()).status is S.IN_PROGRESS

    await poll_until(back_in_progress, what="the waiting ticket back in progress")
    resumed = await read()
    assert resumed.status_history[-1].reason == "customer replied"
    assert not resumed.sla.paused and resumed.sla.elapsed_ms == 0
    assert resumed.sla.resolution_due_at == clock.now() + timedelta(hours=72)
    untouched = await env.rpc.call(t.GET, t.GetTicket(ticket_id=other.ticket_id))
    assert untouched.status is S.OPEN

    again = await env.rpc.call(t.CUSTOMER_REPLIED, reply)  # nothing left waiting
    assert again.resumed == []


async def test_lists_sort_by_the_next_sla_due_time_soonest_first(
    clocked: tuple[TicketsEnv, FakeClock],
) -> None:
    env, clock = clocked
    customer = await env.customer()
    low = await env.ticket(customer, subject="low", priority=t.Priority.LOW)
    clock.advance(60)
    urgent = await env.ticket(customer, subject="urgent", priority=t.Priority.URGENT)
    waiting = await env.ticket(customer, subject="waiting", priority=t.Priority.URGENT)
    resolved = await env.ticket(customer, subject="resolved", priority=t.Priority.URGENT)
    for ticket_id, status in (
        (waiting.ticket_id, S.IN_PROGRESS),
        (waiting.ticket_id, S.PENDING_CUSTOMER),
        (resolved.ticket_id, S.IN_PROGRESS),
    ):
        await env.rpc.call(
            t.CHANGE_STATUS, t.ChangeStatus(ticket_id=ticket_id, status=status, by="a1")
        )
    await env.rpc.call(
        t.CHANGE_STATUS,
        t.ChangeStatus(ticket_id=resolved.ticket_id, status=S.RESOLVED, reason="hecho", by="a1"),
    )

    async def order(sort_order: str) -> list[str]:
        page = await env.rpc.call(
            t.LIST,
            t.ListTickets(customer_id=customer.id, sort_by="slaDue", sort_order=sort_order),
        )
        return [s.subject for s in page.tickets]

    # Urgent is due sooner though created later; no clock runs on the waiting or the resolved
    # ticket (the newer first among equals, as every list breaks ties).
    assert await order("asc") == ["urgent", "low", "resolved", "waiting"]
    assert low.sla.resolution_due_at and urgent.sla.first_response_due_at
    assert urgent.sla.first_response_due_at < low.sla.first_response_due_at  # type: ignore[operator]


async def test_tickets_stored_before_the_due_time_was_kept_get_it_at_start(
    clocked: tuple[TicketsEnv, FakeClock],
) -> None:
    env, _ = clocked
    customer = await env.customer()
    ticket = await env.ticket(customer, priority=t.Priority.HIGH)
    store = env.service.store
    await store.tickets.update_one({"_id": ticket.ticket_id}, {"$unset": {"slaDue": ""}})
    assert await store.fill_sla_due() == 1
    doc = await store.tickets.find_one({"_id": ticket.ticket_id}, {"slaDue": 1})
    assert doc is not None and doc["slaDue"] == ticket.sla.first_response_due_at
    assert await store.fill_sla_due() == 0
