"""Admin reports over a generated history (a test clock, random creates, first responses,
resolutions, reopenings, closings and ratings): every figure equals a brute-force recount made
from the tickets themselves, by day and by week, in a time zone of its own, with filters; the
daily rollups (kept in that zone while the history is made) answer exactly what the facts do,
after retried writes, a rebuild, and stops between a ticket's write and its rollups'."""

from __future__ import annotations

import contextlib
import math
import random
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest_asyncio

from tests.support.config_helpers import FakeClock
from tests.support.tickets_helpers import TicketsEnv, tickets_env
from tickets_service.reports import catch_up
from uts_shared.contracts import reports as r
from uts_shared.contracts import tickets as t
from uts_shared.errors import DomainError

S = t.TicketStatus
DONE = (S.RESOLVED, S.CLOSED)
START = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
CLOCK = FakeClock(START)
ZONE = ZoneInfo("America/Mexico_City")
AGENTS = ["ag-1", "ag-2", "ag-3"]
CATEGORIES = ["light_malfunction", "billing", "other"]


@pytest_asyncio.fixture(scope="module")
async def history(
    rabbit_url: str, mongo_url: str | None
) -> AsyncIterator[tuple[TicketsEnv, list[t.TicketView]]]:
    async with tickets_env(rabbit_url, mongo_url, clock=CLOCK) as env:
        # The rollups kept in the reports' zone from the start: the history keeps them.
        await env.service.report_facts.rebuild_rollups(ZONE.key)
        rnd = random.Random(24)
        customers = [await env.customer() for _ in range(4)]
        channels = [t.Channel.WHATSAPP, t.Channel.EMAIL]
        conversations = [
            await env.rpc.call(
                t.CREATE_CONVERSATION,
                t.CreateConversation(customer_id=c.id, channel=channels[i % 2]),
            )
            for i, c in enumerate(customers)
        ]
        made: list[str] = []
        for _ in range(140):
            CLOCK.advance(rnd.randrange(20, 360) * 60)
            step = rnd.random()
            if step < 0.35 or not made:
                i = rnd.randrange(len(customers))
                ticket = await env.ticket(
                    customers[i],
                    agent=rnd.choice(AGENTS),
                    conversation_id=conversations[i].id if rnd.random() < 0.7 else None,
                    priority=rnd.choice(list(t.Priority)),
                    category=rnd.choice(CATEGORIES),
                    assign_to_self=rnd.random() < 0.6,
                )
                made.append(ticket.ticket_id)
                continue
            tid = rnd.choice(made)
            with contextlib.suppress(DomainError):  # not allowed now: the history goes on
                await _step(env, rnd, tid, step)
        tickets = [await env.rpc.call(t.GET, t.GetTicket(ticket_id=tid)) for tid in made]
        yield env, tickets


async def _step(env: TicketsEnv, rnd: random.Random, tid: str, step: float) -> None:
    by = rnd.choice(AGENTS)
    if step < 0.5:
        await env.rpc.call(
            t.CHANGE_STATUS, t.ChangeStatus(ticket_id=tid, status=S.IN_PROGRESS, by=by)
        )
    elif step < 0.65:
        await env.rpc.call(t.RESOLVE, t.ResolveTicket(ticket_id=tid, resolution_notes="ok", by=by))
    elif step < 0.72:
        await env.rpc.call(t.CHANGE_STATUS, t.ChangeStatus(ticket_id=tid, status=S.OPEN, by=by))
    elif step < 0.78:
        await env.rpc.call(t.CHANGE_STATUS, t.ChangeStatus(ticket_id=tid, status=S.CLOSED, by=by))
    elif step < 0.88:
        await env.rpc.call(t.ASSIGN, t.AssignTicket(ticket_id=tid, agent_id=by, by=by))
    else:
        comment = rnd.choice([None, "bien", "lento"])
        await env.rpc.call(
            t.SUBMIT_FEEDBACK,
            t.SubmitFeedback(ticket_id=tid, rating=rnd.randint(1, 5), comment=comment),
        )


# --- the brute-force recount: straight from each ticket, by the report's definitions ----------


def nearest_rank(values: list[int], share: float) -> int | None:
    ordered = sorted(values)
    return ordered[math.ceil(share * len(ordered)) - 1] if ordered else None


def local_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=ZONE).astimezone(UTC)


def status_at(ticket: t.TicketView, moment: datetime) -> S | None:
    """The ticket's status at `moment` (changes strictly before it count); None before it
    existed."""
    if ticket.created_at >= moment:
        return None
    status = ticket.status_history[0].from_ if ticket.status_history else ticket.status
    for change in ticket.status_history:
        if change.timestamp < moment:
            status = change.to
    return status


def recount(tickets: list[t.TicketView], first: date, last: date, weekly: bool) -> dict[str, Any]:
    start, end = local_start(first), local_start(last + timedelta(days=1))

    def key(moment: datetime | None) -> date | None:
        if moment is None or not start <= moment < end:
            return None
        day = moment.astimezone(ZONE).date()
        return day - timedelta(days=day.weekday()) if weekly else day

    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    keys = list(dict.fromkeys(d - timedelta(days=d.weekday()) if weekly else d for d in days))
    out: dict[str, Any] = {}
    for k in keys:
        in_k = [d for d in days if (d - timedelta(days=d.weekday()) if weekly else d) == k]
        edge = local_start(in_k[-1] + timedelta(days=1))
        resolved = [
            x for x in tickets if x.status in DONE and x.resolved_at and key(x.resolved_at) == k
        ]
        responded = [x for x in tickets if key(x.sla.first_response_at) == k]
        rated = [
            x.customer_feedback.rating
            for x in tickets
            if x.customer_feedback and key(x.customer_feedback.submitted_at) == k
        ]
        wall_fr = [
            int((x.sla.first_response_at - x.created_at).total_seconds() * 1000) for x in responded
        ]  # type: ignore[operator]
        wall_res = [int((x.resolved_at - x.created_at).total_seconds() * 1000) for x in resolved]  # type: ignore[operator]
        out[k.isoformat()] = {
            "created": sum(key(x.created_at) == k for x in tickets),
            "resolved": len(resolved),
            "reopened": sum(
                key(c.timestamp) == k
                for x in tickets
                for c in x.status_history
                if c.from_ in DONE and c.to not in DONE
            ),
            "backlog": sum(
                (s := status_at(x, edge)) is not None and s not in DONE for x in tickets
            ),
            "frMedian": nearest_rank(wall_fr, 0.5),
            "frP90": nearest_rank(wall_fr, 0.9),
            "frBusinessMedian": nearest_rank(
                [x.sla.first_response_elapsed_ms or 0 for x in responded], 0.5
            ),
            "resMedian": nearest_rank(wall_res, 0.5),
            "resP90": nearest_rank(wall_res, 0.9),
            "resBusinessP90": nearest_rank([x.sla.elapsed_ms for x in resolved], 0.9),
            "frMet": sum(x.sla.first_response_met is True for x in responded),
            "frBreached": sum(x.sla.first_response_met is False for x in responded),
            "resMet": sum(x.sla.resolution_met is True for x in resolved),
            "breaches": sum(
                key(at) == k
                for x in tickets
                for at in (x.sla.first_response_breached_at, x.sla.resolution_breached_at)
            ),
            "ratings": len(rated),
        }
    return out


def figures(report: r.Report) -> dict[str, Any]:
    return {
        b.start.isoformat(): {
            "created": b.created,
            "resolved": b.resolved,
            "reopened": b.reopened,
            "backlog": b.backlog,
            "frMedian": b.first_response.median_ms,
            "frP90": b.first_response.p90_ms,
            "frBusinessMedian": b.first_response.business_median_ms,
            "resMedian": b.resolution.median_ms,
            "resP90": b.resolution.p90_ms,
            "resBusinessP90": b.resolution.business_p90_ms,
            "frMet": b.first_response_sla.met,
            "frBreached": b.first_response_sla.breached,
            "resMet": b.resolution_sla.met,
            "breaches": b.breaches,
            "ratings": b.ratings,
        }
        for b in report.buckets
    }


def _range(tickets: list[t.TicketView]) -> tuple[date, date]:
    first = min(x.created_at for x in tickets).astimezone(ZONE).date()
    return first + timedelta(days=2), CLOCK.now().astimezone(ZONE).date() - timedelta(days=1)


async def report(env: TicketsEnv, kind: str, first: date, last: date, **more: Any) -> r.Report:
    query = r.ReportQuery.model_validate(
        {"kind": kind, "from": first, "to": last, "timeZone": ZONE.key, **more}
    )
    return await env.rpc.call(r.REPORT, query)


async def test_daily_and_weekly_figures_equal_a_recount_of_the_tickets(
    history: tuple[TicketsEnv, list[t.TicketView]],
) -> None:
    env, tickets = history
    first, last = _range(tickets)
    daily = await report(env, "volume", first, last)
    counted = recount(tickets, first, last, weekly=False)
    assert figures(daily) == counted
    for figure in ("resolved", "reopened", "frMedian", "resBusinessP90", "ratings", "frMet"):
        assert any(day[figure] for day in counted.values()), figure  # the history has them
    assert sum(b.created for b in daily.buckets) == daily.totals.created > 0
    assert daily.totals.backlog == daily.buckets[-1].backlog
    weekly = await report(env, "times", first, last, groupBy="week")
    assert figures(weekly) == recount(tickets, first, last, weekly=True)


async def test_filters_agents_and_satisfaction_equal_a_recount(
    history: tuple[TicketsEnv, list[t.TicketView]],
) -> None:
    env, tickets = history
    first, last = _range(tickets)
    urgent = [x for x in tickets if x.priority is t.Priority.URGENT and x.category == "billing"]
    filtered = await report(env, "volume", first, last, priority=["urgent"], category=["billing"])
    assert figures(filtered) == recount(urgent, first, last, weekly=False)

    start, end = local_start(first), local_start(last + timedelta(days=1))
    rated = [
        x.customer_feedback
        for x in tickets
        if x.customer_feedback and start <= x.customer_feedback.submitted_at < end  # type: ignore[operator]
    ]
    satisfaction = (await report(env, "satisfaction", first, last)).satisfaction
    assert satisfaction.count == len(rated) > 0
    assert satisfaction.average == sum(f.rating for f in rated) / len(rated)
    assert satisfaction.satisfied_share == sum(f.rating >= 4 for f in rated) / len(rated)
    assert sorted(c.comment for c in satisfaction.comments) == sorted(
        f.comment for f in rated if f.comment
    )

    agents = {row.agent_id: row for row in (await report(env, "agents", first, last)).agents}
    for agent in AGENTS:
        mine = [x for x in tickets if x.assigned_agent == agent]
        row = agents[agent]
        assert row.assigned == sum(
            x.assigned_at is not None and start <= x.assigned_at < end for x in mine
        )
        assert row.resolved == sum(
            x.status in DONE and x.resolved_at is not None and start <= x.resolved_at < end
            for x in mine
        )
        assert row.open_now == sum(x.status not in DONE for x in mine)


async def test_a_period_ending_before_it_starts_or_in_an_unknown_zone_is_refused(
    history: tuple[TicketsEnv, list[t.TicketView]],
) -> None:
    env, _ = history
    for bad in ({"from": "2026-03-05", "to": "2026-03-01"}, {"timeZone": "Mars/Olympus"}):
        query = {"kind": "volume", "from": "2026-03-01", "to": "2026-03-05", **bad}
        try:
            await env.rpc.call(r.REPORT, r.ReportQuery.model_validate(query))
        except DomainError as exc:
            assert exc.details and exc.details[0].field in {"to", "timeZone"}
        else:
            raise AssertionError(f"{bad} was answered")


# --- the tickets behind each figure: the list narrowed by it holds what the report counts -----


async def behind(
    env: TicketsEnv, figure: t.ReportFigure, first: date, last: date, **more: Any
) -> list[str]:
    """The ids the ticket list shows for a figure over local days `first`..`last`."""
    end = local_start(last + timedelta(days=1)) - timedelta(milliseconds=1)
    query = t.ListTickets.model_validate(
        {"figure": figure, "figureFrom": local_start(first), "figureTo": end, "limit": 100, **more}
    )
    page = await env.rpc.call(t.LIST, query)
    assert page.pagination.total == len(page.tickets), "one page holds them all"
    return [x.ticket_id for x in page.tickets]


TICKET_FIGURES: list[tuple[t.ReportFigure, Any]] = [
    ("created", lambda b: b.created),
    ("resolved", lambda b: b.resolved),
    ("backlog", lambda b: b.backlog),
    ("firstResponded", lambda b: b.first_response.count),
    ("firstResponseMet", lambda b: b.first_response_sla.met),
    ("firstResponseBreached", lambda b: b.first_response_sla.breached),
    ("resolutionMet", lambda b: b.resolution_sla.met),
    ("resolutionBreached", lambda b: b.resolution_sla.breached),
    ("rated", lambda b: b.ratings),
]


async def test_the_ticket_list_of_each_figure_holds_the_tickets_the_report_counts(
    history: tuple[TicketsEnv, list[t.TicketView]],
) -> None:
    env, tickets = history
    first, last = _range(tickets)
    daily = await report(env, "volume", first, last)
    for figure, of in TICKET_FIGURES:
        for bucket in daily.buckets[:6]:
            ids = await behind(env, figure, bucket.start, bucket.start)
            assert len(ids) == of(bucket), (figure, bucket.start)
        assert len(await behind(env, figure, first, last)) == of(daily.totals), figure
    assert daily.totals.resolved and daily.totals.backlog and daily.totals.ratings

    # Events listed by the tickets they happened to: each at least once, within the day.
    for bucket in daily.buckets:
        reopened = await behind(env, "reopened", bucket.start, bucket.start)
        assert bool(reopened) == bool(bucket.reopened) and len(reopened) <= bucket.reopened
    start, end = local_start(first), local_start(last + timedelta(days=1))
    by_id = {x.ticket_id: x for x in tickets}
    for tid in await behind(env, "reopened", first, last):
        history_of = by_id[tid].status_history
        assert any(c.from_ in DONE and start <= c.timestamp < end for c in history_of)


async def test_figures_narrowed_by_channel_and_several_agents_match_the_report(
    history: tuple[TicketsEnv, list[t.TicketView]],
) -> None:
    env, tickets = history
    first, last = _range(tickets)
    filters = {"channel": ["whatsapp"], "agent": ["ag-1", "ag-3"], "priority": ["urgent", "low"]}
    narrowed = await report(env, "volume", first, last, **filters)
    listed = {"channel": ["whatsapp"], "assignedAgent": ["ag-1", "ag-3"]}
    listed["priority"] = ["urgent", "low"]
    for figure, of in TICKET_FIGURES:
        assert len(await behind(env, figure, first, last, **listed)) == of(narrowed.totals)
    assert narrowed.totals.created > 0
    agents = {row.agent_id: row for row in (await report(env, "agents", first, last)).agents}
    for agent in ("ag-1", "ag-2"):
        ids = await behind(env, "assigned", first, last, assignedAgent=[agent])
        assert len(ids) == agents[agent].assigned > 0
    whatsapp = await env.rpc.call(t.LIST, t.ListTickets(channel=[t.Channel.WHATSAPP], limit=100))
    assert 0 < whatsapp.pagination.total < len(tickets)
    assert all(x.conversation_id for x in whatsapp.tickets)


async def test_a_figure_without_its_period_is_refused_naming_the_field(
    history: tuple[TicketsEnv, list[t.TicketView]],
) -> None:
    env, _ = history
    moment = START.isoformat()
    for asked, field in (
        ({"figure": "created", "figureTo": moment}, "figureFrom"),
        ({"figure": "resolved", "figureFrom": moment}, "figureTo"),
        ({"figureFrom": moment}, "figure"),
        ({"figure": "rated", "figureFrom": moment, "figureTo": "2026-01-01T00:00:00Z"}, "figureTo"),
    ):
        try:
            await env.rpc.call(t.LIST, t.ListTickets.model_validate(asked))
        except DomainError as exc:
            assert exc.details and exc.details[0].field == field, asked
        else:
            raise AssertionError(f"{asked} was answered")
    backlog = t.ListTickets.model_validate({"figure": "backlog", "figureTo": moment})
    assert (await env.rpc.call(t.LIST, backlog)).pagination.total == 0  # before the history


# --- the rollups: the same figures as the facts, however they were kept ---------------------


QUERIES: list[dict[str, Any]] = [
    {"kind": "volume"},
    {"kind": "times", "groupBy": "week"},
    {"kind": "agents"},
    {"kind": "satisfaction", "agent": ["ag-1", "ag-3"]},
    {"kind": "agents", "priority": ["urgent", "high"], "category": ["billing"]},
    {"kind": "volume", "channel": ["whatsapp"], "source": ["agent"]},
]


async def _both_ways(env: TicketsEnv, first: date, last: date) -> None:
    """Every query answered from the rollups equals the same query answered from the facts."""
    reports = env.service.reports
    assert reports.rolled(ZONE)
    for more in QUERIES:
        query = r.ReportQuery.model_validate(
            {"from": first, "to": last, "timeZone": ZONE.key, **more}
        )
        rolled = await reports.report(query)
        assert rolled == await reports.report(query, from_facts=True), more


async def test_the_rollups_answer_what_the_facts_do_and_a_rebuild_changes_nothing(
    history: tuple[TicketsEnv, list[t.TicketView]],
) -> None:
    env, tickets = history
    first, last = _range(tickets)
    assert any(x.status_history and len(x.status_history) > 3 for x in tickets)  # changed often
    await _both_ways(env, first, last)
    whole = first - timedelta(days=3), last + timedelta(days=2)
    await _both_ways(env, *whole)
    kept = await _figures_kept(env)
    await env.service.report_facts.rebuild_rollups(ZONE.key)
    assert await _figures_kept(env) == kept
    await _both_ways(env, first, last)


async def _figures_kept(env: TicketsEnv) -> dict[str, Any]:
    docs = await env.service.report_rollups.rollups.find({"_id": {"$ne": "meta"}}).to_list(None)
    held = ("c", "fr", "frb", "res", "resb", "ag", "cm")  # emptied documents may stay
    return {
        d["_id"]: {
            k: sorted(d[k], key=str) if k in ("ag", "cm") else d[k] for k in held if d.get(k)
        }
        for d in docs
        if any(d.get(k) for k in held)
    }


async def test_retried_and_interrupted_writes_count_once(
    history: tuple[TicketsEnv, list[t.TicketView]],
) -> None:
    env, tickets = history
    first, last = _range(tickets)
    service = env.service
    facts, store = service.report_facts, service.store
    before = await _figures_kept(env)
    victim = next(x for x in tickets if x.status is S.RESOLVED)
    state = await store.get_ticket(victim.ticket_id)
    assert state is not None
    await facts.keep(state)  # a retried write: the same version again
    await facts.keep(state)
    assert await _figures_kept(env) == before

    # A stop between the fact's write and its rollups': half the documents changed.
    rollups = service.report_rollups
    real_change = rollups.change_many
    changed = 0

    async def stops_halfway(*args: Any) -> None:
        nonlocal changed
        if changed >= 1:
            raise ConnectionError("stopped")
        changed += 1
        await real_change(*args)

    rollups.change_many = stops_halfway  # type: ignore[method-assign]
    written = service.operations.on_written
    try:
        # The write is answered; its rollups' change fails halfway, in the background.
        await env.rpc.call(
            t.CHANGE_STATUS, t.ChangeStatus(ticket_id=victim.ticket_id, status=S.OPEN, by="x")
        )
        await facts.settled()
        # A stop between a ticket's write and its fact's: no fact change at all.
        service.operations.on_written = None
        CLOCK.advance(60)
        other = next(x for x in tickets if x.status not in DONE and x is not victim)
        await env.rpc.call(
            t.RESOLVE, t.ResolveTicket(ticket_id=other.ticket_id, resolution_notes="ok", by="x")
        )
    finally:
        rollups.change_many = real_change  # type: ignore[method-assign]
        service.operations.on_written = written
    assert changed == 1
    caught = await catch_up(facts, ZONE.key, store.written_lately)
    assert caught["settled"] == 1 and caught["refreshed"] >= 1, caught
    assert await catch_up(facts, ZONE.key, store.written_lately) == {
        "built": 0,
        "settled": 0,
        "refreshed": 0,
    }
    now = [await env.rpc.call(t.GET, t.GetTicket(ticket_id=x.ticket_id)) for x in tickets]
    assert figures(await report(env, "volume", first, last)) == recount(
        now, first, last, weekly=False
    )
    await _both_ways(env, first, last)
