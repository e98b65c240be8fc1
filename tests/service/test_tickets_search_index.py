"""Search is an index lookup on a real server: the query the store builds never scans the
collection (the in-process engine has no query planner, hence real_mongo only)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tickets_service.domain import search
from tickets_service.store import TicketFilter, TicketStore
from uts_shared.mongo import open_database


def _stages(plan: dict[str, Any]) -> list[str]:
    found = [plan.get("stage", "")]
    for key in ("inputStage", "queryPlan"):
        if isinstance(plan.get(key), dict):
            found += _stages(plan[key])
    for child in plan.get("inputStages", []):
        found += _stages(child)
    return found


@pytest.mark.real_mongo
async def test_search_words_are_answered_from_the_search_terms_index(mongo_url: str | None) -> None:
    db = open_database(mongo_url, f"uts_search_{uuid.uuid4().hex[:8]}")
    store = TicketStore(db)
    await store.ensure_indexes()
    await store.tickets.insert_many(
        [
            {
                "_id": f"LUX-2026-{i:06d}",
                "ticketId": f"LUX-2026-{i:06d}",
                "searchTerms": list(search.search_terms(f"LUX-2026-{i:06d}", f"poste {i}", "luz")),
            }
            for i in range(1, 200)
        ]
    )
    where = TicketFilter(terms=tuple(search.words("Iluminación POSTE")))
    plan = await db.command(
        {
            "explain": {"find": store.tickets.name, "filter": where.query()},
            "verbosity": "queryPlanner",
        }
    )
    stages = _stages(plan["queryPlanner"]["winningPlan"])
    assert "IXSCAN" in stages and "COLLSCAN" not in stages, stages
    await db.client.drop_database(db.name)
