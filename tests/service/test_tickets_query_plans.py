"""Every list, search and stats query the tickets store makes is answered from an index on a real
server: no collection scan, and for lists no in-memory sort either (real_mongo only: the
embedded engine's planner is checked against full scans in tests/unit/test_embedded_queries.py).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

import pytest
import pytest_asyncio

from tickets_service.domain import search, tally
from tickets_service.domain.ticket import OPEN_STATES
from tickets_service.figures import facts_query
from tickets_service.reports import MOMENTS, ReportFacts
from tickets_service.store import (
    LOCATED,
    NEWEST_FIRST,
    TicketFilter,
    TicketStore,
    conversation_query,
    sort_spec,
)
from uts_shared.contracts.tickets import Handler, Priority, ReportFigure, SlaState, TicketStatus
from uts_shared.mongo import open_database

pytestmark = pytest.mark.real_mongo


def _stages(plan: dict[str, Any]) -> list[str]:
    found = [plan.get("stage", "")]
    for key in ("inputStage", "queryPlan"):
        if isinstance(plan.get(key), dict):
            found += _stages(plan[key])
    for child in plan.get("inputStages", []):
        found += _stages(child)
    return found


@pytest_asyncio.fixture(scope="module")
async def store(mongo_url: str | None) -> AsyncIterator[TicketStore]:
    db = open_database(mongo_url, f"uts_plans_{uuid.uuid4().hex[:8]}")
    store = TicketStore(db)
    await store.ensure_indexes()
    statuses = list(TicketStatus)
    await store.tickets.insert_many(
        [
            {
                "_id": f"LUX-2026-{i:06d}",
                "ticketId": f"LUX-2026-{i:06d}",
                "status": statuses[i % len(statuses)].value,
                "priority": list(Priority)[i % 4].value,
                "priorityRank": i % 4,
                "category": ["billing", "other"][i % 2],
                "assignedAgent": None if i % 3 else f"ag-{i % 5}",
                "customerId": f"c-{i % 40}",
                "conversationId": f"v-{i % 60}",
                "isEscalated": i % 7 == 0,
                LOCATED: i % 5 == 0,
                "createdAt": i,
                "updatedAt": i,
                "searchTerms": search.search_terms(f"LUX-2026-{i:06d}", f"poste {i}", "luz"),
            }
            for i in range(1, 400)
        ]
    )
    yield store
    await db.client.drop_database(db.name)


async def _plan(store: TicketStore, query: dict[str, Any], sort: Any = None) -> list[str]:
    find: dict[str, Any] = {"find": store.tickets.name, "filter": query}
    if sort:
        find["sort"] = dict(sort)
    plan = await store._db.command({"explain": find, "verbosity": "queryPlanner"})
    return _stages(plan["queryPlanner"]["winningPlan"])


NEWEST = sort_spec("createdAt", "desc")
SINCE = datetime(2026, 1, 1, tzinfo=UTC)
URGENT_FIRST = sort_spec("priority", "desc")
LISTS = {
    "open, newest first": (TicketFilter(status=TicketStatus.OPEN), NEWEST),
    "open by priority": (TicketFilter(status=TicketStatus.OPEN), URGENT_FIRST),
    "unassigned open by priority": (
        TicketFilter(status=TicketStatus.OPEN, unassigned=True),
        URGENT_FIRST,
    ),
    "unassigned open, newest first": (
        TicketFilter(status=TicketStatus.OPEN, unassigned=True),
        NEWEST,
    ),
    "an agent's queue": (TicketFilter(assigned_agent="ag-1"), URGENT_FIRST),
    "a customer's tickets": (TicketFilter(customer_id="c-3"), NEWEST),
    "a conversation's tickets": (TicketFilter(conversation_id="v-3"), NEWEST),
    "a category": (TicketFilter(category="billing"), NEWEST),
    "a priority": (TicketFilter(priority=Priority.HIGH), NEWEST),
    "escalated": (TicketFilter(is_escalated=True), NEWEST),
    "open or in progress, newest first": (
        TicketFilter(status=(TicketStatus.OPEN, TicketStatus.IN_PROGRESS)),
        NEWEST,
    ),
    "created in a range, newest first": (
        TicketFilter(created_from=SINCE, created_to=SINCE + timedelta(days=1)),
        NEWEST,
    ),
    "open, created since": (TicketFilter(status=TicketStatus.OPEN, created_from=SINCE), NEWEST),
    "mine and the unassigned (visibility), newest first": (
        TicketFilter(visible_to="ag-1"),
        NEWEST,
    ),
    "open, mine and the unassigned, by priority": (
        TicketFilter(status=TicketStatus.OPEN, visible_to="ag-1"),
        URGENT_FIRST,
    ),
    "changed since, latest change first": (
        TicketFilter(updated_since=SINCE),
        sort_spec("updatedAt", "desc"),
    ),
    "breached SLA, newest first": (TicketFilter(sla_state=SlaState.BREACHED), NEWEST),
    "everything, soonest SLA due first": (TicketFilter(), sort_spec("slaDue", "asc")),
    "open, soonest SLA due first": (
        TicketFilter(status=TicketStatus.OPEN),
        sort_spec("slaDue", "asc"),
    ),
    "everything, newest first": (TicketFilter(), NEWEST),
}


@pytest.mark.parametrize("shape", list(LISTS))
async def test_each_list_shape_is_an_index_walk_without_a_sort(
    store: TicketStore, shape: str
) -> None:
    where, sort = LISTS[shape]
    stages = await _plan(store, where.query(), sort)
    assert "IXSCAN" in stages and "COLLSCAN" not in stages and "SORT" not in stages, stages


MAP_SHAPES = {
    "the map: located open tickets": TicketFilter(status=OPEN_STATES),
    "the map: located resolved tickets": TicketFilter(status=TicketStatus.RESOLVED),
    "the map: located open tickets of a category": TicketFilter(
        status=OPEN_STATES, category="billing"
    ),
}


@pytest.mark.parametrize("shape", list(MAP_SHAPES))
async def test_each_map_shape_is_an_index_walk_without_a_sort(
    store: TicketStore, shape: str
) -> None:
    """`TicketStore.map_points`: the `map` index (located, status, newest first)."""
    query = {LOCATED: True, **MAP_SHAPES[shape].query()}
    stages = await _plan(store, query, NEWEST_FIRST)
    assert "IXSCAN" in stages and "COLLSCAN" not in stages and "SORT" not in stages, stages


async def test_search_counts_and_pages_come_from_the_search_terms_index(
    store: TicketStore,
) -> None:
    terms = tuple(search.query_terms("Iluminación POSTE luz"))
    where = TicketFilter(terms=terms)
    assert "COLLSCAN" not in await _plan(store, where.query())
    every = {**where.query(), "searchTerms": {"$all": list(terms)}}
    stages = await _plan(store, every, NEWEST_FIRST)
    assert "IXSCAN" in stages and "COLLSCAN" not in stages and "SORT" not in stages, stages


async def test_the_changes_feed_walks_the_changes_index(store: TicketStore) -> None:
    order = [("updatedAt", 1), ("_id", 1)]
    later = {"updatedAt": {"$gt": SINCE, "$lte": SINCE + timedelta(days=1)}}
    ties = {"updatedAt": SINCE, "_id": {"$gt": "LUX-2026-000010"}}
    for query in (later, ties):
        stages = await _plan(store, query, order)
        assert "IXSCAN" in stages and "COLLSCAN" not in stages and "SORT" not in stages, stages


async def test_the_sla_monitor_finds_due_clocks_by_index(store: TicketStore) -> None:
    due = {"sla.nextCheckAt": {"$lte": SINCE}}
    stages = await _plan(store, due, [("sla.nextCheckAt", 1)])
    assert "IXSCAN" in stages and "COLLSCAN" not in stages and "SORT" not in stages, stages


async def test_stats_read_one_counter_document_by_id(store: TicketStore) -> None:
    stages = await _plan_counts(store, {"_id": tally.ALL})
    assert "COLLSCAN" not in stages and ("IDHACK" in stages or "EXPRESS_IXSCAN" in stages)


async def _plan_counts(store: TicketStore, query: dict[str, Any]) -> list[str]:
    plan = await store._db.command(
        {"explain": {"find": store.counts.name, "filter": query}, "verbosity": "queryPlanner"}
    )
    return _stages(plan["queryPlanner"]["winningPlan"])


CONVERSATION_LISTS = {
    "handled by agents": {"handled_by": Handler.AGENT},
    "handled by the assistant": {"handled_by": Handler.ASSISTANT},
    "waiting for an answer": {"waiting": True},
    "not waiting": {"waiting": False},
    "waiting, handled by the assistant": {"handled_by": Handler.ASSISTANT, "waiting": True},
}


@pytest.mark.parametrize("shape", list(CONVERSATION_LISTS))
async def test_each_conversation_list_shape_is_an_index_walk(
    store: TicketStore, shape: str
) -> None:
    query = conversation_query(**CONVERSATION_LISTS[shape])
    find = {"find": store.conversations.name, "filter": query, "sort": {"updatedAt": -1}}
    plan = await store._db.command({"explain": find, "verbosity": "queryPlanner"})
    stages = _stages(plan["queryPlanner"]["winningPlan"])
    assert "IXSCAN" in stages and "COLLSCAN" not in stages, stages


async def test_the_tickets_behind_each_report_figure_are_one_index_range(
    store: TicketStore,
) -> None:
    facts = ReportFacts(store._db)
    await facts.ensure_indexes()
    start = datetime(2026, 3, 1, tzinfo=UTC)
    await facts.facts.insert_many(
        [
            {"_id": f"f{i}", "createdAt": start + timedelta(hours=i), "lastAt": start}
            | {moment: start + timedelta(hours=i + 1) for moment in MOMENTS}
            for i in range(200)
        ]
    )
    end = start + timedelta(days=1)
    for figure in get_args(ReportFigure):
        for where in ({}, {"channel": "whatsapp"}):
            query = facts_query(figure, start, end, where)
            explained = {"find": facts.facts.name, "filter": query}
            plan = await store._db.command({"explain": explained, "verbosity": "queryPlanner"})
            stages = _stages(plan["queryPlanner"]["winningPlan"])
            assert "IXSCAN" in stages and "COLLSCAN" not in stages, (figure, where, stages)
