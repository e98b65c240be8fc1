"""Saved views over HTTP: an agent saves list addresses under names and sees the shared ones;
sharing is for admins; API tokens have no views."""

from __future__ import annotations

import httpx

from tests.support.factories import unique_word


async def test_an_agent_saves_lists_renames_and_deletes_a_view(
    agent_api: httpx.AsyncClient,
) -> None:
    name = f"Urgentes {unique_word()}"
    filters = {"status": "new,open", "priority": "urgent", "assigned": "unassigned"}
    r = await agent_api.post("/views", json={"name": name, "filters": filters})
    assert r.status_code == 201, r.text
    view = r.json()["view"]
    assert (view["name"], view["filters"], view["shared"]) == (name, filters, False)

    r = await agent_api.get("/views")
    assert r.status_code == 200
    assert [x["id"] for x in r.json()["views"] if not x["shared"]] == [view["id"]]

    r = await agent_api.patch(f"/views/{view['id']}", json={"name": "Otra"})
    assert r.status_code == 200 and r.json()["view"]["name"] == "Otra"
    r = await agent_api.delete(f"/views/{view['id']}")
    assert r.status_code == 200
    r = await agent_api.get("/views")
    assert view["id"] not in [x["id"] for x in r.json()["views"]]


async def test_shared_views_are_made_by_admins_and_seen_by_every_agent(
    admin_api: httpx.AsyncClient, agent_api: httpx.AsyncClient
) -> None:
    name = f"Equipo {unique_word()}"
    r = await agent_api.post("/views", json={"name": name, "filters": {}, "shared": True})
    assert r.status_code == 403, r.text
    r = await admin_api.post(
        "/views", json={"name": name, "filters": {"sla": "breached"}, "shared": True}
    )
    assert r.status_code == 201, r.text
    shared = r.json()["view"]
    r = await agent_api.get("/views")
    assert shared in r.json()["views"]
    r = await agent_api.delete(f"/views/{shared['id']}")
    assert r.status_code == 403
    assert (await admin_api.delete(f"/views/{shared['id']}")).status_code == 200


async def test_a_view_name_twice_is_a_conflict_and_bad_filters_name_the_field(
    agent_api: httpx.AsyncClient,
) -> None:
    name = f"Doble {unique_word()}"
    assert (await agent_api.post("/views", json={"name": name, "filters": {}})).status_code == 201
    r = await agent_api.post("/views", json={"name": name.upper(), "filters": {}})
    assert r.status_code == 409
    assert r.json()["reason"] == "view_name_taken"
    r = await agent_api.post("/views", json={"name": "x", "filters": {"status": "{$ne:1}"}})
    assert r.status_code == 422
    assert "filters" in r.text
    r = await agent_api.post("/views", json={"name": " ", "filters": {}})
    assert r.status_code == 422
