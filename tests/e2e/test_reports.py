"""`GET /reports/{kind}` over HTTP: admins only, the period's figures as JSON and as CSV that
Python's csv module reads; a bad period is a 422 naming the field."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.support.desk import Desk, new_customer, new_ticket


async def resolved_ticket(desk: Desk, priority: str) -> dict[str, Any]:
    """A ticket the desk's agent filed for itself and resolved, today."""
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"], priority=priority, assignToSelf=True)
    r = await desk.api.post(
        f"/tickets/{ticket['ticketId']}/resolve", json={"resolutionNotes": "ok"}
    )
    assert r.status_code == 200, r.text
    return ticket


async def test_an_admin_reads_a_report_as_json_and_as_csv(
    desk: Desk, admin_api: httpx.AsyncClient
) -> None:
    await resolved_ticket(desk, "urgent")
    today = datetime.now(UTC).date().isoformat()
    period = {"from": today, "to": today, "timeZone": "UTC", "priority": "urgent"}

    r = await admin_api.get("/reports/times", params=period)
    assert r.status_code == 200, r.text
    report = r.json()["report"]
    assert report["totals"]["created"] >= 1 and report["totals"]["resolved"] >= 1
    assert report["totals"]["resolution"]["medianMs"] is not None

    r = await admin_api.get("/reports/agents", params={**period, "format": "csv"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    mine = next(row for row in rows if row["agent"] == desk.id)
    assert int(mine["resolved"]) >= 1

    r = await desk.api.get("/reports/times", params=period)
    assert r.status_code == 403
    r = await admin_api.get("/reports/times", params={"from": today, "to": "2000-01-01"})
    assert r.status_code == 422 and "to" in r.text
    r = await admin_api.get("/reports/nonsense", params=period)
    assert r.status_code == 422


async def test_a_reports_figure_opens_the_list_of_its_tickets_over_http(
    desk: Desk, admin_api: httpx.AsyncClient
) -> None:
    ticket = await resolved_ticket(desk, "low")
    today = datetime.now(UTC).date().isoformat()
    period = {"from": today, "to": today, "timeZone": "UTC", "agent": [desk.id, "nobody-else"]}
    r = await admin_api.get("/reports/volume", params=period)
    assert r.status_code == 200, r.text
    totals = r.json()["report"]["totals"]

    day = {"figureFrom": f"{today}T00:00:00Z", "figureTo": f"{today}T23:59:59.999Z"}
    agents = f"{desk.id},nobody-else"
    for figure, counted in (("created", totals["created"]), ("resolved", totals["resolved"])):
        params: dict[str, str | int] = {"figure": figure, **day, "assignedAgent": agents}
        params["limit"] = 100
        r = await admin_api.get("/tickets", params=params)
        assert r.status_code == 200, r.text
        listed = r.json()
        assert listed["pagination"]["total"] == counted >= 1
        assert ticket["ticketId"] in {x["ticketId"] for x in listed["tickets"]}

    r = await admin_api.get("/tickets", params={"figure": "resolved", "figureTo": day["figureTo"]})
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "figureFrom"
    r = await admin_api.get("/tickets", params={"figure": "sideways", **day})
    assert r.status_code == 422 and "figure" in r.text
