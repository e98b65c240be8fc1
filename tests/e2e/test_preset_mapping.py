"""Applying a preset safely: the preview counts the open tickets of each category it removes,
and the apply moves them to the kept category the admin maps each to (one change each)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.configuration import configuration_kept
from tests.support.desk import new_customer, new_ticket
from tests.support.waiting import until_passes


@pytest.fixture(autouse=True)
async def configuration_put_back(admin_api: httpx.AsyncClient) -> AsyncIterator[None]:
    """The preset's categories and words are undone after (other tests file tickets in the
    usual categories)."""
    async with configuration_kept(admin_api):
        yield


async def test_a_presets_removed_categories_are_previewed_and_their_open_tickets_mapped(
    admin_api: httpx.AsyncClient,
) -> None:
    tag = uuid.uuid4().hex[:6]
    old, new = f"old_{tag}", f"new_{tag}"
    target = [{"id": new, "label": "Nueva"}, {"id": "other", "label": "Otro"}]
    r = await admin_api.put("/config/ticket-categories", json={"categories": target})
    assert r.status_code == 200, r.text
    preset_id = f"e2e-map-{tag}"
    r = await admin_api.post("/config/presets", json={"id": preset_id, "name": "Destino"})
    assert r.status_code == 201, r.text
    before = [{"id": old, "label": "Vieja"}, *target]
    r = await admin_api.put("/config/ticket-categories", json={"categories": before})
    assert r.status_code == 200, r.text
    customer = await new_customer(admin_api)
    tickets: list[dict[str, str]] = []

    async def created() -> None:
        r = await admin_api.post(
            "/tickets",
            json={
                "subject": "Vieja",
                "description": "x",
                "category": old,
                "customerId": customer["id"],
            },
        )
        assert r.status_code == 201, r.text
        tickets.append(r.json()["ticket"])

    await until_passes(created, what="a ticket in the new category")
    tickets.append(await new_ticket(admin_api, customer["id"], category=old))
    closed = await new_ticket(admin_api, customer["id"], category=old)
    r = await admin_api.post(
        f"/tickets/{closed['ticketId']}/status", json={"status": "closed", "reason": "spam"}
    )
    assert r.status_code == 200, r.text

    r = await admin_api.get(f"/config/presets/{preset_id}/impact")
    assert r.status_code == 200, r.text
    impact = r.json()
    assert [(c["id"], c["openTickets"]) for c in impact["removed"]] == [(old, 2)]
    assert [c["id"] for c in impact["kept"]] == [new, "other"]

    wrong = await admin_api.post(
        f"/config/presets/{preset_id}/apply", json={"categoryMap": {old: "nowhere"}}
    )
    assert wrong.status_code == 422 and f"categoryMap.{old}" in wrong.text
    r = await admin_api.post(f"/config/presets/{preset_id}/apply", json={"categoryMap": {old: new}})
    assert r.status_code == 200, r.text
    assert r.json()["recategorized"] == {old: 2}

    for ticket in tickets:
        after = (await admin_api.get(f"/tickets/{ticket['ticketId']}")).json()["ticket"]
        assert after["category"] == new and after["version"] == int(ticket["version"]) + 1
    still = (await admin_api.get(f"/tickets/{closed['ticketId']}")).json()["ticket"]
    assert still["category"] == old
    await admin_api.delete(f"/config/presets/{preset_id}")
